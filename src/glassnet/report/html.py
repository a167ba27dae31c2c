"""``report.html``: one self-contained page that shows what happened while a model trained.

The page holds the run's settings, a diagram of the network, the learning curves, the
results on the test set (a confusion matrix, or predicted against true values), the
decision boundary of a 2-D classifier, the gradient norm of every layer per epoch with
warnings when gradients vanish or explode, and histograms of each layer's weights and
gradients at the start and end of training.

Every picture is a PNG inlined as a ``data:`` URI and the style sheet is inline: the file
needs no network, no other file and no script. Its Content-Security-Policy forbids loading
anything from elsewhere, so a page that renders correctly offline is guaranteed.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import metrics
from ..checks import one_of
from ..data.datasets import TASKS
from ..errors import DataError, ShapeError
from ..io.files import atomic_write_text
from ..nn import Linear, predict_logits
from . import figures as fig
from .curves import main_metric
from .recorder import ADVICE, EXPLODE_ABOVE, EXPLODE_GROWTH, VANISH_BELOW, VANISH_RATIO

__all__ = ["write_report", "render_report", "REPORT_FILENAME", "SECTIONS"]

REPORT_FILENAME = "report.html"
# (id, heading) of every section, in page order; some appear only for some runs
SECTIONS = [
    ("summary", "At a glance"),
    ("settings", "Settings of the run"),
    ("network", "The network"),
    ("curves", "Learning curves"),
    ("test", "Results on the test set"),
    ("boundary", "Decision boundary"),
    ("gradients", "Gradient flow"),
    ("layers", "Weights and gradients, layer by layer"),
]


def write_report(path, recorder, history, settings: dict, model, **kwargs) -> Path:
    """Write the training report of a run to ``path``, atomically.

    Parameters
    ----------
    path : str or Path
        The file to write; an existing folder means ``report.html`` inside it.
    recorder, history, settings, model, **kwargs
        As for :func:`render_report`.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from glassnet import nn
    >>> from glassnet.data import load_dataset
    >>> from glassnet.train import Trainer
    >>> from glassnet.report import ReportRecorder
    >>> ds = load_dataset("xor", n_samples=200)
    >>> model, rec = nn.MLP([2, 8, 2], seed=0), ReportRecorder()
    >>> history = Trainer(model, epochs=3, callbacks=[rec], progress="none").fit(ds.X, ds.y)
    >>> out = write_report(tempfile.mkdtemp(), rec, history, {"data": "xor", "epochs": 3},
    ...                    model, X_2d=ds.X, y_2d=ds.y, label_names=ds.label_names)
    >>> out.name, out.read_text().startswith("<!DOCTYPE html>")
    ('report.html', True)
    """
    target = Path(path)
    if target.is_dir():
        target = target / REPORT_FILENAME
    with fig.quietly():
        text = render_report(recorder, history, settings, model, **kwargs)
    return atomic_write_text(target, text)


def render_report(
    recorder,
    history,
    settings: dict,
    model,
    *,
    task: str = "classify",
    label_names: list[str] | None = None,
    feature_names: list[str] | None = None,
    X_test=None,
    y_test=None,
    X_2d=None,
    y_2d=None,
    predict: Callable[[np.ndarray], np.ndarray] | None = None,
    title: str = "Training report",
    kept_epoch: int | None = None,
) -> str:
    """The report's HTML, as a string.

    Parameters
    ----------
    recorder : ReportRecorder
        Passed to the Trainer as a callback during training.
    history : History
        Returned by :meth:`glassnet.train.Trainer.fit`.
    settings : dict
        The run's settings (name to value), shown as a table in the given order.
    model : Module
        The trained model; its ``Linear`` layers are drawn and described.
    task : {"classify", "regress"}
    label_names : list of str, optional
        Class names, index by index (default ``"0"``, ``"1"``, ...).
    feature_names : list of str, optional
        Names of the two axes of the decision boundary.
    X_test, y_test : array of shape (n_samples, n_features) and (n_samples,), optional
        A held-out split: the confusion matrix (classification) or predicted-vs-true plot.
    X_2d, y_2d : array of shape (n_samples, 2) and (n_samples,), optional
        Points of a 2-D classification dataset, to draw the decision boundary over them.
    predict : callable, optional
        ``predict(X) -> array of shape (n_samples,)``: class indices, or predictions in the
        units of ``y_test``, for ``X`` in the units of ``X_test`` and ``X_2d``. Use it when
        the model expects preprocessed inputs (e.g. standardised features). Default: the
        model's own outputs (arg-max for classification).
    title : str
        The page's title.
    kept_epoch : int, optional
        The epoch whose weights the model holds (:attr:`Trainer.kept_epoch`), named in the
        summary and marked on the curves when it is not the last epoch.

    Raises
    ------
    GlassnetError
        When ``task`` is unknown.
    DataError, ShapeError
        When a test split or 2-D dataset is incomplete or its shapes do not line up.
    """
    _check_inputs(task, X_test, y_test, X_2d, y_2d)
    predict = predict or _model_predict(model, task)
    layers = _layer_info(model)
    test = _test_results(task, X_test, y_test, predict, label_names)
    if task == "classify":
        k = len(label_names) if label_names else _n_classes(y_2d, test)
        label_names = list(label_names) if label_names else [str(i) for i in range(k)]
    if recorder.epochs and not recorder.weights_end:
        recorder.snapshot_end()  # training stopped with an exception before on_train_end
    flags = recorder.gradient_flags()
    sections = {
        "summary": _summary(history, test, flags, task, kept_epoch),
        "settings": _settings_table(settings),
        "network": _network(layers, task),
        "curves": _curves(history, kept_epoch),
        "test": _test_section(test, label_names) if test else None,
        "boundary": (
            _boundary(X_2d, y_2d, predict, label_names, feature_names) if X_2d is not None else None
        ),
        "gradients": _gradients(recorder, flags),
        "layers": _layers(recorder, layers),
    }
    return _page(title, settings, sections)


# --- checking and preparing the inputs ---------------------------------------------------------


def _check_inputs(task, X_test, y_test, X_2d, y_2d) -> None:
    one_of(task, TASKS, "task", "write_report")
    for xs, ys, what in [(X_test, y_test, "X_test and y_test"), (X_2d, y_2d, "X_2d and y_2d")]:
        if (xs is None) != (ys is None):
            raise DataError(f"write_report: give both {what}, or neither")
        if xs is not None and len(xs) != len(ys):
            raise DataError(
                f"write_report: {what} have shapes {np.shape(xs)} and "
                f"{np.shape(ys)}: {len(xs)} rows vs {len(ys)}"
            )
    if X_2d is not None:
        if np.ndim(X_2d) != 2 or np.shape(X_2d)[1] != 2:
            raise ShapeError(
                f"write_report: X_2d must have shape (n_samples, 2), got {np.shape(X_2d)}"
            )
        if task != "classify":
            raise DataError("write_report: a decision boundary (X_2d) needs task='classify'")


def _model_predict(model, task: str):
    if task == "classify":
        return lambda X: predict_logits(model, X).argmax(axis=1)
    return lambda X: predict_logits(model, X).reshape(-1)


def _layer_info(model) -> list[dict]:
    """Each Linear layer with the leaf modules that follow it (activation, dropout)."""
    layers: list[dict] = []
    for name, m in model.named_modules():
        if isinstance(m, Linear):
            layers.append(
                {
                    "name": name,
                    "in": m.in_features,
                    "out": m.out_features,
                    "params": m.weight.size + (m.bias.size if m.bias is not None else 0),
                    "bias": m.bias is not None,
                    "after": [],
                }
            )
        elif layers and not m.children():
            layers[-1]["after"].append(type(m).__name__)
    return layers


def _test_results(task, X_test, y_test, predict, label_names) -> dict | None:
    if X_test is None or len(X_test) == 0:  # no test split: no section
        return None
    y_true = np.asarray(y_test)
    y_pred = np.asarray(predict(np.asarray(X_test))).reshape(-1)
    if task == "classify":
        y_true = y_true.astype(np.int64)
        k = len(label_names) if label_names else int(max(y_true.max(), y_pred.max()) + 1)
        C = metrics.confusion_matrix(y_true, y_pred, k)
        return {
            "task": task,
            "n": len(y_true),
            "C": C,
            "scores": {"accuracy": metrics.accuracy(y_true, y_pred)},
            "interval": metrics.accuracy_interval(int(np.trace(C)), len(y_true)),
        }
    scores = metrics.regression_report(y_true.astype(np.float64), y_pred.astype(np.float64))
    return {"task": task, "n": len(y_true), "y_true": y_true, "y_pred": y_pred, "scores": scores}


def _n_classes(y_2d, test) -> int:
    if test is not None:
        return len(test["C"])
    return int(np.max(y_2d)) + 1 if y_2d is not None else 0


# --- the sections --------------------------------------------------------------------------------


def _esc(value) -> str:
    return html.escape(str(value))


def _fmt(value) -> str:
    if value is None:
        return "(default)"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{_esc(alt)}">'


def _p(text: str) -> str:
    return f"<p>{text}</p>"


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _last(history, key: str):
    for row in reversed(history.rows):
        if row.get(key) is not None:
            return row[key]
    return None


def _summary(history, test, flags, task: str, kept_epoch: int | None) -> str:
    metric = "accuracy" if task == "classify" else "r2"
    rows = [["epochs trained", _esc(len(history))]]
    kept = next((r for r in history.rows if r["epoch"] == kept_epoch), None)
    if kept is not None and kept is not history.rows[-1]:
        by = "val_loss" if kept.get("val_loss") is not None else "loss"
        rows.append(
            [
                "weights kept",
                _esc(
                    f"epoch {kept_epoch}, the lowest {by} ({_fmt(float(kept[by]))}): "
                    "the saved model and the test scores use these weights, not the last epoch's"
                ),
            ]
        )
    # a regression trains on standardised targets: its loss is not in the target's units
    unit = ", MSE of the standardised target" if task == "regress" else ""
    for key in ("loss", metric, "val_loss", "val_" + metric):
        v = _last(history, key)
        if v is not None:
            what = unit if key.endswith("loss") else ""
            rows.append([_esc(f"{key} (last epoch{what})"), _esc(_fmt(float(v)))])
    for key, v in (test or {}).get("scores", {}).items():
        text = _fmt(float(v))
        if key == "accuracy" and "interval" in test:
            text = f"{v:.3f} (95% interval {test['interval'][0]:.3f} to {test['interval'][1]:.3f})"
        where = " (in the target's units)" if key in ("mse", "mae") else ""
        rows.append([_esc(f"test {key}{where}"), _esc(text)])
    health = (
        f'<span class="warn">{len(flags)} warning(s): see Gradient flow</span>'
        if flags
        else '<span class="ok">no vanishing or exploding gradients</span>'
    )
    rows.append(["gradients", health])
    return _table(["", "value"], rows)


def _settings_table(settings: dict) -> str:
    rows = [[f"<code>{_esc(k)}</code>", _esc(_fmt(v))] for k, v in settings.items()]
    return _p(
        "Everything the run was asked to do. The same settings and seed train the "
        "same model again, bit for bit."
    ) + _table(["setting", "value"], rows)


def _network(layers: list[dict], task: str) -> str:
    if not layers:
        return _p("The model has no Linear layer to draw.")
    widths = [layers[0]["in"]] + [layer["out"] for layer in layers]
    last = "logits" if task == "classify" else ("output" if widths[-1] == 1 else "outputs")
    labels = [f"input\n{widths[0]} features"] + [
        f"{lay['name']}\n{lay['out']} " + (", ".join(lay["after"]) or last).lower()
        for lay in layers
    ]
    weight_labels = [
        f"W {lay['out']}\u00d7{lay['in']}"
        + (f" + b {lay['out']}" if lay["bias"] else "")
        + f"\n{lay['params']:,} parameters"
        for lay in layers
    ]
    rows = [
        [
            f"<code>{_esc(lay['name'])}</code>",
            _esc(
                f"z = x @ W.T + b, then {', '.join(lay['after'])}"
                if lay["after"]
                else "z = x @ W.T + b (the output)"
            ),
            _esc(f"({lay['out']}, {lay['in']})"),
            _esc(f"{lay['params']:,}"),
        ]
        for lay in layers
    ]
    total = sum(lay["params"] for lay in layers)
    return (
        _p(
            "Each column is a layer of neurons, from the input on the left to the output on the "
            "right; wide layers are drawn as one box. Every line stands for weights: each "
            "neuron computes a weighted sum of all the outputs of the previous layer plus a "
            "bias, z = x @ W.T + b, then applies its activation."
        )
        + _img(fig.network(widths, labels, weight_labels), "diagram of the network")
        + _table(["layer", "computes", "W shape", "parameters"], rows)
        + _p(f"{total:,} learned numbers in all.")
    )


def _curves(history, kept_epoch: int | None) -> str:
    if len(history) == 0:
        return _p("No epoch was trained, so there is no curve to draw.")
    metric = {
        "accuracy": " and the accuracy",
        "r2": " and R\u00b2 (1 is perfect)",
        "mae": " and the MAE",
        "mse": " and the MSE",
    }.get(main_metric(history), "")
    kept = ""
    if kept_epoch is not None and kept_epoch != history.rows[-1]["epoch"]:
        by = "validation" if "val_loss" in history.columns() else "training"
        kept = (
            f" The dashed line marks epoch {kept_epoch}, whose weights were kept: "
            f"early stopping went back to the epoch with the lowest {by} loss."
        )
    return _p(
        "The loss (lower is better)"
        + metric
        + " after each epoch, on the training data and on the validation data the model "
        "never trains on. Both losses falling together means the model is learning "
        "patterns that generalise. A training loss that keeps falling while the validation "
        "loss rises means it has started to memorise the training data (overfitting)." + kept
    ) + _img(fig.curves(history, kept_epoch), "learning curves")


def _test_section(test: dict, label_names) -> str:
    n = test["n"]
    if test["task"] == "classify":
        acc, (low, high) = test["scores"]["accuracy"], test["interval"]
        return (
            _p(
                f"The {n} test samples were held out from training. Accuracy: {acc:.3f} (95% "
                f"interval {low:.3f} to {high:.3f}). In the "
                "confusion matrix each row is a true class and each column the class the model "
                "predicted: the diagonal counts the correct answers, every other cell a kind "
                "of mistake."
            )
            + _img(fig.confusion(test["C"], label_names), "confusion matrix")
            + _confusion_table(test["C"], label_names)
        )
    s = ", ".join(f"{k} {v:.4g}" for k, v in test["scores"].items())
    return _p(
        f"The {n} test samples were held out from training ({_esc(s)}). Each dot is one "
        "sample: a perfect model puts every dot on the dashed diagonal."
    ) + _img(
        fig.regression_scatter(
            test["y_true"].astype(np.float64), test["y_pred"].astype(np.float64)
        ),
        "predicted against true values",
    )


def _confusion_table(C: np.ndarray, names: list[str]) -> str:
    """The same counts as a table, with the fraction of each true class predicted right;
    beyond fig.CELL_TEXT_UP_TO classes, one row per class with its most common mistake."""
    if len(names) > fig.CELL_TEXT_UP_TO:
        return _confusion_summary(C, names)
    rows = []
    for i, name in enumerate(names):
        cells = [f"<b>{C[i, j]}</b>" if i == j else str(C[i, j]) for j in range(len(names))]
        total = int(C[i].sum())
        right = f"{C[i, i] / total:.0%} of {total}" if total else "no sample"
        rows.append([f"<b>{_esc(name)}</b>", *cells, right])
    header = ["true \u2193 / predicted \u2192", *names, "predicted right"]
    return _table(header, rows).replace("<table>", '<table class="confusion">', 1)


def _confusion_summary(C: np.ndarray, names: list[str]) -> str:
    wrong = C - np.diag(np.diag(C))  # (k, k): the mistakes only
    rows = []
    for i, name in enumerate(names):
        total, j = int(C[i].sum()), int(wrong[i].argmax())
        right = f"{C[i, i] / total:.0%} of {total}" if total else "no sample"
        mistake = f"{_esc(names[j])} ({wrong[i, j]})" if wrong[i, j] else "none"
        rows.append([f"<b>{_esc(name)}</b>", right, mistake])
    return _table(["true class", "predicted right", "most often predicted instead"], rows)


def _boundary(X, y, predict, label_names, feature_names) -> str:
    X, y = np.asarray(X), np.asarray(y).astype(np.int64)
    return _p(
        "The coloured regions show the class the model predicts at every point of the "
        "plane; the dots are the data, coloured by their true class. A dot on a region "
        "of another colour is a mistake; the black lines are where the prediction "
        "switches from one class to another."
    ) + _img(fig.decision_boundary(X, y, predict, label_names, feature_names), "decision boundary")


_RULE = (
    "<b>How the warnings are decided.</b> For every epoch the report takes the length (L2 "
    "norm) of each layer's weight gradient dL/dW on every mini-batch, and averages it over "
    "the epoch. A layer is flagged <b>vanishing</b> in an epoch when its norm is below "
    f"{VANISH_BELOW:g} or more than {1 / VANISH_RATIO:g} times smaller than the output "
    f"layer's; <b>exploding</b> when its norm is above {EXPLODE_ABOVE:g}, is not a finite "
    f"number, or has grown more than {EXPLODE_GROWTH:g} times since the first epoch (unless it "
    "started out vanishing)."
)


def _gradients(recorder, flags) -> str:
    if not recorder.epochs:
        return _p(
            "No gradients were recorded: no training step ran with the "
            "ReportRecorder among the Trainer's callbacks."
        )
    first, last = recorder.epochs[0], recorder.epochs[-1]
    intro = _p(
        "Backpropagation sends the error from the output back through the layers. The "
        "gradient norm measures how hard the loss pushes on a layer's weights: if it "
        "becomes tiny, that layer stops learning; if it becomes huge, updates overshoot "
        "and training breaks down. Healthy layers stay within a few powers of ten of each "
        "other. Epochs that break the rule below are ringed in red."
    )
    if first != 1:
        intro += _p(f"This run resumed: gradients were recorded from epoch {first} to {last}.")
    thresholds = {"vanishing": VANISH_BELOW, "exploding": EXPLODE_ABOVE}
    image = _img(
        fig.gradient_norms(recorder.epochs, recorder.grad_norms, flags, thresholds),
        "gradient norm per layer and epoch",
    )
    status = {name: [] for name in recorder.layer_names}
    for f in flags:
        status[f.layer].append(f.kind)
    at = [0] if first == last else [0, -1]  # the first and the last epoch's norms
    rows = [
        [
            f"<code>{_esc(n)}</code>",
            *[_esc(f"{v[k]:.3g}") for k in at],
            f'<span class="warn">{", ".join(status[n])}</span>'
            if status[n]
            else '<span class="ok">healthy</span>',
        ]
        for n, v in recorder.grad_norms.items()
    ]
    header = ["layer", *[f"norm, epoch {recorder.epochs[k]}" for k in at], "status"]
    table = _table(header, rows)
    notes = "".join(_flag_box(kind, [f for f in flags if f.kind == kind]) for kind in ADVICE) or (
        '<div class="good">Every layer\'s gradient stayed within the healthy range.</div>'
    )
    return intro + image + table + notes + f'<p class="note">{_RULE}</p>'


def _flag_box(kind: str, flags) -> str:
    if not flags:
        return ""
    items = "".join(f"<li>{_esc(f.message)}</li>" for f in flags)
    return (
        f'<div class="flag"><b>{_esc(kind.capitalize())} gradients</b><ul>{items}</ul>'
        f"{_esc(ADVICE[kind])}</div>"
    )


def _layers(recorder, layers: list[dict]) -> str:
    if not recorder.grads_start or not recorder.weights_end:
        return _p("No snapshots were recorded: no training step ran with the ReportRecorder.")
    out = [
        _p(
            "For each layer: on the left, the distribution of its weights before the first "
            "update (grey) and after training (blue outline); training reshapes the initial "
            "random spread, and a large change shows what the layer learned. On the right, "
            "its gradients on the first and on the last mini-batch: values piled up at 0 "
            "mean small updates. Look at the scale of the x axis."
        )
    ]
    shapes = {lay["name"]: lay for lay in layers}
    for name in recorder.layer_names:
        lay = shapes.get(name)
        what = f"Linear({lay['in']} \u2192 {lay['out']})" if lay else ""
        out.append(f"<h3><code>{_esc(name)}</code> {_esc(what)}</h3>")
        out.append(
            _img(
                fig.layer_histograms(
                    recorder.weights_start[name],
                    recorder.weights_end[name],
                    recorder.grads_start[name],
                    recorder.grads_end[name],
                ),
                f"histograms of {name}",
            )
        )
    return "".join(out)


# --- the page --------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       line-height: 1.5; color: #222; background: #fff; max-width: 1120px; margin: 0 auto;
       padding: 1.2rem 1.6rem 3rem; }
h1 { font-size: 1.8rem; margin: 0.4rem 0 0.2rem; }
h2 { margin-top: 2.4rem; padding-bottom: 0.25rem; border-bottom: 2px solid #e3e7ec; }
h3 { margin: 1.4rem 0 0.2rem; font-size: 1.05rem; }
nav { font-size: 0.92rem; margin: 0.6rem 0 1rem; }
nav a { margin-right: 0.9rem; color: #1f5f9f; }
img { display: block; max-width: 100%; height: auto; margin: 0.6rem 0; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.93rem; }
th, td { border: 1px solid #d7dce2; padding: 0.3rem 0.7rem; text-align: left;
         vertical-align: top; }
th { background: #f3f5f7; }
table.confusion td { text-align: right; }
code { background: #f3f5f7; padding: 0 0.25rem; border-radius: 3px; }
.sub { color: #555; margin-top: 0; }
.note { color: #444; font-size: 0.93rem; background: #f7f8fa; padding: 0.6rem 0.8rem; }
.ok { color: #2a7a2a; font-weight: 600; }
.warn { color: #b02a2a; font-weight: 600; }
.flag { border-left: 4px solid #d62728; background: #fdf0f0; padding: 0.5rem 0.8rem;
        margin: 0.5rem 0; }
.flag ul { margin: 0.3rem 0; padding-left: 1.3rem; }
.good { border-left: 4px solid #2ca02c; background: #f0f8f0; padding: 0.5rem 0.8rem;
        margin: 0.5rem 0; }
"""
# Nothing may be fetched from anywhere: pictures are data: URIs, the style sheet is inline.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _page(title: str, settings: dict, sections: dict) -> str:
    from .. import __version__

    present = [(sid, heading) for sid, heading in SECTIONS if sections.get(sid) is not None]
    nav = "".join(f'<a href="#{sid}">{_esc(h)}</a>' for sid, h in present)
    body = "".join(
        f'<section id="{sid}"><h2>{_esc(h)}</h2>{sections[sid]}</section>\n' for sid, h in present
    )
    data = settings.get("data")
    sub = f"{_esc(data)} \u00b7 " if data is not None else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header><h1>{_esc(title)}</h1><p class="sub">{sub}written by glassnet '
        f"{_esc(__version__)}</p><nav>{nav}</nav></header>\n<main>\n{body}</main>\n"
        "</body>\n</html>\n"
    )
