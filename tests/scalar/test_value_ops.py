"""Every Value primitive: forward against NumPy/SciPy, gradient against autograd and
against a float64 central difference, over ordinary and extreme inputs; domain errors."""

import math
import operator

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from autograd.scipy.special import expit

from glassnet import gradcheck
from glassnet.errors import DataError, DomainError
from glassnet.scalar import Value

# (name, glassnet function of Values, autograd/NumPy function of floats, points)
UNARY = [
    ("neg", lambda x: -x, lambda x: -x, [-2.5, 0.0, 3.0, 1e300, -1e-300]),
    (
        "relu",
        lambda x: x.relu(),
        lambda x: anp.maximum(x, 0.0),
        [-3.0, -1e-8, 1e-8, 0.7, 1e6, -1e300, 1e300],
    ),
    (
        "tanh",
        lambda x: x.tanh(),
        anp.tanh,
        [-2.0, -0.3, 0.0, 0.5, 3.0, 19.0, -19.0, 1000.0, -1000.0],
    ),
    (
        "sigmoid",
        lambda x: x.sigmoid(),
        expit,
        [-3.0, 0.0, 0.4, 5.0, 36.0, -36.0, 700.0, -700.0, 1000.0, -1000.0],
    ),
    ("exp", lambda x: x.exp(), anp.exp, [-1000.0, -5.0, 0.0, 1.5, 700.0]),
    ("log", lambda x: x.log(), anp.log, [1e-300, 1e-3, 0.5, 1.0, 10.0, 1e300]),
    ("square", lambda x: x**2, lambda x: x**2, [-1e150, -3.0, 0.0, 0.5, 1e150]),
    ("cube", lambda x: x**3, lambda x: x**3, [-1e100, -2.0, 0.0, 1.5]),
    ("reciprocal", lambda x: x**-1, lambda x: x**-1, [-4.0, 1e-150, 0.3, 1e300]),
    ("sqrt", lambda x: x**0.5, lambda x: x**0.5, [1e-300, 0.25, 4.0, 1e300]),
    ("pow_-2.5", lambda x: x**-2.5, lambda x: x**-2.5, [0.1, 3.0, 1e100]),
    ("add_const", lambda x: x + 1.5, lambda x: x + 1.5, [-2.0, 0.0, 1e300]),
    ("const_add", lambda x: 1.5 + x, lambda x: 1.5 + x, [-2.0, 0.0, 1e300]),
    ("sub_const", lambda x: x - 1.5, lambda x: x - 1.5, [-2.0, 0.0, -1e300]),
    ("const_sub", lambda x: 1.5 - x, lambda x: 1.5 - x, [-2.0, 0.0, 1e300]),
    ("mul_const", lambda x: x * -2.0, lambda x: x * -2.0, [-2.0, 0.0, 1e300]),
    ("const_mul", lambda x: -2.0 * x, lambda x: -2.0 * x, [-2.0, 0.0, 1e300]),
    ("div_const", lambda x: x / 4.0, lambda x: x / 4.0, [-2.0, 0.0, 1e300]),
    ("const_div", lambda x: 3.0 / x, lambda x: 3.0 / x, [-2.0, 0.7, 1e-150, 1e150]),
    ("const_pow", lambda x: 2.0**x, lambda x: 2.0**x, [-1000.0, -3.0, 0.0, 1.5, 1000.0]),
    ("int_operand", lambda x: 3 * x + 2, lambda x: 3 * x + 2, [-1.0, 4.0]),
]

BINARY = [
    ("add", lambda a, b: a + b, [(1.5, -2.0), (1e300, -1e300), (0.0, 0.0)]),
    ("sub", lambda a, b: a - b, [(1.5, -2.0), (1e300, 1e300), (0.0, 0.0)]),
    ("mul", lambda a, b: a * b, [(1.5, -2.0), (1e150, -1e150), (0.0, 3.0)]),
    ("div", lambda a, b: a / b, [(1.5, -2.0), (-1e150, 1e150), (0.0, 3.0)]),
    ("pow", lambda a, b: a**b, [(2.0, 3.0), (0.5, -1.5), (1.0, 7.0), (10.0, 300.0)]),
]


