"""The progress display: a rich bar on a terminal, one line per epoch elsewhere, or nothing."""

import io
import re

import numpy as np
import pytest
from rich.console import Console

from glassnet import nn
from glassnet.errors import GlassnetError
from glassnet.train import Trainer

X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


def _train(progress, console=None, epochs=3):
    trainer = Trainer(
        nn.MLP([3, 4, 2], seed=0), epochs=epochs, batch_size=8, progress=progress, console=console
    )
    return trainer.fit(X, Y, validation_data=(X[:10], Y[:10]))


def test_lines_mode_prints_one_line_per_epoch_with_its_numbers():
    out = io.StringIO()
    history = _train("lines", Console(file=out, width=300))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    for k, (line, row) in enumerate(zip(lines, history.rows), start=1):
        assert line.startswith(f"epoch {k}/3  loss {row['loss']:.4f}  accuracy ")
        assert f"val_loss {row['val_loss']:.4f}  val_accuracy {row['val_accuracy']:.4f}" in line


def test_lines_go_to_standard_output_by_default(capsys):
    _train("lines")
    captured = capsys.readouterr()
    assert [line.split("  ")[0] for line in captured.out.splitlines()] == [
        "epoch 1/3",
        "epoch 2/3",
        "epoch 3/3",
    ]
    assert captured.err == ""


def test_auto_mode_prints_lines_when_the_console_is_not_a_terminal():
    out = io.StringIO()
    _train("auto", Console(file=out, width=300, force_terminal=False))
    assert len(out.getvalue().splitlines()) == 3 and "samples/s" not in out.getvalue()


def test_none_mode_prints_nothing(capsys):
    _train("none")
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("mode", ["bar", "auto"])
def test_bar_mode_draws_a_live_bar_on_a_terminal(mode):
    out = io.StringIO()
    _train(mode, Console(file=out, width=160, force_terminal=True, color_system=None), epochs=2)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())  # drop cursor movements
    assert "samples/s" in text and "batch 5/5" in text and "loss " in text
    assert "accuracy " in text  # the running metric
    assert re.search(r"epoch 2/2 .*━", text)  # the bar itself
    assert "epoch 1/2  loss" in text and "epoch 2/2  loss" in text  # the lines above it


def test_a_resumed_run_counts_its_epochs_from_where_it_stopped(tmp_path):
    first = Trainer(
        nn.MLP([3, 4, 2], seed=0), epochs=2, batch_size=8, progress="none", checkpoint_dir=tmp_path
    )
    first.fit(X, Y)
    out = io.StringIO()
    again = Trainer(
        nn.MLP([3, 4, 2], seed=0),
        epochs=4,
        batch_size=8,
        progress="lines",
        console=Console(file=out, width=300),
    )
    again.load_checkpoint(tmp_path / "last.safetensors")
    again.fit(X, Y)
    assert [line[:9] for line in out.getvalue().splitlines()] == ["epoch 3/4", "epoch 4/4"]


def test_an_unknown_mode_is_named():
    with pytest.raises(
        GlassnetError, match="progress must be one of 'auto', 'bar', 'lines', 'none'"
    ):
        _train("fancy")


def _plain(out: io.StringIO) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())


def test_the_bar_shows_the_running_mean_loss_that_the_epoch_line_reports():
    out = io.StringIO()
    history = _train(
        "bar", Console(file=out, width=200, force_terminal=True, color_system=None), epochs=2
    )
    # The bar's last state, drawn as the run ends: the epoch's mean loss, not its last batch's.
    assert f"batch 5/5 loss {history.rows[-1]['loss']:.4f}" in _plain(out)


def test_before_the_first_batch_the_bar_names_the_coming_epoch_and_no_loss():
    from glassnet.train.progress import Progress

    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=True, color_system=None)
    with Progress("bar", epochs=5, batches=4, console=console, start=2):
        pass
    text = _plain(out)
    assert "epoch 3/5" in text and "batch 0/4 loss -" in text and "nan" not in text


def test_an_80_column_terminal_shows_every_field_of_the_bar_uncut():
    from glassnet.metrics import RunningMetrics
    from glassnet.train.progress import Progress

    running = RunningMetrics("classify", ["accuracy"])
    running.update(np.eye(2)[[0, 1, 1]], np.array([0, 1, 0]), loss=0.25)
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system=None)
    with Progress("bar", epochs=60, batches=37, console=console) as bar:
        bar.batch_done(28, 37, running, 82704.0)
    line = _plain(out).strip().splitlines()[-1]
    assert "…" not in line and len(line) <= 80
    for field in (
        "epoch 28/60",
        "batch 37/37",
        "loss 0.2500",
        "accuracy 0.6667",
        "82,704 samples/s",
    ):
        assert field in line
    assert re.search(r"\d+:\d\d:\d\d|-:--:--", line)  # the time left, whole
