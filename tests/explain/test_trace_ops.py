"""The trace's formula and FLOP count for each kind of operation, table-driven.

Every expected count is worked out by hand from the rule in glassnet.explain.trace for the
shapes used here: A (3, 4), B (4,), C (3, 4), M (4, 5), W (5, 4).
"""

import numpy as np
import pytest

from glassnet import Tensor
from glassnet.explain import trace
from glassnet.tensor import functional, ops

RNG = np.random.default_rng(0)


def _leaf(shape, label, positive=False):
    data = RNG.uniform(0.5, 2.0, size=shape) if positive else RNG.normal(size=shape)
    return Tensor(data.astype(np.float32), requires_grad=True, label=label)


def _targets_soft():
    p = RNG.uniform(size=(3, 4))
    return p / p.sum(axis=1, keepdims=True)


# name, build(A, B, C, M, W) -> output, forward math, forward FLOPs, backward FLOPs,
# backward formulas (one per operand that receives a gradient)
CASES = [
    (
        "add, broadcast",
        lambda A, B, C, M, W: A + B,
        "t1 = A + B",
        12,
        12 + 2 * 12,
        ["dA = dt1", "dB = sum(dt1, axis=0)"],
    ),
    ("sub, constant", lambda A, B, C, M, W: A - 1.0, "t1 = A - 1", 12, 12, ["dA = dt1"]),
    (
        "mul, broadcast",
        lambda A, B, C, M, W: A * B,
        "t1 = A * B",
        12,
        12 + 2 * 12,
        ["dA = dt1 * B", "dB = sum(dt1 * A, axis=0)"],
    ),
    (
        "div",
        lambda A, B, C, M, W: A / C,
        "t1 = A / C",
        12,
        24,
        ["dA = dt1 / C", "dC = -dt1 * t1 / C"],
    ),
    ("pow", lambda A, B, C, M, W: A**2, "t1 = A ** 2", 12, 12, ["dA = dt1 * 2 * A**1"]),
    ("neg", lambda A, B, C, M, W: -A, "t1 = -A", 12, 12, ["dA = -dt1"]),
    ("exp", lambda A, B, C, M, W: A.exp(), "t1 = exp(A)", 12, 12, ["dA = dt1 * t1"]),
    ("log", lambda A, B, C, M, W: C.log(), "t1 = log(C)", 12, 12, ["dC = dt1 / C"]),
    ("tanh", lambda A, B, C, M, W: A.tanh(), "t1 = tanh(A)", 12, 12, ["dA = dt1 * (1 - t1**2)"]),
    (
        "sigmoid",
        lambda A, B, C, M, W: A.sigmoid(),
        "t1 = sigmoid(A)",
        12,
        12,
        ["dA = dt1 * t1 * (1 - t1)"],
    ),
    ("relu", lambda A, B, C, M, W: A.relu(), "t1 = relu(A)", 12, 12, ["dA = dt1 * (A > 0)"]),
    (
        "matmul",
        lambda A, B, C, M, W: A @ M,
        "z1 = A @ M",
        2 * 4 * 15,
        2 * (2 * 4 * 15),
        ["dA = dz1 @ M.T", "dM = A.T @ dz1"],
    ),
    (
        "linear, no bias",
        lambda A, B, C, M, W: ops.linear(A, W),
        "z1 = A @ W.T",
        2 * 3 * 4 * 5,
        2 * (2 * 3 * 4 * 5),
        ["dA = dz1 @ W", "dW = dz1.T @ A"],
    ),
    (
        "sum over an axis",
        lambda A, B, C, M, W: A.sum(axis=0),
        "t1 = sum(A, axis=0)",
        12,
        12,
        ["dA = broadcast(dt1, (3, 4), axis=0)"],
    ),
    (
        "mean",
        lambda A, B, C, M, W: A.mean(axis=1),
        "t1 = mean(A, axis=1)",
        12,
        12,
        ["dA = broadcast(dt1, (3, 4), axis=1) / 4"],
    ),
    (
        "max",
        lambda A, B, C, M, W: A.max(axis=1),
        "t1 = max(A, axis=1)",
        12,
        12,
        ["dA = broadcast(dt1, (3, 4), axis=1) * max_share(A, axis=1)"],
    ),
    (
        "reshape",
        lambda A, B, C, M, W: A.reshape(4, 3),
        "t1 = reshape(A)",
        0,
        0,
        ["dA = reshape(dt1, (3, 4))"],
    ),
    ("transpose", lambda A, B, C, M, W: A.T, "t1 = A.T", 0, 0, ["dA = dt1.T"]),
    (
        "cross-entropy, summed",
        lambda A, B, C, M, W: functional.softmax_cross_entropy(A, [0, 3, 1], reduction="sum"),
        "loss = cross_entropy(A, y)",
        4 * 12 + 2 * 3 + 3,
        3 * 12 + 3,
        ["dA = softmax(A) - onehot(y)"],
    ),
    (
        "cross-entropy, per row",
        lambda A, B, C, M, W: functional.softmax_cross_entropy(A, [0, 3, 1], reduction="none"),
        "loss = cross_entropy(A, y)",
        4 * 12 + 2 * 3,
        3 * 12 + 3,
        ["dA = (softmax(A) - onehot(y)) * dloss[:, None]"],
    ),
    (
        "cross-entropy, probabilities",
        lambda A, B, C, M, W: functional.softmax_cross_entropy(A, _targets_soft()),
        "loss = cross_entropy(A, y)",
        7 * 12 + 3 * 3 + 3,
        5 * 12,
        ["dA = (softmax(A) - y) / 3"],
    ),
    (
        "binary cross-entropy",
        lambda A, B, C, M, W: functional.sigmoid_binary_cross_entropy(
            A, (A.data > 0).astype(np.float32)
        ),
        "loss = binary_cross_entropy(A, y)",
        8 * 12 + 12,
        6 * 12,
        ["dA = (sigmoid(A) - y) / 12"],
    ),
]


