"""The table of tensor functions that the forward, gradcheck and autograd tests share.

Each :class:`Case` is one function of one or more differentiable float64 inputs, written
twice: once with glassnet (``f``) and once as plain array code (``ref(xp, *arrays)``) that
runs both on NumPy (the forward oracle) and on ``autograd.numpy`` (the gradient oracle).
Constants (class indices, targets, exponents) live inside the functions. Inputs stay away
from kinks (0 for relu/abs, the bounds of clip, ties for max) except in the tests that
check the subgradient chosen there by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from glassnet.tensor import (
    concatenate,
    linear,
    log_softmax,
    logsumexp,
    sigmoid_binary_cross_entropy,
    softmax,
    softmax_cross_entropy,
    stack,
)


@dataclass(frozen=True)
class Case:
    name: str
    f: Callable  # glassnet: f(*tensors) -> Tensor
    ref: Callable  # ref(xp, *arrays) -> array, xp being numpy or autograd.numpy
    inputs: tuple  # float64 arrays, one per differentiable input
    eps: float = 1e-6  # central-difference step: about 1e-6 times the inputs' magnitude
    atol: float = 1e-5  # gradcheck's absolute tolerance; 0 where the gradients are tiny


_rng = np.random.default_rng(20240601)


def away(shape, lo=-2.0, hi=2.0, gap=0.1):
    """Uniform values in [lo, hi] whose magnitude is at least ``gap`` (no kinks at 0)."""
    x = _rng.uniform(lo, hi, size=shape)
    return np.where(np.abs(x) < gap, np.copysign(gap, x) + x, x)


def pos(shape, lo=0.5, hi=2.0):
    return _rng.uniform(lo, hi, size=shape)


def distinct(shape):
    """Values with no ties (for max): a shuffled arithmetic progression plus noise."""
    n = int(np.prod(shape))
    return (_rng.permutation(n) * 0.37 - n * 0.15 + _rng.uniform(0, 0.1, n)).reshape(shape)


SCALAR = np.array(0.7)
S2 = np.array(-1.3)
M = away((3, 4))
M2 = away((3, 4))
BROADCAST = [  # pairs NumPy broadcasts: (name, a, b)
    ("row", away((3, 4)), away((4,))),
    ("outer", away((3, 1)), away((1, 4))),
    ("3d", away((2, 3, 4)), away((3, 1))),
    ("scalar-matrix", away(()), away((3, 4))),
]


def _sigmoid(xp, x):
    return xp.exp(-xp.logaddexp(0.0, -x))  # 1 / (1 + e**-x) without overflow


# --- element-wise binary operations -------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, lambda xp, a, b: a + b, away),
    "sub": (lambda a, b: a - b, lambda xp, a, b: a - b, away),
    "mul": (lambda a, b: a * b, lambda xp, a, b: a * b, away),
    "div": (lambda a, b: a / b, lambda xp, a, b: a / b, away),
    "pow": (lambda a, b: a**b, lambda xp, a, b: a**b, pos),
}


def _binary_cases() -> list[Case]:
    cases = []
    for op, (f, ref, gen) in BINARY.items():
        pairs = [("scalar", SCALAR, S2), ("matrix", M, M2)]
        pairs += [(f"broadcast-{n}", a, b) for n, a, b in BROADCAST]
        if op == "pow":  # a positive base: the exponent's derivative needs log(a)
            pairs = [(n, np.abs(a) + 0.2, b) for n, a, b in pairs]
        cases += [Case(f"{op}/{n}", f, ref, (a, b)) for n, a, b in pairs]
        for n, (a, b), eps, atol in _binary_extremes(op):
            cases.append(Case(f"{op}/extreme-{n}", f, ref, (a, b), eps, atol))
        # a Python number on either side
        cases.append(
            Case(
                f"{op}/number-right",
                lambda a, f=f: f(a, 1.5),
                lambda xp, a, ref=ref: ref(xp, a, 1.5),
                (gen((3, 4)),),
            )
        )
        cases.append(
            Case(
                f"{op}/number-left",
                lambda a, f=f: f(1.5, a),
                lambda xp, a, ref=ref: ref(xp, 1.5, a),
                (gen((3, 4)),),
            )
        )
    cases.append(
        Case(
            "pow/integer-exponent-negative-base",
            lambda a: a**3,
            lambda xp, a: a**3,
            (away((3, 4)),),
        )
    )
    cases.append(Case("neg/matrix", lambda a: -a, lambda xp, a: -a, (M,)))
    cases.append(Case("neg/scalar", lambda a: -a, lambda xp, a: -a, (SCALAR,)))
    return cases


def _binary_extremes(op):
    """(name, (a, b), eps): large and tiny magnitudes, one scale per case so that a single
    central-difference step suits every entry."""
    if op == "pow":
        return [
            ("large-base", (pos((3, 4), 1e2, 1e3), away((3, 4), -1.5, 1.5)), 1e-6, 1e-5),
            ("tiny-base", (pos((3, 4), 1e-4, 1e-3), pos((3, 4), 0.5, 1.5)), 1e-10, 1e-5),
        ]
    large = (away((3, 4), -1e6, 1e6, 1e5), away((3, 4), -1e6, 1e6, 1e5))
    tiny = (away((3, 4), -1e-6, 1e-6, 1e-7), away((3, 4), -1e-6, 1e-6, 1e-7))
    return [("large", large, 1.0, 0.0), ("tiny", tiny, 1e-12, 0.0)]


# --- element-wise unary functions ---------------------------------------------------------

BIG = np.array([[-1e6, -1e5], [2e5, 1e6]])
TINY = np.array([[-1e-5, -1e-6], [2e-6, 1e-5]])
UNARY = {  # name: (glassnet, reference, generator, [(extreme name, x, eps, atol)])
    "exp": (
        lambda a: a.exp(),
        lambda xp, a: xp.exp(a),
        away,
        [
            ("large", np.array([[80.0, 80.5], [81.0, 81.5]]), 1e-6, 0.0),
            ("very-negative", np.array([[-700.0, -699.5], [-699.0, -698.5]]), 1e-6, 0.0),
        ],
    ),
    "log": (
        lambda a: a.log(),
        lambda xp, a: xp.log(a),
        pos,
        [
            ("large", np.array([[1e8, 2e8], [5e8, 1e9]]), 1e2, 0.0),
            ("tiny", np.array([[1e-8, 2e-8], [5e-8, 1e-7]]), 1e-15, 0.0),
        ],
    ),
    "sqrt": (
        lambda a: a.sqrt(),
        lambda xp, a: xp.sqrt(a),
        pos,
        [
            ("large", np.array([[1e8, 2e8], [5e8, 1e9]]), 1e2, 0.0),
            ("tiny", np.array([[1e-8, 2e-8], [5e-8, 1e-7]]), 1e-15, 0.0),
        ],
    ),
    "tanh": (
        lambda a: a.tanh(),
        lambda xp, a: xp.tanh(a),
        away,  # saturated: gradient ~0
        [("saturated", np.array([[-30.0, -8.0], [8.0, 30.0]]), 1e-6, 1e-5)],
    ),
    "sigmoid": (
        lambda a: a.sigmoid(),
        _sigmoid,
        away,
        [("saturated", np.array([[-800.0, -40.0], [40.0, 800.0]]), 1e-6, 1e-5)],
    ),
    "relu": (
        lambda a: a.relu(),
        lambda xp, a: xp.where(a > 0, a, 0.0),
        away,
        [("large", BIG, 1.0, 0.0), ("tiny", TINY, 1e-7, 0.0)],
    ),
    "leaky_relu": (
        lambda a: a.leaky_relu(0.1),
        lambda xp, a: xp.where(a > 0, a, 0.1 * a),
        away,
        [("large", BIG, 1.0, 0.0), ("tiny", TINY, 1e-7, 0.0)],
    ),
    "abs": (
        lambda a: a.abs(),
        lambda xp, a: xp.abs(a),
        away,
        [("large", BIG, 1.0, 0.0), ("tiny", TINY, 1e-7, 0.0)],
    ),
    "clip": (
        lambda a: a.clip(-1.0, 1.0),
        lambda xp, a: xp.clip(a, -1.0, 1.0),
        away,
        [("large", np.array([[-1e6, -0.5], [0.5, 1e6]]), 1e-6, 1e-5)],
    ),
    "clip-min-only": (
        lambda a: a.clip(min=-0.5),
        lambda xp, a: xp.where(a > -0.5, a, -0.5),
        away,
        [("large", np.array([[-1e6, -0.25], [0.25, 1e6]]), 1e-3, 0.0)],
    ),
    "clip-max-only": (
        lambda a: a.clip(max=0.5),
        lambda xp, a: xp.where(a < 0.5, a, 0.5),
        away,
        [("large", np.array([[-1e6, -0.25], [0.25, 1e6]]), 1e-3, 0.0)],
    ),
}


def _unary_cases() -> list[Case]:
    cases = []
    for op, (f, ref, gen, extremes) in UNARY.items():
        scalar = np.array(0.7) if gen is pos else np.array(-0.7)
        cases.append(Case(f"{op}/scalar", f, ref, (scalar,)))
        cases.append(Case(f"{op}/matrix", f, ref, (gen((3, 4)),)))
        for name, x, eps, atol in extremes:
            cases.append(Case(f"{op}/extreme-{name}", f, ref, (x,), eps, atol))
    return cases


# --- reductions ---------------------------------------------------------------------------

AXES = [
    (None, False),
    (None, True),
    (0, False),
    (1, True),
    (-1, False),
    ((0, 2), False),
    ((0, 1), True),
]


def _reduction_cases() -> list[Case]:
    cases = []
    x3 = distinct((2, 3, 4))
    for op in ("sum", "mean", "max"):
        for axis, keep in AXES:
            cases.append(
                Case(
                    f"{op}/axis={axis},keepdims={keep}",
                    lambda a, op=op, axis=axis, keep=keep: getattr(a, op)(axis=axis, keepdims=keep),
                    lambda xp, a, op=op, axis=axis, keep=keep: getattr(xp, op)(
                        a, axis=axis, keepdims=keep
                    ),
                    (x3,),
                )
            )
        cases.append(
            Case(
                f"{op}/scalar",
                lambda a, op=op: getattr(a, op)(),
                lambda xp, a, op=op: getattr(xp, op)(a),
                (np.array(2.5),),
            )
        )
        for name, x, eps in (
            ("large", np.array([[1e8, 3e8], [-2e8, 5e8]]), 1.0),
            ("tiny", np.array([[1e-8, -3e-8], [2e-8, 5e-8]]), 1e-15),
        ):
            cases.append(
                Case(
                    f"{op}/extreme-{name}",
                    lambda a, op=op: getattr(a, op)(axis=0),
                    lambda xp, a, op=op: getattr(xp, op)(a, axis=0),
                    (x,),
                    eps,
                    0.0,
                )
            )
    return cases


# --- matrix products ----------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (2, 3, 4)),
    ((2, 2, 3), (3, 4)),
    ((4, 2, 3), (1, 3, 2)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
]


def _matmul_cases() -> list[Case]:
    cases = [
        Case(
            f"matmul/{sa}@{sb}",
            lambda a, b: a @ b,
            lambda xp, a, b: xp.matmul(a, b),
            (away(sa), away(sb)),
        )
        for sa, sb in MATMUL_SHAPES
    ]
    cases.append(
        Case(
            "matmul/extreme",
            lambda a, b: a @ b,
            lambda xp, a, b: xp.matmul(a, b),
            (away((2, 3), -1e5, 1e5), away((3, 2), -1e-5, 1e-5, 1e-6)),
        )
    )
    b4 = away((4,))
    lin = [
        ("batch", (5, 3), True),
        ("no-bias", (5, 3), False),
        ("vector", (3,), True),
        ("3d", (2, 5, 3), True),
    ]
    for name, xs, with_b in lin:
        if with_b:
            cases.append(
                Case(
                    f"linear/{name}",
                    lambda x, W, b: linear(x, W, b),
                    lambda xp, x, W, b: xp.dot(x, W.T) + b,
                    (away(xs), away((4, 3)), b4),
                )
            )
        else:
            cases.append(
                Case(
                    f"linear/{name}",
                    lambda x, W: linear(x, W),
                    lambda xp, x, W: xp.dot(x, W.T),
                    (away(xs), away((4, 3))),
                )
            )
    return cases


# --- shapes and indexing ------------------------------------------------------------------

INDEXES = {
    "slice": (slice(1, None), slice(None, None, 2)),
    "int": 1,
    "negative-int": (-1, 2),
    "int-array-repeated": np.array([0, 2, 0, 0]),
    "int-list-repeated": [2, 2, 0],
    "np-integer": np.int64(2),
    "pair-of-int-arrays": (np.array([0, 1, 0]), np.array([3, 3, 1])),
    "bool-mask": np.array([True, False, True]),
    "ellipsis-newaxis": (Ellipsis, None, slice(0, 2)),
}


def _shape_cases() -> list[Case]:
    x = away((3, 4))
    x3 = away((2, 3, 4))
    cases = [
        Case(
            "reshape/(4, 3)", lambda a: a.reshape(4, 3), lambda xp, a: xp.reshape(a, (4, 3)), (x,)
        ),
        Case("reshape/-1", lambda a: a.reshape(-1), lambda xp, a: xp.reshape(a, -1), (x,)),
        Case(
            "reshape/(2, -1)",
            lambda a: a.reshape((2, -1)),
            lambda xp, a: xp.reshape(a, (2, -1)),
            (x,),
        ),
        Case(
            "reshape/scalar-to-(1, 1)",
            lambda a: a.reshape(1, 1),
            lambda xp, a: xp.reshape(a, (1, 1)),
            (SCALAR,),
        ),
        Case("transpose/T", lambda a: a.T, lambda xp, a: xp.transpose(a), (x,)),
        Case("transpose/()", lambda a: a.transpose(), lambda xp, a: xp.transpose(a), (x3,)),
        Case(
            "transpose/(2, 0, 1)",
            lambda a: a.transpose(2, 0, 1),
            lambda xp, a: xp.transpose(a, (2, 0, 1)),
            (x3,),
        ),
        Case(
            "transpose/((1, 2, 0))",
            lambda a: a.transpose((1, 2, 0)),
            lambda xp, a: xp.transpose(a, (1, 2, 0)),
            (x3,),
        ),
        Case(
            "transpose/negative-axes",
            lambda a: a.transpose(-1, 0, -2),
            lambda xp, a: xp.transpose(a, (2, 0, 1)),
            (x3,),
        ),
        Case(
            "transpose/swap(0, 2)",
            lambda a: a.transpose(0, 2),
            lambda xp, a: xp.swapaxes(a, 0, 2),
            (x3,),
        ),
        Case(
            "concatenate/axis0",
            lambda a, b: concatenate([a, b]),
            lambda xp, a, b: xp.concatenate([a, b]),
            (away((2, 3)), away((4, 3))),
        ),
        Case(
            "concatenate/axis1-three",
            lambda a, b, c: concatenate([a, b, c], axis=1),
            lambda xp, a, b, c: xp.concatenate([a, b, c], axis=1),
            (away((2, 1)), away((2, 3)), away((2, 2))),
        ),
        Case(
            "concatenate/axis-1-with-constant",
            lambda a: concatenate([a, np.ones((2, 2))], axis=-1),
            lambda xp, a: xp.concatenate([a, np.ones((2, 2))], axis=-1),
            (away((2, 3)),),
        ),
        Case(
            "stack/axis0",
            lambda a, b: stack([a, b]),
            lambda xp, a, b: xp.stack([a, b]),
            (away((2, 3)), away((2, 3))),
        ),
        Case(
            "stack/axis-1",
            lambda a, b, c: stack([a, b, c], axis=-1),
            lambda xp, a, b, c: xp.stack([a, b, c], axis=-1),
            (away((2, 3)), away((2, 3)), away((2, 3))),
        ),
        Case(
            "stack/scalars",
            lambda a, b: stack([a, b]),
            lambda xp, a, b: xp.stack([a, b]),
            (SCALAR, S2),
        ),
    ]
    for name, idx in INDEXES.items():
        cases.append(
            Case(f"index/{name}", lambda a, idx=idx: a[idx], lambda xp, a, idx=idx: a[idx], (x,))
        )
    return cases


# --- composites and fused losses ----------------------------------------------------------


def _lse(xp, x, axis=-1, keepdims=False):
    m = xp.max(x, axis=axis, keepdims=True)  # lse(x) = m + lse(x - m) for any m
    s = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else xp.squeeze(s, axis=axis)


def _log_softmax(xp, x, axis=-1):
    return x - _lse(xp, x, axis, keepdims=True)


Y_IDX = np.array([0, 2, 1, 2, 0])
Y_PROB = np.random.default_rng(7).dirichlet(np.ones(3), size=5)
Y_BIN = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.25], [0.5, 0.0, 1.0], [1.0, 1.0, 0.0]])
REDUCE = {"mean": lambda xp, r: xp.mean(r), "sum": lambda xp, r: xp.sum(r), "none": lambda xp, r: r}


def _ce_ref(xp, z, y, reduction):
    logp = _log_softmax(xp, z, axis=1)
    rows = -logp[np.arange(len(y)), y] if y.ndim == 1 else -xp.sum(y * logp, axis=1)
    return REDUCE[reduction](xp, rows)


def _bce_ref(xp, z, y, reduction):
    return REDUCE[reduction](xp, xp.logaddexp(0.0, z) - z * y)  # log(1 + e**z) - z y


def _composite_cases() -> list[Case]:
    z = away((5, 3), -3, 3)
    big = np.array([[1e4, 1e4 - 1.0, 1e4 - 5.0], [-1e4, -1e4 + 2.0, -1e4 + 0.5]])
    huge_gap = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4 + 1.0]])
    cases = []
    for kind, x in (
        ("matrix", z),
        ("logits-1e4", big),
        ("logits-mixed", huge_gap),
        ("vector", away((4,))),
    ):
        cases += [
            Case(f"logsumexp/{kind}", lambda a: logsumexp(a), lambda xp, a: _lse(xp, a), (x,)),
            Case(
                f"log_softmax/{kind}",
                lambda a: log_softmax(a),
                lambda xp, a: _log_softmax(xp, a),
                (x,),
            ),
            Case(
                f"softmax/{kind}",
                lambda a: softmax(a),
                lambda xp, a: xp.exp(_log_softmax(xp, a)),
                (x,),
            ),
        ]
    cases += [
        Case(
            "logsumexp/axis0-keepdims",
            lambda a: logsumexp(a, axis=0, keepdims=True),
            lambda xp, a: _lse(xp, a, 0, True),
            (z,),
        ),
        Case(
            "softmax/axis0",
            lambda a: softmax(a, axis=0),
            lambda xp, a: xp.exp(_log_softmax(xp, a, 0)),
            (z,),
        ),
    ]
    for red in REDUCE:
        for yname, y in (("indices", Y_IDX), ("probabilities", Y_PROB)):
            cases.append(
                Case(
                    f"cross_entropy/{yname}/{red}",
                    lambda a, y=y, red=red: softmax_cross_entropy(a, y, reduction=red),
                    lambda xp, a, y=y, red=red: _ce_ref(xp, a, y, red),
                    (z,),
                )
            )
        cases.append(
            Case(
                f"binary_cross_entropy/{red}",
                lambda a, red=red: sigmoid_binary_cross_entropy(a, Y_BIN, reduction=red),
                lambda xp, a, red=red: _bce_ref(xp, a, Y_BIN, red),
                (away((4, 3), -4, 4),),
            )
        )
    zb = np.array([[-100.0, 100.0, 0.0], [30.0, -30.0, 1e-3]])
    yb = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.5]])
    cases.append(
        Case(
            "binary_cross_entropy/extreme",
            lambda a: sigmoid_binary_cross_entropy(a, yb),
            lambda xp, a: _bce_ref(xp, a, yb, "mean"),
            (zb,),
        )
    )
    cases.append(
        Case(
            "cross_entropy/logits-1e4",
            lambda a: softmax_cross_entropy(a, np.array([1, 0])),
            lambda xp, a: _ce_ref(xp, a, np.array([1, 0]), "mean"),
            (big,),
        )
    )
    return cases


CASES: list[Case] = (
    _binary_cases()
    + _unary_cases()
    + _reduction_cases()
    + _matmul_cases()
    + _shape_cases()
    + _composite_cases()
)
PARAMS = [pytest.param(c, id=c.name) for c in CASES]
