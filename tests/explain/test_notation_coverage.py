"""Every operation of the tensor engine has its entry in the trace's notation.

Each primitive of ``glassnet.tensor.ops`` and each public function of
``glassnet.tensor.functional`` is run once inside a trace, forward and backward. Every
operation it records (its ``_op``) must be one that the notation's tables know (they also
drive the FLOP count), with a forward formula and, for every operand, a gradient rule other
than the generic ``(op)'(...) * g`` that the notation writes for an operation it does not
know. The composed functions (``logsumexp``, ``log_softmax``, ``softmax``) record no operation
of their own: they are covered through the primitives they are built from, which is checked
here too. Whether each formula is right is checked in test_notation_formulas.py.
"""

import inspect

import numpy as np
import pytest

from glassnet import Tensor
from glassnet.explain import notation, trace
from glassnet.tensor import functional as F
from glassnet.tensor import ops

# One small call per primitive: u (3, 4), v (3, 4) and p (3, 4) > 0 need gradients.
PRIMITIVES = {
    "add": lambda u, v, p: ops.add(u, v),
    "sub": lambda u, v, p: ops.sub(u, v),
    "mul": lambda u, v, p: ops.mul(u, v),
    "div": lambda u, v, p: ops.div(u, p),
    "pow": lambda u, v, p: ops.pow(p, v),
    "neg": lambda u, v, p: ops.neg(u),
    "matmul": lambda u, v, p: ops.matmul(u, v.T),
    "exp": lambda u, v, p: ops.exp(u),
    "log": lambda u, v, p: ops.log(p),
    "tanh": lambda u, v, p: ops.tanh(u),
    "sigmoid": lambda u, v, p: ops.sigmoid(u),
    "relu": lambda u, v, p: ops.relu(u),
    "leaky_relu": lambda u, v, p: ops.leaky_relu(u),
    "abs": lambda u, v, p: ops.abs(u),
    "sqrt": lambda u, v, p: ops.sqrt(p),
    "clip": lambda u, v, p: ops.clip(u, -0.5, 0.5),
    "sum": lambda u, v, p: ops.sum(u, axis=1),
    "mean": lambda u, v, p: ops.mean(u),
    "max": lambda u, v, p: ops.max(u, axis=0),
    "reshape": lambda u, v, p: ops.reshape(u, (2, 6)),
    "transpose": lambda u, v, p: ops.transpose(u),
    "getitem": lambda u, v, p: ops.getitem(u, (slice(1, 3), 0)),
    "concatenate": lambda u, v, p: ops.concatenate([u, v], axis=1),
    "stack": lambda u, v, p: ops.stack([u, v]),
    "linear": lambda u, v, p: ops.linear(u, v, p[:, 0]),
}
FUNCTIONS = {
    "logsumexp": lambda u, v, p: F.logsumexp(u),
    "log_softmax": lambda u, v, p: F.log_softmax(u),
    "softmax": lambda u, v, p: F.softmax(u),
    "softmax_cross_entropy": lambda u, v, p: F.softmax_cross_entropy(u, [0, 3, 1]),
    "sigmoid_binary_cross_entropy": lambda u, v, p: F.sigmoid_binary_cross_entropy(u, p / 2),
}
COMPOSED = ("logsumexp", "log_softmax", "softmax")
KNOWN = (*notation.ELEMENTWISE, *notation.REDUCTIONS, *notation.MOVES, *notation.LOSSES)
KNOWN += ("@", "linear")


def _public_functions(module) -> list[str]:
    return sorted(
        name
        for name, f in vars(module).items()
        if inspect.isfunction(f) and f.__module__ == module.__name__ and not name.startswith("_")
    )


def test_the_tables_below_name_every_primitive_and_every_function():
    assert sorted(PRIMITIVES) == sorted(ops.__all__)
    assert sorted(FUNCTIONS) == _public_functions(F) == sorted(F.__all__)


def _recorded(call) -> tuple[str, list[dict]]:
    """The op ``call`` records on its result, and the rows of a traced forward and backward."""
    rng = np.random.default_rng(0)
    u, v = (Tensor(rng.normal(size=(3, 4)), requires_grad=True) for _ in range(2))
    p = Tensor(rng.uniform(0.5, 2.0, size=(3, 4)), requires_grad=True)
    with trace() as t:
        out = call(u, v, p)
        out.sum().backward()
    return out._op, t.rows


@pytest.mark.parametrize("name", [*PRIMITIVES, *FUNCTIONS])
def test_every_operation_recorded_has_a_formula_and_a_gradient_rule(name):
    op, rows = _recorded({**PRIMITIVES, **FUNCTIONS}[name])
    ops_seen = {r["op"] for r in rows if r["pass"] == "backward"}
    assert op in ops_seen
    for row in rows:
        assert row["op"] in KNOWN, f"{name} records {row['op']!r}, unknown to the notation"
        if row["pass"] == "forward":
            assert row["math"].startswith(f"{row['output']['name']} = "), row["math"]
            continue
        assert row["grads"], f"{row['op']}: no gradient recorded"
        for g in row["grads"]:
            assert g["math"].startswith(f"{g['name']} = ") and ")'(" not in g["math"], g["math"]


def test_composed_functions_are_made_of_primitives_only():
    primitive_ops = {_recorded(call)[0] for call in PRIMITIVES.values()}
    for name in COMPOSED:
        _, rows = _recorded(FUNCTIONS[name])
        assert {r["op"] for r in rows} <= primitive_ops, name


def test_an_unknown_operation_gets_the_generic_rule_that_the_tests_reject():
    text = notation.backward_math("erf", 0, "t1", ["u"], ((3,), [(3,)]), {})
    assert ")'(" in text and notation.forward_math("erf", "t1", ["u"], {}) == "t1 = erf(u)"
