"""The pictures of the training report, each returned as a PNG ``data:`` URI.

Drawn with matplotlib's object API (``matplotlib.figure.Figure``), never pyplot: no global
figure state, no window, nothing to close. matplotlib is imported inside the functions, so
``import glassnet`` stays fast.
"""

from __future__ import annotations

import base64
import contextlib
import io
import math
import warnings

import numpy as np

from .curves import draw_curves, main_metric

# matplotlib's "tab10" colours, one per class, fixed here so a class keeps its colour
CLASS_COLORS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
_START, _END = "#7f7f7f", "#1f77b4"  # start of training in grey, end in blue


def _figure(width: float, height: float, layout: str | None = "constrained"):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout=layout)


def png_data_uri(fig) -> str:
    """Render ``fig`` to PNG bytes and wrap them as ``data:image/png;base64,...``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _color(k: int) -> str:
    return CLASS_COLORS[k % len(CLASS_COLORS)]


# --- curves and results -----------------------------------------------------------------------


def curves(history, kept_epoch: int | None = None) -> str:
    """Training and validation loss, and the main metric, per epoch (drawn as curves.png is)."""
    fig = _figure(4.6 * (1 + bool(main_metric(history))), 3.4)
    draw_curves(fig, history, kept_epoch)
    return png_data_uri(fig)


CELL_TEXT_UP_TO = 30  # classes; a larger confusion matrix is drawn as colours only
MAX_TICKS = 30
LABEL_CHARS = 24  # a class or feature name in a figure; the tables keep it whole


def short_label(name) -> str:
    """A name as a figure shows it: printable, at most :data:`LABEL_CHARS` characters, and
    with ``$`` escaped (matplotlib would read ``$...$`` as mathematics).

    Examples
    --------
    >>> short_label("a very long class name that goes on and on")
    'a very long class name …'
    >>> short_label("cost in $")
    'cost in \\\\$'
    """
    text = "".join(c if c.isprintable() else "?" for c in str(name)[: LABEL_CHARS + 1])
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1] + "…"
    return text.replace("$", "\\$")


@contextlib.contextmanager
def quietly():
    """Draw without warnings reaching the user: matplotlib's about fonts and layout, and
    NumPy's about a log of 0 in a plotted series, say nothing the figure does not show."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def confusion(C: np.ndarray, names: list[str]) -> str:
    """The confusion matrix as a grid of counts: rows true classes, columns predictions.

    Beyond :data:`CELL_TEXT_UP_TO` classes the counts are shown as colours only, and at most
    :data:`MAX_TICKS` classes are named on each axis, so that the time to draw it is bounded.
    """
    k = len(C)
    side = min(2.4 + 0.55 * k, 9.0)
    fig = _figure(side + 0.8, side)
    ax = fig.subplots()
    im = ax.imshow(C, cmap="Blues", vmin=0, vmax=max(int(C.max()), 1), interpolation="nearest")
    for i in range(k) if k <= CELL_TEXT_UP_TO else ():
        for j in range(k):
            dark = C[i, j] > 0.5 * C.max()
            ax.text(
                j,
                i,
                str(C[i, j]),
                ha="center",
                va="center",
                color="white" if dark else "black",
                fontsize=10 if k <= 10 else 7,
            )
    ticks = np.unique(np.linspace(0, k - 1, min(k, MAX_TICKS)).round().astype(int)).tolist()
    labels = [short_label(names[t]) for t in ticks]
    rotate = 30 if max(len(n) for n in labels) > 6 else 0
    ax.set_xticks(ticks, labels, rotation=rotate, ha="right" if rotate else "center")
    ax.set_yticks(ticks, labels)
    if k > CELL_TEXT_UP_TO:
        ax.tick_params(labelsize=6)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(im, ax=ax, shrink=0.8, label="test samples")
    return png_data_uri(fig)


