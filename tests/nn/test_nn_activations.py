"""Activation modules against NumPy formulas and central differences."""

import numpy as np
import pytest

from glassnet import gradcheck
from glassnet.nn import ACTIVATIONS, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from glassnet.tensor import Tensor


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


CASES = [
    (ReLU(), lambda x: np.maximum(x, 0)),
    (LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    (LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (Tanh(), np.tanh),
    (Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (Softmax(), lambda x: _softmax(x, -1)),
    (Softmax(axis=0), lambda x: _softmax(x, 0)),
    (Identity(), lambda x: x),
]
IDS = ["relu", "leaky", "leaky0.2", "tanh", "sigmoid", "softmax", "softmax0", "identity"]


@pytest.mark.parametrize("module, formula", CASES, ids=IDS)
def test_activation_matches_its_numpy_formula(rng, module, formula):
    x = rng.standard_normal((6, 5)) * 3
    out = module(Tensor(x))
    np.testing.assert_allclose(out.data, formula(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("module, formula", CASES, ids=IDS)
def test_activation_gradient_passes_gradcheck(rng, module, formula):
    x = rng.standard_normal((4, 3))
    x[np.abs(x) < 0.05] = 0.5  # stay away from the kink of relu-like functions
    t = Tensor(x, requires_grad=True)
    gradcheck(lambda t: module(t) * 1.0, [t])


def test_activations_accept_numpy_arrays_and_keep_float32():
    out = ReLU()(np.array([-1.0, 3.0], dtype=np.float32))
    assert out.dtype == np.float32 and out.data.tolist() == [0.0, 3.0]


def test_activations_have_no_parameters_and_readable_reprs():
    assert all(cls().parameters() == [] for cls in ACTIVATIONS.values())
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(Softmax(axis=0)) == "Softmax(axis=0)"
    assert repr(ReLU()) == "ReLU()"
    assert list(ACTIVATIONS) == ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]
