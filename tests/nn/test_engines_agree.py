"""The scalar and tensor engines give the same outputs and gradients for the same MLP."""

import numpy as np
import pytest

from glassnet.losses import mse
from glassnet.nn import MLP, Linear
from glassnet.scalar import MLP as ScalarMLP
from glassnet.scalar import Value
from glassnet.tensor import Tensor


def _copy_weights(tensor_model, scalar_model):
    """W[j, i] of each Linear layer is weight i of neuron j; b[j] is neuron j's bias."""
    linears = [m for m in tensor_model.layers if isinstance(m, Linear)]
    assert len(linears) == len(scalar_model.layers)
    for lin, layer in zip(linears, scalar_model.layers):
        for j, neuron in enumerate(layer.neurons):
            for i, wi in enumerate(neuron.w):
                wi.data = float(lin.weight.data[j, i])
            neuron.b.data = float(lin.bias.data[j])
    return linears


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_scalar_and_tensor_engines_agree_on_an_mlp(rng, activation):
    sizes = [3, 4, 3, 2]
    tensor_model = MLP(sizes, activation=activation, seed=1, dtype=np.float64)
    for p in tensor_model.parameters():  # non-zero biases, so they matter too
        p.data[...] = rng.standard_normal(p.shape) * 0.8
    scalar_model = ScalarMLP(sizes[0], sizes[1:], activation=activation, seed=0)
    linears = _copy_weights(tensor_model, scalar_model)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))

    x = Tensor(X, requires_grad=True)
    out = tensor_model(x)
    mse(out, Y).backward()

    xs = [[Value(float(v)) for v in row] for row in X]
    outs = [scalar_model(row) for row in xs]
    loss = sum((o - float(y)) ** 2 for os, ys in zip(outs, Y) for o, y in zip(os, ys))
    (loss / Y.size).backward()

    np.testing.assert_allclose(out.data, [[o.data for o in os] for os in outs], rtol=1e-12)
    for lin, layer in zip(linears, scalar_model.layers):
        dW = [[wi.grad for wi in n.w] for n in layer.neurons]
        db = [n.b.grad for n in layer.neurons]
        np.testing.assert_allclose(lin.weight.grad, dW, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(lin.bias.grad, db, rtol=1e-10, atol=1e-12)
    dX = [[v.grad for v in row] for row in xs]
    np.testing.assert_allclose(x.grad, dX, rtol=1e-10, atol=1e-12)
