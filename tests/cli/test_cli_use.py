"""`glassnet evaluate`, `predict` and `datasets`, run as separate processes on saved runs."""

import csv
import importlib.resources
import io as _io
import json
import re

import numpy as np
import pytest
import sklearn.metrics as skm
from cli_helpers import glassnet, ok, warned, wilson

from glassnet import saved
from glassnet.data import list_datasets, load_dataset, train_val_test_split

IRIS = load_dataset("iris")
SPECIES = IRIS.label_names


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "iris.csv"
    path.write_bytes(importlib.resources.files("glassnet.data").joinpath("iris.csv").read_bytes())
    return path


def _test_split(name, seed=0):
    ds = load_dataset(name, seed=seed)
    s = train_val_test_split(
        ds.X, ds.y, val_size=0.15, test_size=0.2, seed=seed, stratify=ds.task == "classify"
    )
    return s.X_test, s.y_test


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(_io.StringIO(text)))


def test_evaluate_a_run_on_its_own_test_split(iris_run, tmp_path):
    out = ok(glassnet("evaluate", "--model", iris_run, cwd=tmp_path)).splitlines()
    X, y = _test_split("iris")
    pred = saved.load(iris_run).predict(X)
    truth = np.array(SPECIES)[y]
    acc = skm.accuracy_score(truth, pred)
    low, high = wilson(int(round(acc * 30)), 30)
    assert out[0] == (
        f"accuracy {acc:.3f} on 30 rows of the run's test split (95% interval "
        f"{low:.3f} to {high:.3f})"
    )
    prec, rec, f1, support = skm.precision_recall_fscore_support(
        truth, pred, labels=SPECIES, zero_division=0
    )
    assert out[1].split() == ["class", "precision", "recall", "f1", "support"]
    for line, name, p, r, f, n in zip(out[2:5], SPECIES, prec, rec, f1, support):
        assert line.split() == [name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", str(n)]
    assert out[5].startswith("confusion matrix (rows: true class")
    assert out[6].split() == SPECIES
    C = skm.confusion_matrix(truth, pred, labels=SPECIES)
    for line, name, row in zip(out[7:10], SPECIES, C):
        assert line.split() == [name, *map(str, row)]
    assert len(out) == 10


def test_evaluate_a_model_file_on_a_csv_and_write_the_metrics(iris_run, iris_csv, tmp_path):
    result = ok(
        glassnet(
            "evaluate",
            "--model",
            iris_run / "model.safetensors",
            "--data",
            iris_csv,
            "--out",
            "scores.json",
            cwd=tmp_path,
        )
    )
    model = saved.load(iris_run)
    expected = model.evaluate(IRIS.X, np.array(SPECIES)[IRIS.y])
    assert json.loads((tmp_path / "scores.json").read_text()) == expected
    low, high = wilson(int(round(expected["accuracy"] * 150)), 150)
    assert expected["accuracy_interval"] == pytest.approx([low, high], abs=1e-12)
    first = (
        f"accuracy {expected['accuracy']:.3f} on 150 rows of {iris_csv} (95% interval "
        f"{low:.3f} to {high:.3f})"
    )
    assert result.splitlines()[0] == first
    assert result.splitlines()[-1] == "metrics written to scores.json"
    by_name = warned(
        glassnet("evaluate", "--model", iris_run, "--data", "iris", cwd=tmp_path),
        "98 of the 150 rows of iris are rows the model was trained on",  # 97 and a twin
    )
    assert by_name.splitlines()[1:] == result.splitlines()[1:-1]


def test_evaluate_a_regression_run(sine_run, tmp_path):
    out = ok(glassnet("evaluate", "--model", sine_run, cwd=tmp_path))
    X, y = _test_split("sine")
    pred = saved.load(sine_run).predict(X)
    r2, mse, mae = (
        skm.r2_score(y, pred),
        skm.mean_squared_error(y, pred),
        skm.mean_absolute_error(y, pred),
    )
    assert out == (
        f"R^2 {r2:.3f}, MSE {mse:.4g}, MAE {mae:.4g} on 200 rows of the run's test split\n"
    )


def test_predict_prints_the_original_class_names(iris_run, tmp_path):
    rows = IRIS.X[::10]
    lines = ["petal_length,sepal_length,petal_width,sepal_width,note"]  # another column order
    lines += [f"{r[2]},{r[0]},{r[3]},{r[1]},x" for r in rows]
    (tmp_path / "new.csv").write_text("\n".join(lines) + "\n")
    table = _table(
        warned(
            glassnet("predict", "--model", iris_run, "--data", "new.csv", cwd=tmp_path),
            "rows the model was trained on",
        )
    )
    expected = saved.load(iris_run).predict(rows).tolist()
    assert table == [["prediction"], *[[name] for name in expected]]
    assert set(expected) <= set(SPECIES)

    table = _table(
        warned(
            glassnet("predict", "--model", iris_run, "--data", "new.csv", "--proba", cwd=tmp_path),
            "rows the model was trained on",
        )
    )
    assert table[0] == ["prediction", "p_setosa", "p_versicolor", "p_virginica"]
    p = np.array([[float(v) for v in r[1:]] for r in table[1:]])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=2e-6)
    np.testing.assert_allclose(p, saved.load(iris_run).predict_proba(rows), atol=5e-7)
    assert [r[0] for r in table[1:]] == expected


