"""curves.png: the training curves drawn to a file."""

import struct

import pytest

from glassnet.errors import GlassnetError
from glassnet.report.curves import plot_curves
from glassnet.train import History

ROWS = [
    {"epoch": e, "loss": 1 / e, "r2": 1 - 1 / e, "val_loss": 1.2 / e, "val_r2": 1 - 1.2 / e}
    for e in range(1, 31)
]


def test_a_png_with_a_loss_and_a_metric_panel(tmp_path):
    png = plot_curves(History(ROWS), tmp_path / "curves.png", title="sine").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1000, 360)  # two panels side by side


def test_only_a_loss_gives_one_panel(tmp_path):
    rows = [{"epoch": e, "loss": 1 / e} for e in (1, 2, 3)]
    png = plot_curves(History(rows), tmp_path / "c.png").read_bytes()
    assert struct.unpack(">II", png[16:24]) == (500, 360)


def test_the_suffix_chooses_the_format_and_names_the_curves(tmp_path):
    svg = plot_curves(History(ROWS), tmp_path / "curves.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in ["training loss", "validation loss", "training r2", "validation r2"]:
        assert label in svg


def test_an_empty_history_is_an_error(tmp_path):
    with pytest.raises(GlassnetError, match="the history is empty"):
        plot_curves(History(), tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()


def test_the_kept_epoch_is_marked_when_it_is_not_the_last(tmp_path):
    marked = plot_curves(History(ROWS), tmp_path / "a.svg", kept_epoch=12).read_text()
    assert marked.count("weights kept (epoch 12)") == 2  # in the legend of both panels
    for kept in (30, None):  # the last epoch, or not given: nothing to mark
        svg = plot_curves(History(ROWS), tmp_path / "b.svg", kept_epoch=kept).read_text()
        assert "weights kept" not in svg


@pytest.mark.parametrize("n", [1, 2, 30])
def test_epoch_ticks_are_whole_numbers_even_for_a_single_epoch(n):
    from matplotlib.figure import Figure

    from glassnet.report.curves import draw_curves

    fig = Figure()
    draw_curves(fig, History(ROWS[:n]))
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
