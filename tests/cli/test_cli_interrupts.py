"""Ctrl-C at any moment: one clear message, exit code 130, and a run folder that --resume
completes; never a traceback, a swallowed interrupt or a death by the signal."""

import json
import os
import signal
import subprocess
import sys
import time

import glassnet.report
from glassnet import cli, io


def test_ctrl_c_inside_a_finaliser_while_the_report_is_drawn_is_not_lost(
    tmp_path, monkeypatch, capsys
):
    real = glassnet.report.write_report

    class DroppedWhileDrawing:  # what matplotlib's objects do: clean up in __del__
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs here, inside __del__

    def drawing(*args, **kwargs):
        DroppedWhileDrawing()
        return real(*args, **kwargs)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(glassnet.report, "write_report", drawing)
    assert cli.main(["train", "--epochs", "3", "--quiet", "--out", "run"]) == 130
    out, err = capsys.readouterr()
    assert (
        err
        == "interrupted while writing the results; write them with: glassnet train --resume run\n"
    )
    assert "saved to" not in out
    monkeypatch.setattr(glassnet.report, "write_report", real)
    assert cli.main(["train", "--resume", "run", "--quiet"]) == 0
    assert (tmp_path / "run" / "report.html").is_file()


def test_ctrl_c_at_moments_through_a_real_run(tmp_path):
    cmd = [sys.executable, "-m", "glassnet", "train", "--epochs", "40", "--data", "moons"]
    for n, delay in enumerate([0.2, 0.9, 1.6]):  # in training, then while results are written
        proc = subprocess.Popen(
            [*cmd, "--out", f"run{n}"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        proc.stdout.readline()  # the plan line: Python and glassnet are up
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, 130), (proc.returncode, err)  # never killed by the signal
        if proc.returncode == 0:  # it finished first: then it is whole and said nothing wrong
            assert err == "" and "saved to" in out
            continue
        assert err.count("\n") == 1 and err.startswith("interrupted"), err
        assert "saved to" not in out
        _assert_whole(tmp_path / f"run{n}")


def _assert_whole(run):
    """Every file in the folder reads back; no temporary file is left."""
    for path in run.iterdir():
        assert not path.name.endswith(".tmp"), path
        if path.name == "run.json":
            json.loads(path.read_text())
        elif path.name == "model.safetensors":
            io.load_model(path)
        elif path.suffix == ".safetensors":
            io.load_checkpoint(path)
