"""``glassnet explain``: a model's architecture, one traced mini-batch, one sample by hand.

With ``--model`` it explains a saved model (a run folder or a ``.safetensors`` file); with
no argument it trains a small default model on Iris on the spot (a fraction of a second)
and explains that. The mini-batch comes from the model's own data when it can be found
(the run folder's ``run.json``, or the dataset named in the model's config), else from
Iris, else from random standardised rows.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import io, losses, saved
from ..errors import DataError, DomainError, GlassnetError, ModelFileError
from ..explain.neurons import sample_arithmetic
from ..explain.trace import trace
from ..nn import Linear
from ..tensor import Tensor
from ._common import describe
from ._runfolder import check_output

__all__ = ["run", "default_model"]

DEFAULT_SIZES = [4, 16, 3]  # the default model: Iris's 4 features, 16 hidden units, 3 classes
DEFAULT_EPOCHS = 20  # enough for ~97% on Iris, with logits still of moderate size
_GRAPH_SUFFIXES = (".svg", ".png", ".pdf", ".dot")


@dataclass
class _Data:
    """Raw feature rows and targets for the model, and where they came from."""

    X: np.ndarray  # (n_samples, n_inputs): the data file's rows encoded, not standardised
    y: np.ndarray  # (n_samples,): class indices or values
    name: str
    note: str = ""


def default_model(seed: int = 0) -> tuple[saved.SavedModel, str]:
    """Train the default explain model: MLP 4-16-3 (ReLU) on all of Iris, standardised.

    Returns the model and a sentence saying what was done.

    Examples
    --------
    >>> model, note = default_model()
    >>> model.model.sizes, model.label_names
    ([4, 16, 3], ['setosa', 'versicolor', 'virginica'])
    """
    from .. import nn
    from ..data import Standardizer, load_dataset
    from ..train import Trainer

    start = time.perf_counter()
    ds = load_dataset("iris")
    scaler = Standardizer().fit(ds.X)
    X = scaler.transform(ds.X)
    net = nn.MLP(DEFAULT_SIZES, seed=seed)
    Trainer(net, epochs=DEFAULT_EPOCHS, lr=0.01, batch_size=32, progress="none", seed=seed).fit(
        X, ds.y
    )
    net.eval()
    model = saved.wrap(
        net,
        task="classify",
        feature_names=ds.feature_names,
        label_names=ds.label_names,
        standardizer=scaler,
        target_name=ds.target_name,
        extra={"dataset": ds.name},
    )
    accuracy = float((model.predict(ds.X) == np.asarray(ds.label_names)[ds.y]).mean())
    note = (
        f"no --model given: trained a default model on all {len(ds.y)} rows of iris just "
        f"now ({DEFAULT_EPOCHS} epochs of Adam in {time.perf_counter() - start:.2f} s, "
        f"training accuracy {accuracy:.3f}); pass --model RUN to explain a saved model"
    )
    return model, note


# --- the data ----------------------------------------------------------------------------------


def _candidates(model: saved.SavedModel, model_arg) -> list[str]:
    """Where the model's data may be: the run's settings, then the config's dataset name."""
    found = []
    if model_arg is not None:
        run = Path(model_arg) if Path(model_arg).is_dir() else Path(model_arg).parent
        if (run / "run.json").is_file():
            try:
                found.append(io.guard.read_json_file(run / "run.json")["settings"]["data"])
            except (ValueError, KeyError, TypeError, ModelFileError):
                pass
    settings = model.config.get("settings") or {}
    found += [d for d in (settings.get("data"), model.config.get("dataset")) if d]
    return list(dict.fromkeys(str(d) for d in found))


