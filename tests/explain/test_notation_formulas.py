"""Every gradient formula the trace writes is run, and must give the engine's own gradient.

Each case builds a small float64 computation inside ``glassnet.trace()`` and calls
``backward()`` on ``(out * R).sum()`` with a fixed random ``R`` (or on the loss itself). The
formulas of the backward rows are then evaluated, in the order backward ran them, with every
symbol bound to the array the trace recorded under it (``x``, ``W1``, ``t1``) and every
gradient symbol (``dt1``) to the value the formulas before it produced (``dloss`` starts at
1). Each formula's value must have the norm and shape the engine recorded for that gradient,
and the leaves' accumulated gradients must equal their ``.grad`` to 1e-10.

The formulas are Python expressions over NumPy arrays. The evaluator accepts only this
vocabulary (anything else, such as prose, an unbound name or a function outside it, fails):

- the symbols of the trace and ``y`` (a loss's targets, in the shape the loss recorded);
- numbers, ``+ - * / ** @``, comparisons, ``&``, ``.T``, ``.mT`` and subscripts ``g[:, None]``;
- ``exp log sign where outer transpose`` as in NumPy; ``sum(e, axis=)``, ``reshape(e, shape)``;
- ``softmax(z)`` and ``sigmoid(z)`` (along the last axis), ``onehot(y)`` (one row per class
  index, as many columns as the logits);
- ``broadcast(g, shape, axis=None)``: g spread to ``shape``; ``axis`` names the axes a
  reduction removed, put back first;
- ``max_share(x, axis=None)``: 1 at the maximum of each slice along ``axis``, 1/k at each of
  k tied maxima, 0 elsewhere;
- ``s_[...]`` (NumPy's index maker) and ``scatter(g, index, like=x)``: zeros shaped like
  ``x``, with ``g`` added at ``x[index]`` (an entry indexed twice gets both).
"""

from __future__ import annotations

import ast

import numpy as np
import pytest

from glassnet import Tensor, nn
from glassnet.explain import notation, trace
from glassnet.tensor import functional as F
from glassnet.tensor import ops


def _broadcast(g, shape, axis=None):
    g = np.asarray(g)
    return np.broadcast_to(g if axis is None else np.expand_dims(g, axis), shape)


def _max_share(x, axis=None):
    at = (x == x.max(axis=axis, keepdims=True)).astype(x.dtype)
    return at / at.sum(axis=axis, keepdims=True)


def _scatter(g, index, like):
    out = np.zeros_like(like)
    np.add.at(out, index, g)
    return out


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


VOCABULARY = {
    "exp": np.exp,
    "log": np.log,
    "sign": np.sign,
    "where": np.where,
    "outer": np.outer,
    "transpose": np.transpose,
    "sum": lambda e, axis=None: np.sum(e, axis=axis),
    "reshape": np.reshape,
    "softmax": _softmax,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "broadcast": _broadcast,
    "max_share": _max_share,
    "scatter": _scatter,
    "s_": np.s_,
}
_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.keyword, ast.Name,
    ast.Load, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice, ast.Tuple, ast.List,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.BitAnd, ast.USub,
    ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq,
)  # fmt: skip


def evaluate(formula: str, names: dict) -> np.ndarray:
    """The value of ``formula`` (the right-hand side of ``dx = ...``) with ``names`` bound."""
    tree = ast.parse(formula, mode="eval")
    for node in ast.walk(tree):
        assert isinstance(node, _NODES), f"{formula!r}: {type(node).__name__} is not allowed"
        if isinstance(node, ast.Name):
            assert node.id in names, f"{formula!r}: {node.id!r} is not bound"
        if isinstance(node, ast.Attribute):
            assert node.attr in ("T", "mT"), f"{formula!r}: .{node.attr} is not allowed"
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and callable(names[node.func.id]), formula
    return eval(compile(tree, "<formula>", "eval"), {"__builtins__": {}}, names)  # noqa: S307


