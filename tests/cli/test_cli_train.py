"""`glassnet train`, run as a separate process: the run folder, the options, resuming."""

import csv
import json
import re
import struct

import numpy as np
import pytest
from cli_helpers import SCRIPT, glassnet, ok, wilson
from sklearn.metrics import accuracy_score

from glassnet import io, saved
from glassnet.data import load_dataset, train_val_test_split

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _history(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _without_time(rows):
    return [{k: v for k, v in r.items() if k != "time"} for r in rows]


def _assert_same_tree(a, b):
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same_tree(a[k], b[k])
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    else:
        assert a == b


def test_train_with_no_arguments_learns_iris_and_writes_a_complete_run(tmp_path):
    assert SCRIPT.is_file()
    out = ok(glassnet("train", cwd=tmp_path, script=True))
    (run,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"iris-\d{8}-\d{6}", run.name)
    assert sorted(p.name for p in run.iterdir()) == [
        "best.safetensors",
        "curves.png",
        "history.csv",
        "last.safetensors",
        "metrics.json",
        "model.safetensors",
        "report.html",
        "run.json",
    ]

    lines = out.splitlines()
    ds = load_dataset("iris")
    split = train_val_test_split(ds.X, ds.y, val_size=0.15, test_size=0.2, seed=0)
    assert lines[0] == (
        f"training MLP 4-32-32-3 (tanh) to classify species (3 classes) on "
        f"iris: {len(split.y_train)} training rows, {len(split.y_val)} "
        f"validation, {len(split.y_test)} test"
    )
    epochs = [line.split("  ")[0] for line in lines if line.startswith("epoch ")]
    n = len(epochs)  # early stopping (patience 20 by default) may end before epoch 100
    assert 20 < n <= 100 and epochs == [f"epoch {k}/100" for k in range(1, n + 1)]
    assert lines[1 : n + 1] == [line for line in lines if line.startswith("epoch ")]
    if n < 100:  # the line before the result says why the run ended early
        assert lines[n + 1 :] == [
            f"stopped early after epoch {n}: no better validation loss for 20 epochs",
            lines[-1],
        ]
    else:
        assert len(lines) == n + 2
    final = re.fullmatch(
        r"test accuracy (\d\.\d{3}) on 30 held-out test rows \(95% interval "
        r"(\S+) to (\S+)\)(?:, with the weights of epoch (\d+) \(lowest "
        r"validation loss\))?; saved to (.+?), with its report in .*",
        lines[-1],
    )
    assert final and final[5] == f"runs/{run.name}"

    history = _history(run / "history.csv")
    assert list(history[0])[:5] == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert [int(r["epoch"]) for r in history] == list(range(1, n + 1))
    if n < 100:  # stopped early: 20 epochs without a better validation loss than the best
        losses = [float(r["val_loss"]) for r in history]
        assert min(losses[-20:]) >= min(losses[:-20])

    report = json.loads((run / "metrics.json").read_text())
    assert f"{report['test']['accuracy']:.3f}" == final[1]
    # the saved model and the test split, rebuilt here, give the reported accuracy
    pred = saved.load(run).predict(split.X_test)
    acc = accuracy_score(np.array(ds.label_names)[split.y_test], pred)
    assert report["test"]["accuracy"] == acc and report["epochs"] == n
    assert report["stopped_early"] == (n < 100)
    # early stopping keeps the epoch of the lowest validation loss, and the line names it
    val_losses = [float(r["val_loss"]) for r in history]
    assert report["kept_epoch"] == 1 + val_losses.index(min(val_losses)) == report["best_epoch"]
    assert final[4] == (str(report["kept_epoch"]) if report["kept_epoch"] != n else None)
    # the line and metrics.json carry the 95% interval of the accuracy on 30 test rows
    low, high = wilson(int(round(acc * 30)), 30)
    assert report["test"]["accuracy_interval"] == pytest.approx([low, high], abs=1e-12)
    assert (final[2], final[3]) == (f"{low:.3f}", f"{high:.3f}")
    assert acc >= 0.8

    png = (run / "curves.png").read_bytes()
    assert png[:8] == PNG_MAGIC and len(png) > 20_000
    assert struct.unpack(">II", png[16:24]) == (1000, 360)  # two panels, 10 x 3.6 in at 100 dpi
    settings = json.loads((run / "run.json").read_text())["settings"]
    assert settings == {
        "data": "iris",
        "target": None,
        "task": None,
        "hidden": [32, 32],
        "activation": "tanh",
        "epochs": 100,
        "batch_size": 32,
        "lr": 0.01,
        "optimizer": "adam",
        "seed": 0,
        "val_split": 0.15,
        "test_split": 0.2,
        "early_stopping": 20,
        "features": None,
        "drop": None,
        "categorical": None,
        "missing": "impute",
        "force": False,
    }


def test_options_reach_the_model_the_optimizer_and_the_splits(tmp_path):
    out = ok(
        glassnet(
            "train",
            "--data",
            "moons",
            "--hidden",
            "8,4",
            "--activation",
            "tanh",
            "--optimizer",
            "momentum",
            "--lr",
            "0.05",
            "--batch-size",
            "64",
            "--epochs",
            "4",
            "--seed",
            "3",
            "--val-split",
            "0.1",
            "--test-split",
            "0.3",
            "--out",
            "m",
            "--quiet",
            cwd=tmp_path,
        )
    )
    assert re.fullmatch(
        r"test accuracy \d\.\d{3} on 300 held-out test rows \(95% interval "
        r"\S+ to \S+\); saved to m, with its report in m/report\.html; next: .*\n",
        out,
    )
    model = saved.load(tmp_path / "m")
    arch = model.config["architecture"]
    assert (arch["sizes"], arch["activation"], arch["seed"]) == ([2, 8, 4, 2], "tanh", 3)
    assert model.label_names == ["0", "1"] and model.config["dataset"] == "moons"
    ck = io.load_checkpoint(tmp_path / "m" / "last.safetensors")
    assert ck["optimizer"]["type"] == "SGD" and ck["optimizer"]["hyper"]["momentum"] == 0.9
    assert ck["optimizer"]["hyper"]["lr"] == 0.05
    history = _history(tmp_path / "m" / "history.csv")
    assert len(history) == 4 and {r["lr"] for r in history} == {"0.05"}
    # 1000 points: 300 test, 100 validation, 600 training rows in batches of 64
    assert ck["optimizer"]["step"] == 4 * 10


def test_a_csv_with_text_labels_and_a_chosen_target(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    kind = np.where(X[:, 0] > 0, "dog", "cat")
    rows = [f"{a:.5f},{k},{b:.5f},{c:.5f}" for (a, b, c), k in zip(X, kind)]
    (tmp_path / "pets.csv").write_text("size,kind,weight,age\n" + "\n".join(rows) + "\n")
    out = ok(
        glassnet(
            "train",
            "--data",
            "pets.csv",
            "--target",
            "kind",
            "--epochs",
            "30",
            "--out",
            "pets",
            "--quiet",
            cwd=tmp_path,
        )
    )
    assert "test accuracy" in out
    model = saved.load(tmp_path / "pets")
    assert model.feature_names == ["size", "weight", "age"] and model.label_names == ["cat", "dog"]
    assert model.config["settings"]["data"] == str(tmp_path / "pets.csv")  # found from anywhere
    assert accuracy_score(kind, model.predict(X)) > 0.9


def test_regression_on_the_sine_and_on_an_integer_target_with_task_regress(tmp_path):
    out = ok(
        glassnet(
            "train",
            "--data",
            "sine",
            "--epochs",
            "3",
            "--early-stopping",
            "0",
            "--out",
            "s",
            "--quiet",
            cwd=tmp_path,
        )
    )
    assert re.fullmatch(
        r"test R\^2 -?\d\.\d{3}, MSE \S+, MAE \S+ on 200 held-out test rows; "
        r"saved to s, with its report in s/report\.html; next: .*\n",
        out,
    )
    report = json.loads((tmp_path / "s" / "metrics.json").read_text())
    assert sorted(report["test"]) == ["mae", "mse", "r2"]
    # Training runs on standardised targets, where MSE and MAE would be in other units than
    # the final report's; R^2 is unit-free, so the history keeps it alone, and the last
    # epoch's validation R^2 is the one the saved model scores in the target's own units.
    history = _history(tmp_path / "s" / "history.csv")
    assert list(history[0])[:5] == ["epoch", "loss", "r2", "val_loss", "val_r2"]
    assert float(history[-1]["val_r2"]) == pytest.approx(report["validation"]["r2"], abs=1e-5)

    x = np.arange(60)
    (tmp_path / "steps.csv").write_text("x,y\n" + "".join(f"{v},{v % 5}\n" for v in x))
    ok(
        glassnet(
            "train",
            "--data",
            "steps.csv",
            "--task",
            "regress",
            "--epochs",
            "2",
            "--out",
            "r",
            "--quiet",
            cwd=tmp_path,
        )
    )
    model = saved.load(tmp_path / "r")
    assert model.task == "regress" and model.predict(x[:3, None]).dtype == np.float64
    assert set(model.config["target_scale"]) == {"mean", "scale"}


def test_early_stopping_stops_and_keeps_the_best_weights(tmp_path):
    out = ok(
        glassnet(
            "train",
            "--early-stopping",
            "3",
            "--epochs",
            "300",
            "--lr",
            "0.05",
            "--out",
            "es",
            "--quiet",
            cwd=tmp_path,
        )
    )
    assert "test accuracy" in out
    run = tmp_path / "es"
    val = [float(r["val_loss"]) for r in _history(run / "history.csv")]
    best = int(np.argmin(val)) + 1
    report = json.loads((run / "metrics.json").read_text())
    assert len(val) < 300 and len(val) == best + 3
    assert report["stopped_early"] is True and report["best_epoch"] == best
    best_ck = io.load_checkpoint(run / "best.safetensors")
    state, _ = io.load_model(run)
    assert best_ck["extra"]["epoch"] == best
    for name, w in state.items():
        np.testing.assert_array_equal(w, best_ck["model"][name])


def test_a_resumed_run_ends_identical_to_an_uninterrupted_one(tmp_path):
    ok(glassnet("train", "--epochs", "6", "--out", "whole", "--quiet", cwd=tmp_path))
    ok(glassnet("train", "--epochs", "3", "--out", "part", "--quiet", cwd=tmp_path))
    out = ok(glassnet("train", "--resume", "part", "--epochs", "6", cwd=tmp_path))
    lines = out.splitlines()
    assert lines[0] == "resuming part after epoch 3 of 6"
    assert [line.split("  ")[0] for line in lines[1:-1]] == ["epoch 4/6", "epoch 5/6", "epoch 6/6"]
    whole, part = tmp_path / "whole", tmp_path / "part"
    # written by different processes, the two model files are the same bytes
    assert (part / "model.safetensors").read_bytes() == (whole / "model.safetensors").read_bytes()
    (state_a, config_a), (state_b, config_b) = io.load_model(whole), io.load_model(part)
    assert config_a == config_b and list(state_a) == list(state_b)
    for name in state_a:
        assert state_a[name].dtype == state_b[name].dtype
        np.testing.assert_array_equal(state_a[name], state_b[name])
    assert _without_time(_history(part / "history.csv")) == _without_time(
        _history(whole / "history.csv")
    )
    assert (part / "metrics.json").read_text() == (whole / "metrics.json").read_text()
    a, b = (io.load_checkpoint(d / "last.safetensors") for d in (whole, part))
    _assert_same_tree(a["model"], b["model"])
    _assert_same_tree(a["optimizer"], b["optimizer"])
    assert json.loads((part / "run.json").read_text())["settings"]["epochs"] == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume", "done", "--lr", "0.1"], "only --epochs can change, not --lr"),
        (["--resume", "done", "--out", "x"], "not --out"),
        (["--resume", "."], r"no run.json there"),
        (["--resume", "nowhere"], r"no run.json there"),
    ],
)
def test_resume_refuses_what_would_not_continue_the_run(tmp_path, args, message):
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "run.json").write_text('{"settings": {}}')
    result = glassnet("train", *args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert re.fullmatch(rf"error: .*{message}.*\n", result.stderr)


def test_ctrl_c_leaves_a_run_that_resumes_to_the_same_end(tmp_path, monkeypatch, capsys):
    from glassnet import cli
    from glassnet.train import Trainer

    real = Trainer._train_epoch

    def interrupted_in_epoch_3(self, bar):
        if self.epoch == 2:
            raise KeyboardInterrupt
        return real(self, bar)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Trainer, "_train_epoch", interrupted_in_epoch_3)
    assert cli.main(["train", "--epochs", "4", "--out", "run", "--quiet"]) == 130
    err = capsys.readouterr().err
    assert err == (
        "interrupted during epoch 3; continue from epoch 2 with: glassnet train --resume run\n"
    )
    assert not (tmp_path / "run" / "model.safetensors").exists()
    assert io.load_checkpoint(tmp_path / "run" / "last.safetensors")["extra"]["epoch"] == 2

    monkeypatch.setattr(Trainer, "_train_epoch", real)
    assert cli.main(["train", "--resume", "run", "--quiet"]) == 0
    assert cli.main(["train", "--epochs", "4", "--out", "whole", "--quiet"]) == 0
    (a, _), (b, _) = io.load_model(tmp_path / "run"), io.load_model(tmp_path / "whole")
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_a_run_without_held_out_rows_completes_and_says_so(tmp_path):
    out = ok(
        glassnet(
            "train",
            "--val-split",
            "0",
            "--test-split",
            "0",
            "--epochs",
            "2",
            "--out",
            "c",
            "--quiet",
            cwd=tmp_path,
        )
    )
    assert re.fullmatch(
        r"final training loss \S+ \(no held-out rows\); saved to c, with its report in "
        r"c/report\.html; next: glassnet evaluate --model c, glassnet predict --model c "
        r"--data FILE, glassnet explain --model c\n",
        out,
    )
    report = json.loads((tmp_path / "c" / "metrics.json").read_text())
    assert report == {
        "epochs": 2,
        "best_epoch": report["best_epoch"],
        "kept_epoch": 2,
        "stopped_early": False,
    }
    assert list(_history(tmp_path / "c" / "history.csv")[0]) == [
        "epoch",
        "loss",
        "accuracy",
        "lr",
        "time",
    ]
    result = glassnet("evaluate", "--model", "c", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "error: c: the run held out no test rows (--test-split 0); give --data\n"
    )
