"""examples/train_iris.py runs, and does the same job as `glassnet train` with its defaults."""

import json
import re
import runpy
import sys
from pathlib import Path

import numpy as np

from glassnet import cli, io

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_iris.py"


def test_the_example_runs_as_a_script_and_names_the_flowers(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), str(tmp_path / "model")])
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    n = len(out) - 3  # one line per epoch; early stopping may end before epoch 100
    assert 20 < n <= 100
    assert [line.split("  ")[0] for line in out[:n]] == [f"epoch {k}/100" for k in range(1, n + 1)]
    assert re.fullmatch(r"test accuracy \d\.\d{3} on 30 held-out flowers", out[n])
    # a setosa and a virginica from the data set itself (rows 1 and 146), clear cases
    assert out[n + 1 :] == ["[5.1, 3.5, 1.4, 0.2] -> setosa", "[6.7, 3.0, 5.2, 2.3] -> virginica"]
    assert (tmp_path / "model" / "model.safetensors").is_file()


def test_the_example_trains_the_same_weights_as_the_command(tmp_path, monkeypatch, capsys):
    main = runpy.run_path(str(EXAMPLE))["main"]
    result = main(str(tmp_path / "example"), verbose=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--out", "command", "--quiet"]) == 0
    ours, _ = io.load_model(result["path"])
    theirs, _ = io.load_model(tmp_path / "command")
    assert list(ours) == list(theirs)
    for name in ours:
        np.testing.assert_array_equal(ours[name], theirs[name])
    printed = capsys.readouterr().out
    assert f"test accuracy {result['report']['accuracy']:.3f}" in printed
    metrics = json.loads((tmp_path / "command" / "metrics.json").read_text())
    assert len(result["history"]) == metrics["epochs"]
