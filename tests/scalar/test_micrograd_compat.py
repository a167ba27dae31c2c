"""Code written for micrograd runs unchanged with glassnet's imports: its README example,
its engine test expressions and its moons demo. Oracles: hand math and autograd."""

import math

import autograd.numpy as anp
import numpy as np
from autograd import grad
from sklearn.datasets import make_moons

from glassnet.scalar import MLP, Layer, Neuron, Value  # the only line that changes


def readme_example():
    """micrograd's README example, as written there."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def readme_example_np(a, b):
    """The same expression for autograd."""
    relu = lambda z: anp.maximum(z, 0.0)  # noqa: E731
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + relu(b + a)
    d = d + 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def test_readme_example():
    a, b, g = readme_example()
    # The numbers micrograd's README prints:
    assert (f"{g.data:.4f}", f"{a.grad:.4f}", f"{b.grad:.4f}") == (
        "24.7041",
        "138.8338",
        "645.5773",
    )
    assert math.isclose(g.data, readme_example_np(-4.0, 2.0), rel_tol=1e-13)
    assert math.isclose(a.grad, grad(readme_example_np, 0)(-4.0, 2.0), rel_tol=1e-12)
    assert math.isclose(b.grad, grad(readme_example_np, 1)(-4.0, 2.0), rel_tol=1e-12)


def test_sanity_check_expression():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    # By hand at x = -4: z = 3x + 2 = -10 < 0, so q = zx = 3x^2 + 2x = 40 and h = z^2 = 100;
    # y = h + q + qx = -20; dy/dx = 6z + (6x + 2) + q + x (6x + 2) = -60 - 22 + 40 + 88 = 46.
    assert (y.data, x.grad) == (-20.0, 46.0)


def test_constructor_forms_and_attributes():
    a = Value(2.0)
    b = Value(3.0, (), "")
    c = Value(5.0, (a, b), "+")
    d = Value(1.0, label="d")
    assert c._prev == (a, b) and c._op == "+" and d.label == "d"
    assert (a.data, a.grad) == (2.0, 0.0)
    assert repr(a) == "Value(data=2.0, grad=0.0)"


def test_nn_interface():
    n = Neuron(2)
    layer = Layer(2, 3)
    model = MLP(2, [16, 16, 1])
    for m in (n, layer, model):
        assert all(isinstance(p, Value) for p in m.parameters())
        m.zero_grad()
    assert len(n.w) == 2 and isinstance(n.b, Value) and n.nonlin
    assert len(layer.neurons) == 3 and len(model.layers) == 3
    assert not model.layers[-1].neurons[0].nonlin and model.layers[0].neurons[0].nonlin


def _demo_loss(model, X, y):
    """The loss() of micrograd's demo notebook, full batch, unchanged."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def _demo_loss_np(flat, X, y):
    """The same loss in autograd NumPy; ``flat`` holds the parameters in parameters() order."""
    a, i = X.T, 0  # (2, N): one column per sample
    for k, (nout, nin) in enumerate([(16, 2), (16, 16), (1, 16)]):
        block = flat[i : i + nout * (nin + 1)].reshape(nout, nin + 1)  # rows: w..., b
        i += nout * (nin + 1)
        z = anp.dot(block[:, :nin], a) + block[:, nin:]  # (nout, nin) @ (nin, N) -> (nout, N)
        a = anp.maximum(z, 0.0) if k < 2 else z
    data_loss = anp.mean(anp.maximum(1 - y * a[0], 0.0))
    return data_loss + 1e-4 * anp.sum(flat * flat)


def test_moons_demo_gradients_and_training():
    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    y = y * 2 - 1  # NumPy ints, as in the demo
    model = MLP(2, [16, 16, 1], seed=1337)
    flat = np.array([p.data for p in model.parameters()])
    total_loss, acc = _demo_loss(model, X, y)
    model.zero_grad()
    total_loss.backward()
    assert math.isclose(total_loss.data, _demo_loss_np(flat, X, y), rel_tol=1e-12)
    oracle = grad(_demo_loss_np)(flat, X, y)
    assert np.allclose([p.grad for p in model.parameters()], oracle, rtol=1e-10, atol=1e-14)
    first = total_loss.data
    for k in range(25):
        total_loss, acc = _demo_loss(model, X, y)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert total_loss.data < first / 2 and acc >= 0.9
