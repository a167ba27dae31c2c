"""One run per folder, for real: two processes aimed at one folder never both train there."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import numpy as np

import glassnet.report
from glassnet import cli, io
from glassnet.commands import train as train_command

PAIRS = 10


def _contender(out, seed, barrier, codes, errors, slot):
    """A child process: wait for its rival, then train into ``out`` (report left out: speed)."""
    train_command._write_report = lambda *a, **k: None
    glassnet.report.plot_curves = lambda *a, **k: None
    sys.stderr = open(os.devnull if errors is None else errors, "w")  # noqa: SIM115
    barrier.wait()
    codes[slot] = cli.main(["train", "--epochs", "1", "--seed", str(seed), "--quiet", "--out", out])
    sys.stderr.flush()


def test_two_trains_into_one_folder_one_wins_the_other_is_refused(tmp_path):
    ctx = multiprocessing.get_context("fork")  # real processes, without paying for imports
    for pair in range(PAIRS):
        out = tmp_path / f"run{pair}"
        barrier, codes = ctx.Barrier(2), ctx.Array("i", [-1, -1])
        logs = [tmp_path / f"err{pair}-{k}" for k in (0, 1)]
        procs = [
            ctx.Process(target=_contender, args=(str(out), k, barrier, codes, str(logs[k]), k))
            for k in (0, 1)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert sorted(codes) == [0, 2], (list(codes), [log.read_text() for log in logs])
        loser = logs[list(codes).index(2)].read_text()
        assert loser.count("\n") == 1 and loser.startswith("error: --out ")
        assert "another glassnet train is running" in loser or "already holds a run" in loser
        winner = list(codes).index(0)
        run = json.loads((out / "run.json").read_text())
        state, config = io.load_model(out / "model.safetensors")
        check = io.load_checkpoint(out / "last.safetensors")
        assert run["settings"]["seed"] == config["settings"]["seed"] == winner
        # one epoch: the model's weights are those of the last checkpoint, of the same run
        assert all(np.array_equal(state[k], check["model"][k]) for k in state)


def test_a_second_train_is_refused_at_once_while_the_first_runs(tmp_path):
    cmd = [sys.executable, "-m", "glassnet", "train", "--data", "moons", "--quiet"]
    first = subprocess.Popen(
        [*cmd, "--epochs", "5000", "--early-stopping", "0", "--out", "run"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "run" / "run.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        start = time.monotonic()
        second = subprocess.run(
            [*cmd, "--seed", "1", "--out", "run"], cwd=tmp_path, capture_output=True, text=True
        )
        assert second.returncode == 2 and second.stdout == ""
        assert second.stderr == (
            "error: --out run: another glassnet train is running in that folder now; "
            "give another folder, or wait for it to finish\n"
        )
        assert time.monotonic() - start < 20  # at once: it never waits for the first
        resumed = subprocess.run(
            [sys.executable, "-m", "glassnet", "train", "--resume", "run"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert resumed.returncode == 2 and "error: --resume run: another" in resumed.stderr
    finally:
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
    assert first.returncode == 130 and err.startswith("interrupted during epoch")
    assert json.loads((tmp_path / "run" / "run.json").read_text())["settings"]["seed"] == 0
