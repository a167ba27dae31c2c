"""Options around real tables: the Python path gives the CLI's scores, no hidden layer,
every optimizer, the printed precision, a run that diverges, the README's tour."""

import json
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from glassnet import Trainer, cli, nn, saved
from glassnet.data import prepare

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_python_and_the_cli_give_the_same_r2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--data", "diabetes", "--epochs", "15", "--out", "d")
    assert code == 0, err
    cli_r2 = json.loads((tmp_path / "d" / "metrics.json").read_text())["test"]["r2"]

    p = prepare("diabetes", seed=0, val_size=0.15, test_size=0.2)  # the CLI's defaults
    s = p.split
    net = nn.MLP([10, 32, 32, 1], activation="tanh", seed=0)
    Trainer(
        net, task="regress", lr=0.01, epochs=15, metrics=("r2",), early_stopping=20,
        progress="none", seed=0,
    ).fit(
        p.inputs(s.X_train), p.targets(s.y_train),
        validation_data=(p.inputs(s.X_val), p.targets(s.y_val)),
    )  # fmt: skip
    model = saved.wrap(net, **p.model_info())
    assert model.evaluate(p.raw("test"), s.y_test)["r2"] == cli_r2
    assert p.dataset.y.dtype == np.float64  # standardised from float64, not float32


def test_no_hidden_layer_and_every_optimizer(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name, hidden in [("adamw", "none"), ("rmsprop", "")]:
        out = f"run-{name}"
        args = ["train", "--hidden", hidden, "--optimizer", name, "--epochs", "3", "--out", out]
        code, text, err = run(capsys, *args)
        assert code == 0, err
        assert "training MLP 4-3 (tanh)" in text  # logistic regression: no hidden layer
        assert saved.load(out).model.sizes == [4, 3]
        assert (
            json.loads((tmp_path / out / "run.json").read_text())["settings"]["optimizer"] == name
        )


def test_predictions_keep_the_targets_precision_or_take_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = ROOT / "examples" / "data"
    code, _, err = run(
        capsys, "train", "--data", data / "houses.csv", "--epochs", "3", "--out", "h"
    )
    assert code == 0, err
    for extra, decimals in [([], 1), (["--precision", "3"], 3)]:  # prices have one decimal
        code, text, err = run(capsys, "predict", "--model", "h", "--data", data / "new_houses.csv",
                              *extra)  # fmt: skip
        assert code == 0 and err == "", err
        values = [line.split(",")[0] for line in text.splitlines()[1:]]
        assert len(values) == 8 and all(
            re.fullmatch(rf"-?\d+\.\d{{{decimals}}}", v) for v in values
        )


def test_a_learning_rate_that_blows_the_loss_up_stops_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--lr", "1e6", "--out", "big")
    assert code == 2
    assert re.fullmatch(
        r"error: training diverged: the loss grew to \S+ from \S+ at the first step at epoch 1, "
        r"batch \d+; try a smaller learning rate \(it is 1e\+06\)\n",
        err,
    )
    assert not (tmp_path / "big" / "model.safetensors").exists()


def _tour() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### The command line", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line.split(" #")[0].strip() for line in section.splitlines() if line.strip()]


def test_every_command_of_the_readme_tour_runs(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "examples" / "data")
    monkeypatch.chdir(tmp_path)
    commands = _tour()
    assert len(commands) >= 6 and all(c.startswith("glassnet ") for c in commands)
    for command in commands:
        code, _, err = run(capsys, *shlex.split(command)[1:])
        assert code == 0, f"{command}: {err}"


@pytest.mark.parametrize("name", ["houses.csv", "new_houses.csv"])
def test_the_example_tables_have_what_the_tour_shows(name):
    text = (ROOT / "examples" / "data" / name).read_text()
    header = text.splitlines()[0].split(",")
    assert "id" in header and "neighbourhood" in header
    assert ",," in text or ",\n" in text  # a missing cell or more