@pytest.mark.parametrize(
    ("name", "build", "math", "fwd", "bwd", "grads"), CASES, ids=[c[0] for c in CASES]
)
def test_formula_and_flops(name, build, math, fwd, bwd, grads):
    leaves = [
        _leaf((3, 4), "A"),
        _leaf((4,), "B"),
        _leaf((3, 4), "C", positive=True),
        _leaf((4, 5), "M"),
        _leaf((5, 4), "W"),
    ]
    with trace() as t:
        out = build(*leaves)
        total = out if out.size == 1 else out.sum()
        total.backward()
    forward, backward = t.rows[0], [r for r in t.rows if r["pass"] == "backward"][-1]
    assert forward["math"] == math
    assert forward["flops"] == fwd
    assert backward["op"] == forward["op"] and backward["flops"] == bwd
    assert [g["math"] for g in backward["grads"]] == grads
    got = {g["of"]: g for g in backward["grads"]}
    for leaf in leaves:  # every gradient norm is that of the leaf's .grad (used once)
        if leaf.label in got:
            norm = float(np.linalg.norm(leaf.grad.astype(np.float64)))
            assert got[leaf.label]["norm"] == pytest.approx(norm, rel=1e-6)
            assert got[leaf.label]["shape"] == list(leaf.shape)


def test_shapes_line_shows_the_operands_as_used():
    A, M = _leaf((3, 4), "A"), _leaf((4, 5), "M")
    with trace() as t:
        (A @ M).sum()
        A + 1.0
    assert [r["shapes"] for r in t.rows] == [
        "(3, 4) @ (4, 5) -> (3, 5)",
        "(3, 5) -> ()",
        "(3, 4) + () -> (3, 4)",
    ]


def test_under_no_grad_forward_is_recorded_and_backward_is_not():
    from glassnet import no_grad

    A = _leaf((3, 4), "A")
    with trace() as t, no_grad():
        out = A.tanh()
    assert not out.requires_grad
    assert [(r["pass"], r["math"]) for r in t.rows] == [("forward", "t1 = tanh(A)")]