def _eps(*xs):
    """A step that moves each input by about one part in a million."""
    scale = min((abs(x) for x in xs if x != 0.0), default=1.0)
    return 1e-6 * min(scale, 1.0) if scale < 1.0 else 1e-6 * scale


def _autograd_grads(f, args):
    # The oracle may overflow inside (autograd's tanh' is 1/cosh(x)**2): that is harmless.
    with np.errstate(over="ignore"):
        return [float(grad(f, i)(*args)) for i in range(len(args))]


def _close(a, b, rel=1e-12, abs_tol=1e-300):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol) or (a == b)


UNARY_CASES = [(n, g, f, x) for n, g, f, xs in UNARY for x in xs]
BINARY_CASES = [(n, f, p) for n, f, ps in BINARY for p in ps]


@pytest.mark.parametrize(
    ("name", "g", "f", "x"), UNARY_CASES, ids=[f"{c[0]}({c[3]:g})" for c in UNARY_CASES]
)
def test_unary_forward_and_gradient(name, g, f, x):
    v = Value(x)
    out = g(v)
    with np.errstate(over="ignore"):
        expected = float(f(x))
    assert _close(out.data, expected, rel=1e-14), (out.data, expected)
    out.backward()
    (ag,) = _autograd_grads(f, (x,))
    # abs_tol: in the tails autograd's sigmoid' = s (1 - s) is off by up to one rounding error
    assert _close(v.grad, ag, abs_tol=1e-15), (v.grad, ag)
    assert math.isfinite(v.grad)
    gradcheck(g, [Value(x)], eps=_eps(x))


@pytest.mark.parametrize(
    ("name", "f", "point"), BINARY_CASES, ids=[f"{c[0]}{c[2]}" for c in BINARY_CASES]
)
def test_binary_forward_and_gradient(name, f, point):
    a, b = Value(point[0]), Value(point[1])
    out = f(a, b)
    assert _close(out.data, float(f(*point)), rel=1e-14)
    assert out._prev == (a, b)
    out.backward()
    ga, gb = _autograd_grads(f, point)
    assert _close(a.grad, ga) and _close(b.grad, gb), ((a.grad, ga), (b.grad, gb))
    gradcheck(f, [Value(point[0]), Value(point[1])], eps=_eps(*point))


@pytest.mark.parametrize(
    ("expr", "op"),
    [
        (lambda a, b: a + b, "+"),
        (lambda a, b: a - b, "-"),
        (lambda a, b: a * b, "*"),
        (lambda a, b: a / b, "/"),
        (lambda a, b: a**b, "**"),
        (lambda a, b: a**2, "**2"),
        (lambda a, b: a**0.5, "**0.5"),
        (lambda a, b: -a, "neg"),
        (lambda a, b: a.relu(), "relu"),
        (lambda a, b: a.tanh(), "tanh"),
        (lambda a, b: a.sigmoid(), "sigmoid"),
        (lambda a, b: a.exp(), "exp"),
        (lambda a, b: a.log(), "log"),
    ],
)
def test_op_names(expr, op):
    assert expr(Value(2.0), Value(3.0))._op == op


def test_constants_become_leaf_operands_in_order():
    a = Value(2.0)
    c = 5 - a
    assert [p.data for p in c._prev] == [5.0, 2.0] and c._prev[1] is a
    assert c._prev[0]._prev == () and c.data == 3.0
    d = a / 4
    assert d._prev[0] is a and d._prev[1].data == 4.0


@pytest.mark.parametrize(
    ("update", "expected", "grad"),
    [
        (operator.iadd, 5.0, 1.0),
        (operator.isub, -1.0, 1.0),
        (operator.imul, 6.0, 3.0),
        (operator.itruediv, 2.0 / 3.0, 1.0 / 3.0),
        (operator.ipow, 8.0, 12.0),
    ],
)
def test_in_place_forms_build_new_nodes(update, expected, grad):
    a = Value(2.0)
    c = update(a, 3)  # what `c = a; c op= 3` does
    assert c is not a and a.data == 2.0 and c._prev[0] is a
    assert math.isclose(c.data, expected)
    c.backward()
    assert math.isclose(a.grad, grad)


