"""dtype discipline: float32 by default, float64 on request, no silent upcasts."""

import numpy as np
import pytest
from tensor_cases import PARAMS

from glassnet.tensor import (
    Tensor,
    concatenate,
    linear,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
    stack,
    tensor,
)


@pytest.mark.parametrize("case", PARAMS)
def test_float32_inputs_give_float32_outputs_and_gradients(case):
    xs = [Tensor(a.astype(np.float32), requires_grad=True) for a in case.inputs]
    out = case.f(*xs)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    for x in xs:
        assert x.grad.dtype == np.float32


X = np.array([[0.5, 0.25], [0.75, 0.125]], dtype=np.float32)
SCALAR_OPS = {  # Python and NumPy scalars meeting a float32 tensor, on either side
    "x + 2": lambda x: x + 2,
    "2 + x": lambda x: 2 + x,
    "x - 0.1": lambda x: x - 0.1,
    "0.1 - x": lambda x: 0.1 - x,
    "x * 3.3": lambda x: x * 3.3,
    "3.3 * x": lambda x: 3.3 * x,
    "x / 2.5": lambda x: x / 2.5,
    "2.5 / x": lambda x: 2.5 / x,
    "x ** 2": lambda x: x**2,
    "x ** 0.5": lambda x: x**0.5,
    "2.0 ** x": lambda x: 2.0**x,
    "x * True": lambda x: x * True,
    "np.float64(2) * x": lambda x: np.float64(2.0) * x,
    "x * np.float64(2)": lambda x: x * np.float64(2.0),
    "x + np.int64(1)": lambda x: x + np.int64(1),
    "x + float64 array": lambda x: x + np.ones((2, 2)),
    "float64 array * x": lambda x: np.full((2, 2), 0.3) * x,
    "x + int array": lambda x: x + np.array([1, 2]),
    "x @ float64 array": lambda x: x @ np.eye(2),
    "clip(float bounds)": lambda x: x.clip(0.2, 0.6),
    "clip(np.float64 bound)": lambda x: x.clip(min=np.float64(0.2)),
    "leaky_relu(np.float64 slope)": lambda x: x.leaky_relu(np.float64(0.3)),
    "mean": lambda x: x.mean(),
    "mean(axis=0) / 3": lambda x: x.mean(axis=0) / 3,
    "max with ties": lambda x: concatenate([x, x]).max(axis=0),
    "concatenate with float64 array": lambda x: concatenate([x, np.ones((1, 2))]),
    "stack with a list": lambda x: stack([x[0], [1.0, 2.0]]),
    "linear with float64 input": lambda W: linear(np.ones((3, 2)), W, np.zeros(2)),
    "cross_entropy with float64 rows": lambda x: softmax_cross_entropy(x, np.full((2, 2), 0.5)),
    "cross_entropy with indices": lambda x: softmax_cross_entropy(x, np.array([0, 1])),
    "bce with float64 targets": lambda x: sigmoid_binary_cross_entropy(x, np.eye(2)),
}


@pytest.mark.parametrize("f", list(SCALAR_OPS.values()), ids=list(SCALAR_OPS))
def test_numbers_and_arrays_never_upcast_a_float32_tensor(f):
    x = Tensor(X.copy(), requires_grad=True)
    out = f(x)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float64))  # even a float64 seed gradient
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("f", list(SCALAR_OPS.values()), ids=list(SCALAR_OPS))
def test_float64_tensors_stay_float64(f):
    x = Tensor(X.astype(np.float64), requires_grad=True)
    out = f(x)
    assert out.dtype == np.float64
    out.backward(np.ones(out.shape))
    assert x.grad.dtype == np.float64


BOUNDARY = {
    "int list": [1, 2],
    "int": 3,
    "float": 2.5,
    "nested": [[1.5, 2]],
    "tuple": (1.0, 2.0),
    "int64": np.array([1, 2], dtype=np.int64),
    "bool": np.array([True, False]),
    "uint8": np.array([1, 2], dtype=np.uint8),
    "float16": np.array([0.5], dtype=np.float16),
}


@pytest.mark.parametrize("data", list(BOUNDARY.values()), ids=list(BOUNDARY))
def test_everything_else_becomes_float32_at_the_boundary(data):
    t = tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float64, "float64", np.dtype("float64")])
def test_float64_when_asked(dtype):
    t = tensor([1, 2], dtype=dtype, requires_grad=True)
    assert t.dtype == np.float64
    (t * 2.0).sum().backward()
    assert t.grad.dtype == np.float64


def test_two_tensors_of_different_dtypes_follow_numpy_promotion():
    a = tensor([1.0], requires_grad=True)
    b = tensor([2.0], dtype="float64", requires_grad=True)
    c = a * b
    assert c.dtype == np.float64
    c.backward(np.ones(1))
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
