"""A real table through the real command: a text id, a category, holes in two columns and
text labels; the encoded matrix checked against scikit-learn's ColumnTransformer."""

import csv
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from cli_helpers import glassnet, ok

from glassnet import cli, saved
from glassnet import io as gio
from glassnet.data import prepare

N_ROWS = 150


def _patients(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(20, 80, n).astype(float)
    bmi = np.round(rng.uniform(18, 38, n), 1)
    smoker = rng.choice(["never", "former", "current"], n)
    score = 0.04 * (age - 50) + 0.15 * (bmi - 27) + (smoker == "current") * 1.2
    risk = np.where(score + rng.normal(0, 0.6, n) > 0.3, "high", "low")
    df = pd.DataFrame(
        {
            "patient": [f"P{i:04d}" for i in range(n)],
            "age": age,
            "smoker": smoker,
            "bmi": bmi,
            "visits": rng.integers(0, 12, n),
            "risk": risk,
        }
    )
    df = df.astype({"age": object, "bmi": object, "smoker": object})
    if n == N_ROWS:  # the training table
        df.loc[[3, 40, 77, 120], "age"] = ""  # holes in two numeric columns...
        df.loc[[10, 90], "bmi"] = "NA"
        df.loc[[55], "smoker"] = "?"  # ... and one in the category column
    else:  # new rows, with a hole the model fills
        df.loc[[1], "age"] = ""
    return df


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """The table, its training runs (with and without --drop) and a file of new rows."""
    folder = tmp_path_factory.mktemp("table")
    _patients(N_ROWS, 0).to_csv(folder / "patients.csv", index=False)
    # the new rows: another column order, a column the model never saw, no target
    new = _patients(12, 1).assign(note="seen")[
        ["visits", "bmi", "smoker", "note", "age", "patient"]
    ]
    new.to_csv(folder / "new.csv", index=False)
    runs = {}
    for name, extra in [("all", []), ("dropped", ["--drop", "visits"])]:
        args = ["train", "--data", "patients.csv", "--epochs", "8", "--out", name, *extra]
        runs[name] = glassnet(*args, cwd=folder)
    return folder, runs


def test_train_says_what_it_did_with_the_columns(table):
    folder, runs = table
    out = ok(runs["all"]).splitlines()
    assert out[0] == (
        "column 'patient' looks like a row identifier (unique text in every row): left out; "
        "name it in --features to use it"
    )
    assert out[1].startswith("column 'age': 4 missing cells filled with ")
    assert out[1].endswith(", the median of the training rows")
    assert out[2].startswith("column 'smoker': 1 missing cells filled with '")
    assert out[3].startswith("column 'bmi': 2 missing cells filled with ")
    assert "training MLP 6-32-32-2 (tanh) to classify risk (2 classes)" in out[4]
    assert out[-1].endswith(
        "next: glassnet evaluate --model all, glassnet predict --model all "
        "--data FILE, glassnet explain --model all"
    )
    dropped = saved.load(folder / "dropped")
    assert dropped.columns == ["age", "smoker", "bmi"]  # --drop visits, and the id left out
    assert "training MLP 5-32-32-2" in ok(runs["dropped"])


def test_the_encoded_matrix_is_scikit_learns(table):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    folder, _ = table
    model = saved.load(folder / "all")
    train_rows = prepare(folder / "patients.csv", seed=0).rows[0]  # the run's split
    df = pd.read_csv(folder / "patients.csv", na_values=["?"])
    numbers, categories = ["age", "bmi", "visits"], ["smoker"]
    ct = ColumnTransformer(
        [
            ("n", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
            (
                "c",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categories,
            ),
        ]
    ).fit(df.iloc[train_rows])
    names = [n.split("__")[1].replace("smoker_", "smoker=") for n in ct.get_feature_names_out()]
    expected = pd.DataFrame(ct.transform(df), columns=names)[model.feature_names].to_numpy()
    got = model.network_inputs(pd.read_csv(folder / "patients.csv", keep_default_na=False))
    assert model.feature_names == [
        "age", "smoker=current", "smoker=former", "smoker=never", "bmi", "visits",
    ]  # fmt: skip
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_evaluate_predict_and_info(table):
    folder, _ = table
    model = saved.load(folder / "all")
    out = ok(glassnet("evaluate", "--model", "all", cwd=folder))
    assert out.startswith("accuracy ") and "rows of the run's test split" in out
    text = ok(glassnet("predict", "--model", "all", "--data", "new.csv", "--keep", "patient",
                       "--proba", cwd=folder))  # fmt: skip
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["patient", "prediction", "p_high", "p_low"]
    original = _patients(12, 1)  # the same rows, columns in their first order, no note
    assert [r[0] for r in rows[1:]] == original["patient"].tolist()
    frame = pd.read_csv(io.StringIO(original.to_csv(index=False)), keep_default_na=False)
    assert [r[1] for r in rows[1:]] == model.predict(frame).tolist()
    info = json.loads(ok(glassnet("info", "--model", "all", "--json", cwd=folder)))
    assert [(c["name"], c["kind"]) for c in info["columns"]] == [
        ("age", "number"), ("smoker", "category"), ("bmi", "number"), ("visits", "number"),
    ]  # fmt: skip
    assert info["columns"][1]["categories"] == ["current", "former", "never"]
    assert info["labels"] == ["high", "low"] and info["task"] == "classify"
    assert info["architecture"]["parameters"] == 6 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2
    assert info["data_sha256"] == model.config["data_sha256"]
    assert "test" in info["metrics"]
    lines = ok(glassnet("info", "--model", "all", cwd=folder))
    assert "  smoker: category of 3 (current, former, never)" in lines


def test_explain_says_which_inputs_come_from_which_column(table, monkeypatch, capsys):
    folder, _ = table
    monkeypatch.chdir(folder)
    assert cli.main(["explain", "--model", "all", "--sample", "3"]) == 0
    out = capsys.readouterr().out
    assert (
        "6 inputs from 4 columns: age; smoker (one-hot, 3 inputs: smoker=current, "
        "smoker=former, smoker=never); bmi; visits"
    ) in out
    fill = saved.load(folder / "all").preprocessing["columns"][0]["fill"]
    assert f"sample 3 of patients.csv: age {fill:g}, " in out  # row 3's empty age, filled


def test_reordered_columns_give_the_same_predictions(table):
    folder, _ = table
    model = saved.load(folder / "all")
    df = pd.read_csv(folder / "patients.csv", keep_default_na=False)
    shuffled = df[["risk", "visits", "bmi", "patient", "smoker", "age"]].assign(extra=1)
    np.testing.assert_array_equal(model.predict_proba(df), model.predict_proba(shuffled))
    assert model.evaluate(df) == model.evaluate(shuffled)
    with pytest.raises(Exception, match=r"missing column 'bmi' that the model needs"):
        model.predict(df.drop(columns="bmi"))


def test_unknown_categories_warn_or_are_refused_with_strict(table):
    folder, _ = table
    new = _patients(5, 2)
    new.loc[[1, 3], "smoker"] = "vaping"
    new.to_csv(folder / "vaping.csv", index=False)
    r = glassnet("predict", "--model", "all", "--data", "vaping.csv", cwd=folder)
    assert r.returncode == 0 and r.stderr == (
        "warning: vaping.csv: column 'smoker': 2 rows hold categories not seen in training "
        "('vaping'), encoded as all zeros (--strict refuses them)\n"
    )
    r = glassnet("predict", "--model", "all", "--data", "vaping.csv", "--strict", cwd=folder)
    assert r.returncode == 2
    assert r.stderr == (
        "error: vaping.csv, line 3, column 'smoker': the category 'vaping' was not seen in "
        "training (the categories are current, former, never)\n"
    )


def _bad_model(folder):
    """A copy of the run's model whose preprocessing entry has a category list of numbers."""
    state, config = gio.load_model(folder / "all")
    config["preprocessing"]["columns"][1]["categories"] = [1, 2, 3]
    gio.save_model(folder / "bad", state, config)
    return "bad"


BAD = {
    "--features": (["train", "--features", "age,bmii"], r"--features: no column 'bmii' in "),
    "--drop": (["train", "--drop", "smokr"], r"--drop: no column 'smokr' .*'smoker'\?"),
    "--categorical": (["train", "--categorical", "vists"], r"--categorical: no column 'vists'"),
    "target dropped": (["train", "--drop", "risk"], r"--drop: 'risk' is the target column"),
    "--keep": (
        ["predict", "--model", "all", "--data", "new.csv", "--keep", "id"],
        r"--keep: no column 'id' in new\.csv",
    ),
    "every row dropped": (
        ["train", "--data", "holes.csv", "--missing", "drop"],
        r"holes\.csv: every row has a missing cell, so --missing drop leaves no rows",
    ),
    "too many categories": (
        ["train", "--data", "codes.csv"],
        r"column 'code' has 1001 distinct values, too many .* --drop code",
    ),
    "too many classes": (
        ["train", "--data", "prices.csv", "--task", "classify"],
        r"--task classify: the target has 40 classes in 40 rows, .* --force",
    ),
    "bad preprocessing": (
        ["info", "--model", "BAD"],
        r"bad/model\.safetensors: the model's config has a bad 'preprocessing' entry: "
        r"columns\[1\]\.categories must be a non-empty list of strings",
    ),
    "unknown dataset": (
        ["train", "--data", "irsi"],
        r"unknown dataset 'irsi'.*did you mean 'iris'",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_error_line(table, case, monkeypatch, capsys):
    folder, _ = table
    monkeypatch.chdir(folder)
    (folder / "holes.csv").write_text("a,b,y\n1,,0\n,2,1\n")
    codes = ["code,x,y"] + [f"c{i % 1001},{i},{i % 2}" for i in range(1100)]
    (folder / "codes.csv").write_text("\n".join(codes) + "\n")
    prices = ["x,price"] + [f"{i % 7},{100 + 3 * i}" for i in range(40)]
    (folder / "prices.csv").write_text("\n".join(prices) + "\n")
    args, message = BAD[case]
    if args[0] == "train":
        args = [*args, "--out", "never"] + ([] if "--data" in args else ["--data", "patients.csv"])
    args = [_bad_model(folder) if a == "BAD" else a for a in args]
    assert cli.main(args) == 2  # in this process: the same main as the console script
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert re.search(message, err), err
    assert not (folder / "never").exists()
