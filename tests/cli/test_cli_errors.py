"""Bad input: exit code 2, one `error: ...` line on stderr, no traceback, nothing half-written."""

import pickle
import re

import pytest
from cli_helpers import glassnet

from glassnet import cli
from glassnet.errors import DataError

IRIS_HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"

FILES = {
    "ragged.csv": IRIS_HEADER + "5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,setosa\n",
    "word.csv": IRIS_HEADER
    + "5.1,3.5,1.4,0.2,setosa\n4.9,three,1.4,0.2,setosa\n4.7,3.2,1.3,0.2,setosa\n",
    "hole.csv": IRIS_HEADER + "5.1,3.5,1.4,0.2,setosa\n4.9,,1.4,0.2,setosa\n",
    "empty.csv": "",
    "header_only.csv": IRIS_HEADER,
    "rose.csv": IRIS_HEADER + "5.1,3.5,1.4,0.2,rose\n",
    "three_features.csv": "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n",
    "notes.txt": "these are notes, not a model\n",
    "a_file": "in the way\n",
}

CASES = {
    "missing data file": (["train", "--data", "missing.csv"], r"missing\.csv: does not exist"),
    "unknown dataset": (["train", "--data", "mnist"], r"unknown dataset 'mnist': choose one of"),
    "ragged row": (
        ["train", "--data", "ragged.csv"],
        r"ragged\.csv, line 3: 4 cells, but the header has 5 columns",
    ),
    "non-numeric cell": (
        ["train", "--data", "word.csv"],
        r"word\.csv, line 3, column 'sepal_width': 'three' is not a number",
    ),
    "missing value": (
        ["train", "--data", "hole.csv", "--missing", "error"],
        r"hole\.csv, line 3, column 'sepal_width': missing value",
    ),
    "empty file": (["train", "--data", "empty.csv"], r"empty\.csv: the file is empty"),
    "header only": (["train", "--data", "header_only.csv"], r"has a header but no data rows"),
    "unknown target": (
        ["train", "--data", "rose.csv", "--target", "colour"],
        r"no target column 'colour'; the columns are sepal_length, ",
    ),
    "bad option value": (["train", "--hidden", "16,x"], r"argument --hidden: takes sizes like"),
    "negative epochs": (
        ["train", "--epochs", "-3"],
        r"argument --epochs: must be a positive integer, got -3",
    ),
    "negative seed": (
        ["train", "--seed", "-1"],
        r"argument --seed: must be an integer >= 0, got -1",
    ),
    "splits leaving no training rows": (
        ["train", "--val-split", "0.5", "--test-split", "0.6"],
        r"--val-split 0.5 and --test-split 0.6 add up to 1 or "
        r"more: no rows would be left to train on",
    ),
    "infinite lr": (
        ["train", "--lr", "inf"],
        r"argument --lr: must be a finite number > 0, got inf",
    ),
    "out holding a run": (
        ["train", "--out", "RUN"],
        r"--out .*run already holds a run \(model\.safetensors, .*\); give another "
        r"folder, or continue "
        r"that run with --resume",
    ),
    "unknown option": (
        ["train", "--colour", "red"],
        r"unrecognized arguments: --colour red \(see 'glassnet train --help'\)",
    ),
    "stray argument": (
        ["evaluate", "--model", "RUN", "again"],
        r"unrecognized arguments: again \(see 'glassnet evaluate --help'\)",
    ),
    "out under a file": (
        ["train", "--out", "a_file/run", "--epochs", "1"],
        r"a_file/run: Not a directory",
    ),
    "text file as model": (
        ["evaluate", "--model", "notes.txt"],
        r"notes\.txt: .*not a safetensors file|notes\.txt: only",
    ),
    "pickle as model": (
        ["predict", "--model", "model.pkl", "--data", "rose.csv"],
        r"model\.pkl: this is a Python pickle, not a glassnet model",
    ),
    "missing model": (["evaluate", "--model", "nowhere"], r"nowhere: no such file or folder"),
    "folder without a model": (["evaluate", "--model", "."], r"holds no model\.safetensors"),
    "features that do not match": (
        ["predict", "--model", "RUN", "--data", "three_features.csv"],
        r"three_features\.csv: missing column 'petal_width' that the model needs",
    ),
    "non-numeric feature to predict": (
        ["predict", "--model", "RUN", "--data", "word.csv"],
        r"'three' is not a number",
    ),
    "unknown class to evaluate": (["evaluate", "--model", "RUN", "--data", "rose.csv"], r"rose"),
    "dataset of other features": (
        ["evaluate", "--model", "RUN", "--data", "wine"],
        r"wine: its features .* are not the model's",
    ),
    "predict from another dataset": (
        ["predict", "--model", "RUN", "--data", "wine"],
        r"wine: its features .* are not the model's",
    ),
    "predict from an unknown name": (
        ["predict", "--model", "RUN", "--data", "mnist"],
        r"unknown dataset 'mnist'",
    ),
    "proba of a regression": (
        ["predict", "--model", "SINE", "--data", "rose.csv", "--proba"],
        r"--proba applies to classification models",
    ),
    "unwritable predictions": (
        ["predict", "--model", "RUN", "--data", "rose.csv", "--out", "a_file/p.csv"],
        r"cannot make the folder a_file: a file",
    ),
    "unwritable metrics": (
        ["evaluate", "--model", "RUN", "--out", "a_file/m.json"],
        r"cannot make the folder a_file: a file of that name",
    ),
    "no command": ([], r"no command given"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad_inputs")
    for name, text in FILES.items():
        (d / name).write_text(text)
    (d / "model.pkl").write_bytes(pickle.dumps({"weights": [0.5, -1.0]}))
    return d


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exits_2_with_one_error_line(workdir, iris_run, sine_run, case):
    args, message = CASES[case]
    args = [{"RUN": iris_run, "SINE": sine_run}.get(a, a) for a in args]
    before = sorted(p.name for p in workdir.iterdir())
    result = glassnet(*args, cwd=workdir)
    assert result.returncode == 2, result.stdout + result.stderr
    err = result.stderr
    if case == "no command":
        assert result.stdout.startswith("usage: glassnet")
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert re.search(message, err), err
    assert sorted(p.name for p in workdir.iterdir()) == before  # nothing was left behind


def test_a_multi_line_library_error_is_printed_on_one_line(monkeypatch, capsys):
    from glassnet.commands import datasets

    def fail(args):
        raise DataError("data.csv: bad\n  line 3 is short\n\n  line 4 too")

    monkeypatch.setattr(datasets, "run", fail)
    assert cli.main(["datasets"]) == 2
    assert capsys.readouterr() == ("", "error: data.csv: bad line 3 is short line 4 too\n")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (PermissionError(13, "Permission denied", "out/m.json"), "out/m.json: Permission denied"),
        (FileExistsError(17, "File exists", "runs"), "cannot make the folder runs: a file of that"),
        (
            IsADirectoryError(21, "Is a directory", "/tmp/.x.tmp", None, "preds"),
            "preds: Is a directory",
        ),
    ],
)
def test_file_system_errors_are_one_line_and_exit_2(monkeypatch, capsys, exc, expected):
    from glassnet.commands import datasets

    def fail(args):
        raise exc

    monkeypatch.setattr(datasets, "run", fail)
    assert cli.main(["datasets"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: {expected}") and err.count("\n") == 1