def _model_data(model: saved.SavedModel, model_arg) -> _Data:
    problems = []
    for source in [*_candidates(model, model_arg), "iris"]:
        try:
            X, y = model.read_data(source)
            X = model.encode(X)  # one-hot categories and filled cells, as in training
        except (GlassnetError, OSError) as e:
            problems.append(f"{source}: {e}")
            continue
        note = "" if not problems else f" (the model's own data could not be read: {problems[0]})"
        return _Data(np.asarray(X), np.asarray(y), Path(source).name, note)
    rng = np.random.default_rng(0)  # no data fits: standardised random rows
    n_in = model.model.sizes[0]
    X = rng.normal(size=(150, n_in))
    if model.standardizer is not None:
        X = X * model.standardizer.scale_ + model.standardizer.mean_
    n_out = model.model.sizes[-1]
    y = rng.integers(0, n_out, 150) if model.task == "classify" else rng.normal(size=150)
    return _Data(X, y, "random rows", f" (no data set fits the model: {problems[-1]})")


def _loss(model: saved.SavedModel, out: Tensor, y: np.ndarray) -> Tensor:
    if model.task == "classify":
        return losses.cross_entropy(out, y.astype(np.int64))
    ys = model.config.get("target_scale") or {"mean": 0.0, "scale": 1.0}
    target = ((y - ys["mean"]) / ys["scale"]).astype(np.float32)  # the units it was trained in
    return losses.mse(out, target.reshape(-1, 1))


# --- the sections ------------------------------------------------------------------------------


def _console():
    from rich.console import Console

    wide = sys.stdout.isatty() or "COLUMNS" in os.environ
    return Console(highlight=False, width=None if wide else 150, emoji=False)


def _architecture(model) -> object:
    from rich.table import Table

    table = Table(title="architecture", title_justify="left")
    for name in ("layer", "module", "operation", "output shape", "parameters", "count"):
        table.add_column(name, justify="right" if name == "count" else "left")
    width, layer = model.sizes[0], 0
    for name, m in model.named_modules():
        if m._modules:  # containers: their children are listed
            continue
        shapes = ", ".join(f"{p} {tuple(q.shape)}" for p, q in m._parameters.items())
        count = sum(q.size for q in m._parameters.values())
        if isinstance(m, Linear):
            layer, width = layer + 1, m.out_features
            what = f"Linear({m.in_features} -> {m.out_features}): z = x @ W.T + b"
        else:
            what = type(m).__name__ + ("" if m.extra_repr() == "" else f"({m.extra_repr()})")
        table.add_row(
            str(layer) if isinstance(m, Linear) else "",
            name,
            what,
            f"(N, {width})",
            shapes,
            f"{count:,}" if count else "",
        )
    table.add_section()
    table.add_row("", "", "total", "", "", f"{model.num_parameters():,}")
    return table


def _batch(data: _Data, size: int) -> np.ndarray:
    """Row numbers of the traced mini-batch: a fixed shuffle, so every class can appear."""
    order = np.random.default_rng(0).permutation(len(data.y))
    return np.sort(order[: min(size, len(order))])


def _traced_pass(model: saved.SavedModel, data: _Data, rows: np.ndarray):
    x = model.scale(data.X[rows])
    net = model.model
    net.zero_grad()
    with trace(net) as t:
        loss = _loss(model, net(x), data.y[rows])
        loss.backward()
    net.zero_grad()  # the explanation leaves no gradient behind
    return t, float(loss.item())


def _sample_lines(model: saved.SavedModel, data: _Data, n: int) -> list[str]:
    raw = data.X[n]
    x = model.scale(raw[None, :])[0]
    features = ", ".join(f"{f} {v:g}" for f, v in zip(model.feature_names, raw))
    if model.task == "classify":
        truth = f"class {model.label_names[int(data.y[n])]}"
    else:
        truth = f"{model.target_name} {float(data.y[n]):.4g}"
    head = [f"sample {n} of {data.name}: {features}; {truth}"]
    if model.standardizer is not None:
        head.append(
            f"standardised, (value - training mean) / training std: "
            f"x = [{', '.join(f'{v:.3f}' for v in x)}]"
        )
    return head + sample_arithmetic(
        model.model,
        x,
        task=model.task,
        label_names=model.label_names,
        target=data.y[n],
        target_scale=model.config.get("target_scale"),
    )