def regression_scatter(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    """Predicted against true values; perfect predictions lie on the diagonal."""
    fig = _figure(4.6, 4.2)
    ax = fig.subplots()
    ax.scatter(y_true, y_pred, s=12, alpha=0.6, edgecolors="none")
    lo = float(min(y_true.min(), y_pred.min()))
    hi = float(max(y_true.max(), y_pred.max()))
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", label="perfect prediction")
    ax.set_xlabel("true value")
    ax.set_ylabel("predicted value")
    ax.grid(alpha=0.3)
    ax.legend()
    return png_data_uri(fig)


def decision_boundary(X, y, predict, names: list[str], feature_names, steps: int = 200) -> str:
    """The class the model predicts at every point of the plane, with the data on top."""
    from matplotlib.colors import ListedColormap

    lo, hi = X.min(axis=0), X.max(axis=0)  # (2,), (2,)
    pad = 0.08 * np.where(hi > lo, hi - lo, 1.0)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], steps)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], steps)
    xx, yy = np.meshgrid(gx, gy)  # (steps, steps) each
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(X.dtype)  # (steps*steps, 2)
    zz = np.asarray(predict(grid)).reshape(xx.shape)  # class index per grid point
    k = len(names)
    fig = _figure(5.6, 4.8)
    ax = fig.subplots()
    cmap = ListedColormap([_color(c) for c in range(k)])
    levels = np.arange(k + 1) - 0.5
    ax.contourf(xx, yy, zz, levels=levels, cmap=cmap, alpha=0.25)
    if k > 1 and np.unique(zz).size > 1:
        ax.contour(xx, yy, zz, levels=levels[1:-1], colors="black", linewidths=0.8)
    for c in range(k):
        pts = X[y == c]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=14,
            color=_color(c),
            edgecolors="white",
            linewidths=0.4,
            label=short_label(names[c]),
        )
    fx, fy = (list(feature_names) if feature_names is not None else ["x1", "x2"])[:2]
    ax.set_xlabel(short_label(fx))
    ax.set_ylabel(short_label(fy))
    if k <= len(CLASS_COLORS):  # beyond, colours repeat and a legend would only mislead
        ax.legend(title="class", loc="best", fontsize=8, framealpha=0.8)
    return png_data_uri(fig)


# --- gradients and weights --------------------------------------------------------------------