def test_value_holds_a_python_float():
    for raw in (3, True, np.float64(0.1), np.float32(1.5), np.int64(-2), np.array(0.25)):
        v = Value(raw)
        assert type(v.data) is float and v.data == float(raw)
    assert Value(1.0).grad == 0.0 and Value(1.0)._prev == () and Value(1.0)._op == ""


@pytest.mark.parametrize("bad", ["abc", None, [1.0, 2.0], np.zeros(3)])
def test_value_rejects_non_numbers(bad):
    with pytest.raises(DataError, match="one real number"):
        Value(bad)


@pytest.mark.parametrize("other", ["a", None, [1.0]])
def test_unsupported_operands_raise_type_error(other):
    a = Value(1.0)
    for op in (lambda: a + other, lambda: other * a, lambda: a**other, lambda: other - a):
        with pytest.raises(TypeError):
            op()


def test_saturating_functions_are_exact_and_finite():
    for x, fn, y, dy in [
        (1000.0, "tanh", 1.0, 0.0),
        (-1000.0, "tanh", -1.0, 0.0),
        (-1000.0, "sigmoid", 0.0, 0.0),
        (1000.0, "sigmoid", 1.0, 0.0),
        (-1000.0, "exp", 0.0, 0.0),
    ]:
        v = Value(x)
        out = getattr(v, fn)()
        out.backward()
        assert out.data == y and v.grad == dy and math.isfinite(v.grad)


@pytest.mark.parametrize(
    ("fn", "x", "expected"),
    # Hand math in the tails: sech(x)**2 = 4 e^{-2|x|} (1 + O(e^{-2|x|})),
    # sigmoid'(x) = e^{-|x|} (1 + O(e^{-|x|})); the O() terms are below 1e-15 here.
    [
        ("tanh", 19.0, 4 * math.exp(-38.0)),
        ("tanh", -25.0, 4 * math.exp(-50.0)),
        ("tanh", 300.0, 4 * math.exp(-600.0)),
        ("sigmoid", 36.0, math.exp(-36.0)),
        ("sigmoid", -40.0, math.exp(-40.0)),
        ("sigmoid", 700.0, math.exp(-700.0)),
    ],
)
def test_tail_derivatives_keep_their_digits(fn, x, expected):
    v = Value(x)
    getattr(v, fn)().backward()
    assert math.isclose(v.grad, expected, rel_tol=1e-12)


def test_kinks_and_limits_at_zero():
    # relu'(0) = 0 by choice; x**0.5 has a vertical tangent at 0; x**0 is constant.
    for f, grad_at_0 in [
        (lambda x: x.relu(), 0.0),
        (lambda x: x**0.5, math.inf),
        (lambda x: x**0, 0.0),
        (lambda x: x**1, 1.0),
        (lambda x: x**2, 0.0),
        (lambda x: x**3, 0.0),
    ]:
        x = Value(0.0)
        f(x).backward()
        assert x.grad == grad_at_0
    x = Value(-2.0)
    (x**3).backward()
    assert x.grad == 12.0  # 3 * (-2)**2: a negative base with an integer exponent


@pytest.mark.parametrize(
    ("expr", "shown"),
    [
        (lambda: Value(0.0).log(), "log(0.0)"),
        (lambda: Value(-1.5).log(), "log(-1.5)"),
        (lambda: Value(710.0).exp(), "exp(710.0)"),
        (lambda: Value(0.0) ** -1, "0.0 ** -1"),
        (lambda: Value(-8.0) ** (1 / 3), "-8.0 ** 0.333"),
        (lambda: Value(-2.0) ** Value(2.0), "-2.0 ** Value(2.0)"),
        (lambda: Value(0.0) ** Value(2.0), "0.0 ** Value(2.0)"),
        (lambda: Value(1e200) ** 2, "1e+200 ** 2"),
        (lambda: 10 ** Value(400.0), "10.0 ** 400.0"),
        (lambda: Value(1e-300) ** -2, "1e-300 ** -2"),
        (lambda: Value(1.0) / 0, "1.0 / 0.0"),
        (lambda: 2 / Value(0.0), "2.0 / 0.0"),
    ],
)
def test_domain_errors_name_the_value(expr, shown):
    with pytest.raises(DomainError) as info:
        expr()
    assert shown in str(info.value)
    assert isinstance(info.value, ValueError)


def test_repr_is_micrograds():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"
