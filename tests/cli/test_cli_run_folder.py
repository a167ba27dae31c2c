"""A run folder holds one run: what `glassnet train` says and records when it is interrupted,
resumed, or pointed at a folder that already holds a run."""

import json

import pytest
from cli_helpers import glassnet

from glassnet import cli, io
from glassnet.commands import train as train_command
from glassnet.train import Trainer


def _train(*args) -> int:
    return cli.main(["train", *map(str, args), "--quiet"])


def _settings(run) -> dict:
    return json.loads((run / "run.json").read_text())["settings"]


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_new_run_is_not_started_in_a_folder_that_holds_one(here, capsys):
    assert _train("--epochs", 2, "--out", "run") == 0
    before = {p.name: p.read_bytes() for p in (here / "run").iterdir()}
    capsys.readouterr()
    assert _train("--data", "moons", "--epochs", 1, "--out", "run") == 2
    assert "already holds a run" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (here / "run").iterdir()} == before
    (here / "empty").mkdir()
    assert _train("--epochs", 1, "--out", "empty") == 0  # an empty folder is fine


def test_a_run_stopped_before_its_first_checkpoint_starts_again_in_its_own_folder(
    here, monkeypatch, capsys
):
    real = Trainer._train_epoch

    def interrupted(self, bar):
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "_train_epoch", interrupted)
    assert _train("--epochs", 2, "--out", "run") == 130
    assert capsys.readouterr().err == (
        "interrupted during epoch 1, before the first "
        "checkpoint; start it again with: glassnet train --resume run\n"
    )
    assert not (here / "run" / "last.safetensors").exists()
    monkeypatch.setattr(Trainer, "_train_epoch", real)
    assert cli.main(["train", "--resume", "run"]) == 0  # what the message says works
    out = capsys.readouterr().out
    assert out.startswith("run stopped before its first checkpoint: training it again")
    assert _train("--epochs", 2, "--out", "whole") == 0
    same = ("model.safetensors", "run.json", "metrics.json")
    assert all((here / "run" / f).read_bytes() == (here / "whole" / f).read_bytes() for f in same)
    monkeypatch.setattr(Trainer, "_train_epoch", interrupted)
    assert _train("--epochs", 2, "--out", "again") == 130
    monkeypatch.setattr(Trainer, "_train_epoch", real)
    assert _train("--epochs", 2, "--out", "again") == 0  # a new run there is fine too
    assert (here / "again" / "model.safetensors").read_bytes() == (
        here / "whole" / "model.safetensors"
    ).read_bytes()


def test_ctrl_c_while_the_results_are_written_leaves_a_run_that_resume_completes(
    here, monkeypatch, capsys
):
    real = train_command._write_report

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_command, "_write_report", interrupted)
    assert _train("--epochs", 3, "--out", "run") == 130
    assert capsys.readouterr().err == (
        "interrupted while writing the results; write them with: glassnet train --resume run\n"
    )
    assert not (here / "run" / "report.html").exists()
    monkeypatch.setattr(train_command, "_write_report", real)
    assert cli.main(["train", "--resume", "run"]) == 0
    assert capsys.readouterr().out.startswith("run has done 3 epochs; give a larger --epochs")
    assert (here / "run" / "report.html").is_file()
    assert _train("--epochs", 3, "--out", "whole") == 0
    assert (here / "run" / "model.safetensors").read_bytes() == (
        here / "whole" / "model.safetensors"
    ).read_bytes()


def test_resuming_with_fewer_epochs_than_done_records_the_epochs_trained(here, capsys):
    assert _train("--epochs", 3, "--early-stopping", 0, "--out", "run") == 0
    capsys.readouterr()
    assert cli.main(["train", "--resume", "run", "--epochs", "1"]) == 0
    assert capsys.readouterr().out.startswith("run has done 3 epochs")
    assert _settings(here / "run")["epochs"] == 3
    state, config = io.load_model(here / "run")
    assert config["settings"]["epochs"] == 3


