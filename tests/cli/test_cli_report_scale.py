"""The report scales with the classes and their names, hides matplotlib's warnings, and says
what its numbers are: the accuracy with its interval, the units of a regression's losses."""

import html
import re

import matplotlib.axes
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import glassnet.report.figures as figures
from glassnet import cli


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _table(path, k: int, rows: int, name) -> None:
    rng = np.random.default_rng(0)
    lines = ["a,b,c,label"]
    for i in range(k):
        lines += [
            ",".join(f"{v:.3f}" for v in rng.normal(size=3)) + f",{name(i)}" for _ in range(rows)
        ]
    path.write_text("\n".join(lines) + "\n")


def test_two_hundred_classes_with_long_names_are_drawn_without_a_text_per_cell(
    here, monkeypatch, capsys
):
    long = "x" * 20_000
    _table(here / "many.csv", 200, 2, lambda i: f"{long}{i:03d}")
    texts = []
    real = matplotlib.axes.Axes.text
    monkeypatch.setattr(
        matplotlib.axes.Axes, "text", lambda self, *a, **k: texts.append(a) or real(self, *a, **k)
    )
    ticks = []
    real_ticks = matplotlib.axes.Axes.set_xticks
    monkeypatch.setattr(
        matplotlib.axes.Axes,
        "set_xticks",
        lambda self, t, labels=None, **k: ticks.append(labels) or real_ticks(self, t, labels, **k),
    )
    args = [
        "train",
        "--data",
        "many.csv",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        "run",
        "--val-split",
        "0",
    ]
    assert cli.main([*args, "--test-split", "0.5"]) == 0
    assert capsys.readouterr().err == ""
    assert len(texts) < 50  # 40,000 cells had one text each
    (labels,) = [t for t in ticks if t is not None]
    assert 2 <= len(labels) <= figures.MAX_TICKS and max(map(len, labels)) <= figures.LABEL_CHARS
    page = (here / "run" / "report.html").read_text()
    assert "most often predicted instead" in page
    assert f"<b>{long}007</b>" in page  # the table keeps each name whole


def test_class_names_matplotlib_cannot_draw_give_no_warning(here, capsys):
    _table(
        here / "flowers.csv",
        3,
        12,
        lambda i: ["\U0001f338 rose", "\U0001f33c daisy", "$x$ \x1b[31m"][i],
    )
    assert (
        cli.main(["train", "--data", "flowers.csv", "--epochs", "2", "--quiet", "--out", "run"])
        == 0
    )
    assert capsys.readouterr().err == ""  # the suite turns any warning into an error, too


def test_report_gives_the_accuracy_interval_and_the_units_of_a_regression(here, capsys):
    assert cli.main(["train", "--epochs", "3", "--quiet", "--out", "iris"]) == 0
    line = capsys.readouterr().out
    interval = re.search(r"\(95% interval (\S+) to (\S+)\)", line).groups()
    page = html.unescape((here / "iris" / "report.html").read_text())
    assert f"(95% interval {interval[0]} to {interval[1]})" in page
    assert re.search(r"<td>test accuracy</td><td>\S+ \(95% interval", page)
    assert cli.main(["train", "--data", "sine", "--epochs", "2", "--quiet", "--out", "sine"]) == 0
    page = html.unescape((here / "sine" / "report.html").read_text())
    assert "<td>loss (last epoch, MSE of the standardised target)</td>" in page
    assert "<td>test mse (in the target's units)</td>" in page


def test_histogram_ticks_of_tiny_gradients_do_not_run_together(monkeypatch):
    drawn = []
    monkeypatch.setattr(figures, "png_data_uri", lambda fig: drawn.append(fig) or "")
    rng = np.random.default_rng(0)
    w = rng.normal(size=(16, 4))
    figures.layer_histograms(w, w, rng.normal(size=(16, 4)) * 3e-4, rng.normal(size=(16, 4)) * 1e-4)
    (fig,) = drawn
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
        assert len(boxes) >= 2
        for left, right in zip(boxes, boxes[1:]):
            assert left.x1 + 2 <= right.x0, [t.get_text() for t in ax.get_xticklabels()]