def gradient_norms(epochs, norms: dict, flags, thresholds: dict) -> str:
    """Each layer's mean gradient norm per epoch on a log scale; flagged epochs ringed red.

    A log axis cannot show 0 or infinity: norms of exactly 0 are drawn as triangles at the
    bottom, norms that are not finite numbers as triangles at the top.
    """
    from matplotlib.ticker import MaxNLocator

    fig = _figure(8.6, 3.9)
    ax = fig.subplots()
    x = np.asarray(epochs, dtype=float)
    table = {name: np.asarray(v, dtype=float) for name, v in norms.items()}
    pos = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in table.values()] or [[]])
    lo = float(pos.min()) if pos.size else thresholds["vanishing"]
    hi = float(pos.max()) if pos.size else thresholds["exploding"]
    floor, ceiling = lo / 10, hi * 10  # where zeros and non-finite norms are drawn
    for i, (name, v) in enumerate(table.items()):
        zero, bad = v == 0, ~np.isfinite(v)
        at = np.where(zero, floor, np.where(bad, ceiling, v))  # (n_epochs,) heights drawn
        label = f"{name} (output)" if i == len(table) - 1 else name
        line = np.where(zero | bad, np.nan, v)
        ax.plot(x, line, marker="o" if len(x) <= 30 else None, ms=3, color=_color(i), label=label)
        ax.scatter(x[zero], at[zero], marker="v", s=30, color=_color(i), zorder=3)
        ax.scatter(x[bad], at[bad], marker="^", s=30, color=_color(i), zorder=3)
        for f in flags:
            if f.layer == name:
                idx = [epochs.index(e) for e in f.epochs]
                ax.scatter(x[idx], at[idx], s=80, facecolors="none", edgecolors="#d62728", lw=1.5)
    _log_axis(
        ax,
        thresholds,
        [
            any(m.any() for m in ms)
            for ms in ([v == 0 for v in table.values()], [~np.isfinite(v) for v in table.values()])
        ],
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(x) == 1:
        ax.set_xlim(x[0] - 1, x[0] + 1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean gradient norm per batch")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return png_data_uri(fig)


def _log_axis(ax, thresholds: dict, specials: list[bool]) -> None:
    """Log scale, the thresholds that fall in view, legend entries for 0 and non-finite."""
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    for label, t in thresholds.items():
        if lo <= t <= hi:
            ax.axhline(t, color="#d62728", ls=":", lw=1)
            ax.annotate(
                f"{label} below" if label == "vanishing" else f"{label} above",
                (0.01, t),
                xycoords=("axes fraction", "data"),
                color="#d62728",
                va="bottom",
                fontsize=8,
            )
    has_zeros, has_bad = specials
    if has_zeros:
        ax.scatter([], [], marker="v", s=30, color="#444444", label="norm exactly 0")
    if has_bad:
        ax.scatter([], [], marker="^", s=30, color="#444444", label="norm not finite")


def _finite(a: np.ndarray) -> np.ndarray:
    v = np.asarray(a, dtype=np.float64).ravel()
    return v[np.isfinite(v)]


def _hist(ax, values: np.ndarray, title: str, color: str) -> None:
    v = _finite(values)
    if v.size == 0:
        ax.text(0.5, 0.5, "no finite values", ha="center", transform=ax.transAxes)
        ax.set_title(title, fontsize=10)
    else:
        counts, edges = np.histogram(v, bins=_bins(v))
        ax.stairs(counts, edges, fill=True, color=color, alpha=0.85)  # one artist: fast
        ax.set_title(f"{title}\nmean {v.mean():.2g}, std {v.std():.2g}", fontsize=10)
    _readable_ticks(ax)
    ax.set_ylabel("count")
    ax.grid(alpha=0.3)


def _readable_ticks(ax) -> None:
    """A few x ticks, tiny or huge values with a shared power of ten: gradients of 1e-4
    would otherwise be labelled -0.0004, -0.0002, 0.0000, run together."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))


def _bins(v: np.ndarray) -> int | np.ndarray:
    if v.max() == v.min():  # all equal (e.g. all-zero gradients): one narrow bar
        c = float(v[0])
        return np.array([c - 0.5, c + 0.5]) if c == 0 else np.sort([c * 0.9, c * 1.1])
    return min(40, max(10, int(math.sqrt(v.size))))


def layer_histograms(w0, w1, g0, g1) -> str:
    """Weights at the start and end (shared bins, overlaid), and first and last gradients."""
    fig = _figure(11.0, 2.7, layout=None)  # fixed margins: much faster than a layout engine
    fig.subplots_adjust(left=0.055, right=0.99, bottom=0.11, top=0.8, wspace=0.28)
    ax_w, ax_g0, ax_g1 = fig.subplots(1, 3)
    v0, v1 = _finite(w0), _finite(w1)
    if v0.size + v1.size:
        edges = np.histogram_bin_edges(np.concatenate([v0, v1]), bins=_bins(np.r_[v0, v1]))
        ax_w.stairs(
            np.histogram(v0, edges)[0], edges, fill=True, color=_START, alpha=0.55, label="start"
        )
        ax_w.stairs(np.histogram(v1, edges)[0], edges, color=_END, lw=1.8, label="end")
        ax_w.legend(fontsize=8)
    _readable_ticks(ax_w)
    ax_w.set_title("weights W: start vs end\n ", fontsize=10)  # two lines, as its neighbours
    ax_w.set_ylabel("count")
    ax_w.grid(alpha=0.3)
    _hist(ax_g0, g0, "gradient dL/dW, first batch", _START)
    _hist(ax_g1, g1, "gradient dL/dW, last batch", _END)
    return png_data_uri(fig)


# --- the network ------------------------------------------------------------------------------

_CIRCLES_UP_TO = 10  # wider layers are drawn as one box with their count


def _anchors(n: int) -> np.ndarray:
    """Vertical positions of a column's neurons (or of points on a wide layer's box)."""
    if n <= _CIRCLES_UP_TO:
        step = 0.1
        return 0.5 + (np.arange(n) - (n - 1) / 2) * step  # (n,)
    return np.linspace(0.12, 0.88, 7)


def network(widths: list[int], labels: list[str], weight_labels: list[str]) -> str:
    """Columns of neurons joined by their weights: circles for narrow layers, boxes for wide.

    ``widths`` has one entry per column (the input, then each layer's output); ``labels``
    one caption per column; ``weight_labels`` one caption per pair of adjacent columns.
    """
    from matplotlib.patches import Circle, FancyBboxPatch

    step, r = (1.4 if len(widths) <= 5 else 1.15), 0.042
    x_lo, x_hi, y_lo, y_hi = -0.75, (len(widths) - 1) * step + 0.75, -0.36, 1.3
    scale = min(1.9, 11.0 / (x_hi - x_lo))  # inches per unit; at most 11 inches wide
    fig = _figure((x_hi - x_lo) * scale, (y_hi - y_lo) * scale, layout=None)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    ax.axis("off")
    for c in range(len(widths) - 1):
        ya, yb = _anchors(widths[c]), _anchors(widths[c + 1])
        alpha = max(0.06, min(0.45, 8.0 / (len(ya) * len(yb))))
        x0 = c * step + (r if widths[c] <= _CIRCLES_UP_TO else 0.16)  # from the edges
        x1 = (c + 1) * step - (r if widths[c + 1] <= _CIRCLES_UP_TO else 0.16)
        for a in ya:
            for b in yb:
                ax.plot([x0, x1], [a, b], color="#555555", lw=0.7, alpha=alpha, zorder=1)
        ax.text((c + 0.5) * step, 1.08, weight_labels[c], ha="center", va="bottom", fontsize=9)
    for c, (n, label) in enumerate(zip(widths, labels)):
        x = c * step
        color = "#cfe3f5" if c == 0 else ("#fde0c5" if c == len(widths) - 1 else "#dff0d8")
        if n <= _CIRCLES_UP_TO:
            for y in _anchors(n):
                ax.add_patch(Circle((x, y), r, facecolor=color, edgecolor="#333333", zorder=2))
        else:
            ax.add_patch(
                FancyBboxPatch(
                    (x - 0.16, 0.05),
                    0.32,
                    0.9,
                    zorder=2,
                    facecolor=color,
                    edgecolor="#333333",
                    boxstyle="round,pad=0.02",
                )
            )
            ax.text(x, 0.5, f"{n}\nneurons", ha="center", va="center", fontsize=9, zorder=3)
        ax.text(x, -0.06, label, ha="center", va="top", fontsize=10)
    return png_data_uri(fig)