def _inputs_line(model: saved.SavedModel) -> str:
    """The network's inputs, and which column of the data each one comes from."""
    columns = model.preprocessing["columns"]
    n = len(model.feature_names)
    if all(c["kind"] == "number" for c in columns):
        return f"{n} inputs: {', '.join(model.feature_names)}"
    parts = [
        c["name"]
        if c["kind"] == "number"
        else f"{c['name']} (one-hot, {len(c['categories'])} inputs: "
        + ", ".join(f"{c['name']}={v}" for v in c["categories"])
        + ")"
        for c in columns
    ]
    return f"{n} inputs from {len(columns)} columns: {'; '.join(parts)}"


def _check_arguments(args) -> None:
    if args.graph and Path(args.graph).suffix.lower() not in _GRAPH_SUFFIXES:
        raise DomainError(
            f"--graph {args.graph}: use a name ending in {', '.join(_GRAPH_SUFFIXES)}"
        )
    if args.graph and args.model is not None:
        check_output(args.graph, args.model, "--graph")


def run(args) -> int:
    """Run ``glassnet explain`` with parsed arguments (see ``glassnet explain --help``).

    ``args`` has ``model`` (path or None), ``sample`` (int or None), ``graph`` (path or
    None) and ``batch_size`` (int). Returns the exit code; errors in the input raise
    :class:`~glassnet.errors.GlassnetError`, which the command turns into one line and exit
    status 2.
    """
    _check_arguments(args)
    if args.model is None:
        model, note = default_model()
    else:
        model = saved.load(args.model)
        note = f"saved model {model.path}"
    data = _model_data(model, args.model)
    if args.sample is not None and not 0 <= args.sample < len(data.y):
        raise DataError(
            f"--sample {args.sample} is out of range: {data.name} has "
            f"{len(data.y)} rows, numbered 0 to {len(data.y) - 1}"
        )
    console = _console()
    net = model.model
    what = (
        f"{len(model.label_names)} classes ({', '.join(model.label_names)})"
        if model.task == "classify"
        else f"regression of {model.target_name}"
    )
    console.print(
        f"glassnet explain: {describe(net)}, {what}",
        markup=False,
        soft_wrap=True,
    )
    console.print(note, markup=False, soft_wrap=True)
    console.print()
    console.print(_architecture(net))
    console.print(_inputs_line(model), markup=False, soft_wrap=True)
    _print_pass(console, model, data, args)
    return 0


def _print_pass(console, model, data: _Data, args) -> None:
    rows = _batch(data, args.batch_size)
    t, loss = _traced_pass(model, data, rows)
    shown = ", ".join(map(str, rows[:12])) + (", ..." if len(rows) > 12 else "")
    kind = "cross-entropy" if model.task == "classify" else "mean squared error"
    console.print()
    console.print(
        f"one mini-batch, forward and backward: {len(rows)} rows of {data.name} "
        f"(rows {shown}){data.note}; {kind} loss {loss:.4f}",
        markup=False,
        soft_wrap=True,
    )
    console.print(t)
    f, b = (t.summary()[k]["flops"] for k in ("forward", "backward"))
    console.print(
        f"backward {b:,} FLOPs = {b / max(f, 1):.2f} x forward {f:,}: a dense layer "
        "costs one matrix product forward and two backward (one for dW, one for "
        "the gradient of its input, which the first layer skips)",
        markup=False,
        soft_wrap=True,
    )
    if args.sample is not None:
        console.print()
        console.print(f"sample {args.sample}, neuron by neuron", markup=False)
        for line in _sample_lines(model, data, args.sample):
            console.print(line, markup=False, soft_wrap=True)
    if args.graph:
        path = t.draw(args.graph)
        console.print()
        console.print(
            f"the computation graph of this pass was written to {path}",
            markup=False,
            soft_wrap=True,
        )