def run_formulas(t, targets=None) -> dict:
    """Evaluate every backward formula of trace ``t`` in order; return the gradients by name."""
    names = dict(VOCABULARY)
    for node in t.graph_nodes():
        if node["name"].isidentifier():  # not a number such as 2
            assert node["name"] not in names, f"two tensors are called {node['name']}"
            names[node["name"]] = node["tensor"].data
    assert "y" not in names  # the name of a loss's targets
    rows = [r for r in t.rows if r["pass"] == "backward"]
    grads = {rows[0]["grad_output"]["name"]: np.ones(rows[0]["grad_output"]["shape"])}
    for row in rows:
        if row["op"] in ("cross_entropy", "binary_cross_entropy"):
            z_shape, y_shape = row["inputs"][0]["shape"], row["inputs"][1]["shape"]
            names["y"] = np.reshape(targets, y_shape)
            names["onehot"] = lambda y, c=z_shape[-1]: np.eye(c)[y]
        for g in row["grads"]:
            lhs, rhs = g["math"].split(" = ", 1)
            assert lhs == g["name"], g["math"]
            value = np.asarray(evaluate(rhs, {**names, **grads}), dtype=np.float64)
            assert list(value.shape) == g["shape"], f"{g['math']}: shape {value.shape}"
            norm = np.linalg.norm(value)  # the engine's gradient's norm was recorded
            assert norm == pytest.approx(g["norm"], rel=1e-10, abs=1e-12), g["math"]
            grads[lhs] = grads[lhs] + value if lhs in grads else value
    return grads


RNG_SEED = 20261204


def _leaves(spec, rng) -> list[Tensor]:
    """Leaves from ``(label, shape or array, kind)``: kind "any", "positive" or "data"."""
    out = []
    for label, shape, kind in spec:
        if kind == "data":
            data = np.asarray(shape, dtype=np.float64)
        elif kind == "positive":
            data = rng.uniform(0.5, 2.0, size=shape)
        else:
            data = rng.normal(size=shape)
        out.append(Tensor(data, requires_grad=True, label=label))
    return out


# Operands are called u, v, w (and W, b, z): names the trace does not give on its own.
A34, B4, X3 = ("u", (3, 4), "any"), ("v", (4,), "any"), ("u", (2, 3, 4), "any")
P34, P4 = ("u", (3, 4), "positive"), ("v", (4,), "positive")
KINKS = ("u", [[-0.5, 0.0, 0.75, 2.0], [0.0, -2.0, 0.25, -0.5], [0.75, 1.0, -1.0, 0.0]], "data")
TIES = ("u", [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, 0.0, 4.0]], "data")