def test_an_early_stopped_run_keeps_its_epochs_when_asked_for_more(here, capsys):
    assert _train("--early-stopping", 2, "--epochs", 300, "--out", "run") == 0
    done = json.loads((here / "run" / "metrics.json").read_text())["epochs"]
    assert done < 300
    capsys.readouterr()
    assert cli.main(["train", "--resume", "run", "--epochs", "400"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"run stopped early at epoch {done} (no better validation loss for 2 "
        "epochs), so it trains no further"
    )
    assert _settings(here / "run")["epochs"] == 300
    assert json.loads((here / "run" / "metrics.json").read_text())["epochs"] == done


def test_an_early_stopped_run_without_validation_names_the_training_loss(here, capsys):
    assert _train("--val-split", 0, "--early-stopping", 2, "--epochs", 300, "--out", "run") == 0
    done = json.loads((here / "run" / "metrics.json").read_text())["epochs"]
    assert done < 300  # stopped by the training loss, the only one there is
    capsys.readouterr()
    assert cli.main(["train", "--resume", "run"]) == 0
    assert capsys.readouterr().out.startswith(
        f"run stopped early at epoch {done} (no better training loss for 2 epochs)"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("hidden", 5),
        ("hidden", [0]),
        ("lr", "x"),
        ("lr", -1.0),
        ("seed", "x"),
        ("seed", -1),
        ("epochs", True),
        ("optimizer", "lbfgs"),
        ("optimizer", ["adam"]),
        ("val_split", 1.5),
        ("data", None),
        ("task", ["classify"]),
    ],
)
def test_a_run_json_with_a_bad_setting_names_it(tmp_path, key, value):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"settings": {key: value}}))
    result = glassnet("train", "--resume", "run", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"error: run/run.json: the setting '{key}' is {value!r}, "
        f"which --{key.replace('_', '-')} does not take\n"
    )


def test_a_reader_that_goes_away_does_not_stop_the_run(tmp_path):
    import subprocess
    import sys

    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glassnet",
            "train",
            "--epochs",
            "30",
            "--early-stopping",
            "0",
            "--out",
            "run",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout.readline().startswith(b"training MLP")  # `glassnet train | head -1`
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 0
    assert err == b""
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs"] == 30


def test_the_report_of_a_diverged_run_claims_no_saved_weights(here):
    assert _train("--data", "diabetes", "--optimizer", "sgd", "--lr", 0.5, "--out", "run") == 2
    html = (here / "run" / "report.html").read_text()
    assert "(training diverged)" in html
    assert not (here / "run" / "model.safetensors").exists()
    assert "weights kept" not in html  # no model was saved, so no epoch's weights were kept


def test_a_changed_data_file_is_refused_where_the_run_would_rebuild_its_splits(here, capsys):
    import hashlib

    from glassnet.data import load_dataset

    iris = load_dataset("iris")
    rows = [",".join([*map(repr, x.tolist()), iris.label_names[k]]) for x, k in zip(iris.X, iris.y)]
    flowers = here / "flowers.csv"
    flowers.write_text(",".join([*iris.feature_names, "species"]) + "\n" + "\n".join(rows) + "\n")
    assert _train("--data", "flowers.csv", "--epochs", 2, "--out", "run") == 0
    digest = hashlib.sha256(flowers.read_bytes()).hexdigest()
    assert json.loads((here / "run" / "run.json").read_text())["data_sha256"] == digest
    assert io.load_model(here / "run")[1]["data_sha256"] == digest
    assert cli.main(["evaluate", "--model", "run"]) == 0  # the same file: its test split

    flowers.write_text(flowers.read_text().replace("\n".join(rows[:10]) + "\n", ""))
    capsys.readouterr()
    assert cli.main(["evaluate", "--model", "run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: run: {flowers} has changed since the run was trained on it")
    assert err.rstrip().endswith("so its splits would not be the run's; give --data")
    assert cli.main(["evaluate", "--model", "run", "--data", "flowers.csv"]) == 0
    assert cli.main(["train", "--resume", "run", "--epochs", "3"]) == 2
    assert "error: --resume run: " in capsys.readouterr().err


def test_temporary_files_left_by_a_crash_are_removed_when_the_folder_is_next_used(here, capsys):
    assert _train("--epochs", 2, "--out", "run") == 0
    stale = [".model.safetensors.0badc0de.tmp", ".report.html.12345678.tmp"]
    kept = ["notes.tmp", ".notes.txt", ".model.safetensors.tmp"]  # not glassnet's own
    for name in stale + kept:
        (here / "run" / name).write_bytes(b"half written")
    assert cli.main(["train", "--resume", "run", "--quiet"]) == 0
    left = sorted(p.name for p in (here / "run").iterdir() if p.name in stale + kept)
    assert left == sorted(kept)