def test_predict_writes_a_file_with_out(sine_run, tmp_path):
    x = np.linspace(-3, 3, 7)
    (tmp_path / "x.csv").write_text("x\n" + "".join(f"{v}\n" for v in x))
    out = ok(
        glassnet("predict", "--model", sine_run, "--data", "x.csv", "--out", "p.csv", cwd=tmp_path)
    )
    assert out == "7 predictions written to p.csv\n"
    table = _table((tmp_path / "p.csv").read_text())
    assert table[0] == ["prediction"]
    values = np.array([float(r[0]) for r in table[1:]])
    np.testing.assert_array_equal(values, saved.load(sine_run).predict(x[:, None]))


def test_predict_takes_a_built_in_dataset_or_a_csv_of_another_suffix(iris_run, tmp_path):
    expected = [["prediction"], *[[name] for name in saved.load(iris_run).predict(IRIS.X)]]
    assert (
        _table(
            warned(
                glassnet("predict", "--model", iris_run, "--data", "iris", cwd=tmp_path),
                "of the 150 rows of iris are rows the model was trained on",
            )
        )
        == expected
    )
    header = ",".join(IRIS.feature_names)
    rows = "".join(",".join(map(str, r.tolist())) + "\n" for r in IRIS.X)
    (tmp_path / "flowers.txt").write_text(header + "\n" + rows)
    assert (
        _table(
            warned(
                glassnet("predict", "--model", iris_run, "--data", "flowers.txt", cwd=tmp_path),
                "of the 150 rows of flowers.txt are rows the model was trained on",
            )
        )
        == expected
    )


def test_datasets_lists_every_built_in_with_its_size(tmp_path):
    out = ok(glassnet("datasets", cwd=tmp_path)).splitlines()
    assert out[0].split() == ["name", "task", "samples", "features", "classes", "source"]
    assert len(out) == 1 + len(list_datasets())
    for line, info in zip(out[1:], list_datasets()):
        classes = "-" if info.n_classes is None else str(info.n_classes)
        assert line.split() == [
            info.name,
            info.task,
            str(info.n_samples),
            str(info.n_features),
            classes,
            info.source,
        ]


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "datasets"])
def test_help_on_every_command_shows_examples(tmp_path, command):
    out = ok(glassnet(command, "--help", cwd=tmp_path))
    assert out.startswith(f"usage: glassnet {command}")
    examples = out.split("examples:\n", 1)[1]
    assert re.search(rf"^  glassnet {command}\b", examples, re.MULTILINE)


def test_help_of_the_command_lists_the_commands_and_examples(tmp_path):
    out = ok(glassnet("--help", cwd=tmp_path))
    for command in ["train", "evaluate", "predict", "datasets"]:
        assert re.search(rf"^    {command} ", out, re.MULTILINE)
    assert "examples:\n  glassnet train" in out


def test_train_help_states_the_defaults_the_command_uses():
    from glassnet.cli import build_parser
    from glassnet.commands._common import DEFAULTS

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    stated = {a.dest: re.search(r"default:? ([^;)]+)", a.help or "") for a in train._actions}
    shown = {dest: m.group(1) for dest, m in stated.items() if m}
    expected = {"hidden": ",".join(map(str, DEFAULTS["hidden"])), "seed": str(DEFAULTS["seed"])}
    expected.update(
        {
            k: str(DEFAULTS[k])
            for k in (
                "activation",
                "epochs",
                "batch_size",
                "optimizer",
                "val_split",
                "test_split",
                "early_stopping",
                "data",
            )
        }
    )
    assert {k: shown[k] for k in expected} == expected