# name, leaves, build(*leaves) -> the op's result
OP_CASES = [
    ("add, broadcast row", [A34, B4], lambda x, y: x + y),
    ("add, both broadcast", [("u", (3, 1), "any"), ("v", (1, 4), "any")], lambda x, y: x + y),
    ("add, scalar operand", [A34, ("v", (), "any")], lambda x, y: x + y),
    ("sub, broadcast column", [A34, ("v", (3, 1), "any")], lambda x, y: x - y),
    ("mul, broadcast 3-D", [X3, ("v", (3, 1), "any")], lambda x, y: x * y),
    ("div, broadcast", [A34, P4], lambda x, y: x / y),
    ("pow, number exponent", [A34], lambda x: x**3),
    ("pow, tensor exponent", [P34, ("v", (3, 4), "any")], lambda x, y: x**y),
    ("pow, broadcast exponent", [P34, B4], lambda x, y: x**y),
    ("neg", [A34], lambda x: -x),
    ("matmul 2-D", [A34, ("v", (4, 5), "any")], lambda x, y: x @ y),
    ("matmul row @ matrix", [("u", (4,), "any"), ("v", (4, 5), "any")], lambda x, y: x @ y),
    ("matmul matrix @ column", [A34, B4], lambda x, y: x @ y),
    ("matmul vector @ vector", [("u", (4,), "any"), B4], lambda x, y: x @ y),
    ("matmul batched, shared y", [X3, ("v", (4, 5), "any")], lambda x, y: x @ y),
    ("matmul batched, both", [X3, ("v", (2, 4, 5), "any")], lambda x, y: x @ y),
    ("matmul batch broadcast", [("u", (2, 1, 3, 4), "any"), ("v", (5, 4, 2), "any")], ops.matmul),
    ("matmul row @ stack", [("u", (4,), "any"), ("v", (2, 4, 5), "any")], lambda x, y: x @ y),
    ("matmul stack @ column", [X3, B4], lambda x, y: x @ y),
    ("linear", [A34, ("W", (5, 4), "any"), ("b", (5,), "any")], ops.linear),
    ("linear, no bias", [A34, ("W", (5, 4), "any")], ops.linear),
    (
        "linear, one sample",
        [("u", (4,), "any"), ("W", (5, 4), "any"), ("b", (5,), "any")],
        ops.linear,
    ),
    ("linear, batch axes", [X3, ("W", (5, 4), "any"), ("b", (5,), "any")], ops.linear),
    ("exp", [A34], ops.exp),
    ("log", [P34], ops.log),
    ("tanh", [A34], ops.tanh),
    ("sigmoid", [A34], ops.sigmoid),
    ("relu", [A34], ops.relu),
    ("leaky_relu", [A34], ops.leaky_relu),
    ("leaky_relu, slope 0.2", [A34], lambda x: ops.leaky_relu(x, 0.2)),
    ("abs", [A34], ops.abs),
    ("relu at 0", [KINKS], ops.relu),
    ("leaky_relu at 0", [KINKS], ops.leaky_relu),
    ("abs at 0", [KINKS], ops.abs),
    ("clip at its bounds", [KINKS], lambda x: ops.clip(x, -0.5, 0.75)),
    ("clip, min at the entries", [KINKS], lambda x: ops.clip(x, min=0.0)),
    ("sqrt", [P34], ops.sqrt),
    ("clip, both bounds", [A34], lambda x: ops.clip(x, -0.5, 0.75)),
    ("clip, min only", [A34], lambda x: ops.clip(x, min=0.25)),
    ("clip, max only", [A34], lambda x: ops.clip(x, max=-0.125)),
    ("sum, all", [A34], ops.sum),
    ("sum, axis 1", [A34], lambda x: ops.sum(x, axis=1)),
    ("sum, axis 0 kept", [A34], lambda x: ops.sum(x, axis=0, keepdims=True)),
    ("sum, axes (0, 2)", [X3], lambda x: ops.sum(x, axis=(0, 2))),
    ("sum, axis -1", [X3], lambda x: ops.sum(x, axis=-1)),
    ("mean, all", [A34], ops.mean),
    ("mean, axis 1", [A34], lambda x: ops.mean(x, axis=1)),
    ("mean, axis 1 kept", [X3], lambda x: ops.mean(x, axis=1, keepdims=True)),
    ("max, all, with a tie", [("u", [[1.0, 7.0], [7.0, 0.0]], "data")], ops.max),
    ("max, axis 1, ties", [TIES], lambda x: ops.max(x, axis=1)),
    ("max, axis 0 kept, ties", [TIES], lambda x: ops.max(x, axis=0, keepdims=True)),
    ("max, axis 1, random", [X3], lambda x: ops.max(x, axis=1)),
    ("reshape", [A34], lambda x: ops.reshape(x, (2, 6))),
    ("transpose", [A34], lambda x: x.T),
    ("transpose, 3 axes", [X3], lambda x: ops.transpose(x, (2, 0, 1))),
    ("transpose, swap two", [X3], lambda x: ops.transpose(x, (0, 2))),
    ("index, slices", [A34], lambda x: x[1:3, ::2]),
    ("index, integer and slice", [A34], lambda x: x[-1, 1:]),
    ("index, repeated rows", [A34], lambda x: x[[0, 2, 0]]),
    ("index, pairs", [A34], lambda x: x[[0, 1, 1], [3, 2, 2]]),
    ("index, mask", [A34], lambda x: x[np.array([True, False, True])]),
    ("index, new axis", [A34], lambda x: x[None, :, 2]),
    ("concatenate, axis 0", [A34, ("v", (2, 4), "any")], lambda x, y: ops.concatenate([x, y])),
    (
        "concatenate, three on axis -1",
        [A34, ("v", (3, 2), "any"), ("w", (3, 1), "any")],
        lambda x, y, w: ops.concatenate([x, y, w], axis=-1),
    ),
    ("stack, axis 0", [A34, ("v", (3, 4), "any")], lambda x, y: ops.stack([x, y])),
    ("stack, axis -1", [A34, ("v", (3, 4), "any")], lambda x, y: ops.stack([x, y], axis=-1)),
    ("stack, one tensor twice", [A34], lambda x: ops.stack([x, x * 2], axis=1)),
]


