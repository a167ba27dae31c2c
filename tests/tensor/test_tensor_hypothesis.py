"""Property tests: generated shapes, broadcasting pairs and axes for the binary ops and
reductions, checked against NumPy (forward) and ``autograd`` (gradients)."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glassnet.tensor import Tensor

SETTINGS = settings(max_examples=25, deadline=None)

ANY = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
NONZERO = st.floats(0.5, 3) | st.floats(-3, -0.5)
POSITIVE = st.floats(0.5, 3)

BINARY = {  # name: (operator, elements of a, elements of b)
    "add": (lambda a, b: a + b, ANY, ANY),
    "sub": (lambda a, b: a - b, ANY, ANY),
    "mul": (lambda a, b: a * b, ANY, ANY),
    "div": (lambda a, b: a / b, ANY, NONZERO),
    "pow": (lambda a, b: a**b, POSITIVE, st.floats(-2, 2)),
}


@st.composite
def broadcast_pairs(draw, elements_a, elements_b):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4))
    a = draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=elements_a))
    b = draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=elements_b))
    return a, b


def _check_gradients(f, arrays, seed=0):
    """Backward through glassnet against autograd, for sum(f(*arrays) * w)."""
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*ts)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(w)
    for k, t in enumerate(ts):
        expected = autograd.grad(lambda *xs: anp.sum(f(*xs) * w), k)(*arrays)
        assert t.grad.shape == arrays[k].shape
        np.testing.assert_allclose(t.grad, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_ops_on_generated_broadcasting_pairs(op):
    f, ea, eb = BINARY[op]

    @SETTINGS
    @given(pair=broadcast_pairs(ea, eb))
    def check(pair):
        a, b = pair
        out = f(Tensor(a), Tensor(b))
        np.testing.assert_array_equal(out.data, f(a, b))
        _check_gradients(f, [a, b])

    check()


@st.composite
def arrays_and_axes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    x = draw(hnp.arrays(np.float64, shape, elements=ANY))
    axis = draw(
        st.none()
        | hnp.valid_tuple_axes(len(shape), min_size=1)
        | st.integers(-len(shape), len(shape) - 1)
    )
    return x, axis, draw(st.booleans())


def _reduce(x, op, axis, keepdims):
    """The reduction on a Tensor (glassnet) or on an array (autograd.numpy)."""
    if isinstance(x, Tensor):
        return getattr(x, op)(axis=axis, keepdims=keepdims)
    return getattr(anp, op)(x, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_reductions_on_generated_shapes_and_axes(op):
    @SETTINGS
    @given(case=arrays_and_axes())
    def check(case):
        x, axis, keepdims = case
        out = _reduce(Tensor(x), op, axis, keepdims)
        expected = getattr(np, op)(x, axis=axis, keepdims=keepdims)
        assert out.shape == np.shape(expected)
        np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
        # autograd, like glassnet, shares the gradient of a tied maximum equally
        _check_gradients(lambda a: _reduce(a, op, axis, keepdims), [x])

    check()