def _traced(build, leaves, rng):
    """Run ``build`` and backward of (out * R).sum() in a trace; return the trace."""
    with trace() as t:
        out = build(*leaves)
        total = (out * Tensor(rng.normal(size=out.shape))).sum()
        total.label = "total"  # so that no operand is called "loss" as well
        total.backward()
    return t


@pytest.mark.parametrize(("name", "spec", "build"), OP_CASES, ids=[c[0] for c in OP_CASES])
def test_each_formula_gives_the_engines_gradient(name, spec, build):
    rng = np.random.default_rng(RNG_SEED)
    leaves = _leaves(spec, rng)
    t = _traced(build, leaves, rng)
    grads = run_formulas(t)
    for leaf in leaves:
        np.testing.assert_allclose(grads["d" + leaf.label], leaf.grad, rtol=1e-10, atol=1e-12)


def _hard(rng, n=5, c=4):
    return rng.integers(0, c, size=n)


def _soft(rng, n=5, c=4):
    p = rng.uniform(size=(n, c))
    return p / p.sum(axis=1, keepdims=True)


LOSSES = {
    "cross_entropy, hard": (F.softmax_cross_entropy, (5, 4), _hard),
    "cross_entropy, soft": (F.softmax_cross_entropy, (5, 4), _soft),
    "binary_cross_entropy": (
        F.sigmoid_binary_cross_entropy,
        (5, 3),
        lambda rng: rng.uniform(size=(5, 3)),
    ),
    "binary_cross_entropy, (n,) targets": (
        F.sigmoid_binary_cross_entropy,
        (6, 1),
        lambda rng: rng.integers(0, 2, size=6).astype(float),
    ),
    "cross_entropy, one row": (F.softmax_cross_entropy, (1, 3), lambda rng: _hard(rng, 1, 3)),
}
LOSS_CASES = [
    (kind, reduction, root)
    for kind in LOSSES
    for reduction in ("mean", "sum", "none")
    for root in (True, False)
    if not (reduction == "none" and root)  # a loss per row is not where backward starts
]


@pytest.mark.parametrize(
    ("kind", "reduction", "root"),
    LOSS_CASES,
    ids=[f"{k}-{r}-{'root' if o else 'inner'}" for k, r, o in LOSS_CASES],
)
def test_each_loss_formula_gives_the_engines_gradient(kind, reduction, root):
    loss_fn, shape, make_targets = LOSSES[kind]
    rng = np.random.default_rng(RNG_SEED)
    (z,) = _leaves([("z", shape, "any")], rng)
    targets = make_targets(rng)
    if root:
        with trace() as t:
            loss_fn(z, targets, reduction=reduction).backward()
    else:
        t = _traced(lambda z: loss_fn(z, targets, reduction=reduction), [z], rng)
    grads = run_formulas(t, targets)
    np.testing.assert_allclose(grads["dz"], z.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("op", "wrong"),
    [
        ("tanh", "{g} * (1 + {out}**2)"),  # a wrong sign
        ("leaky_relu", "{g} * where({x} > 0, 1, slope)"),  # prose: slope is not a number
    ],
)
def test_a_wrong_or_unrunnable_rule_fails(monkeypatch, op, wrong):
    monkeypatch.setitem(notation._UNARY, op, wrong)
    rng = np.random.default_rng(RNG_SEED)
    (u,) = _leaves([A34], rng)
    t = _traced(getattr(ops, op), [u], rng)
    with pytest.raises(AssertionError):
        run_formulas(t)


def test_a_training_step_with_a_penalty_runs_formula_by_formula():
    """An MLP's loss plus an L2 penalty, with the trace's own names (two losses: loss2)."""
    model = nn.MLP([4, 5, 3], activation="tanh", seed=0, dtype=np.float64)
    rng = np.random.default_rng(RNG_SEED)
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    with trace() as t:
        ce = F.softmax_cross_entropy(model(x), y)
        (ce + 0.5 * (model.layers[0].weight ** 2).sum()).backward()
    assert [r["math"] for r in t.rows if r["pass"] == "forward"][-1] == "loss2 = loss + t3"
    grads = run_formulas(t, y)
    for name, p in (("dW1", model.layers[0].weight), ("db2", model.layers[2].bias)):
        np.testing.assert_allclose(grads[name], p.grad, rtol=1e-10, atol=1e-12)
