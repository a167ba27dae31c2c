"""Neuron, Layer and MLP: structure, initialisation, forward against NumPy, gradients
against autograd, and micrograd's keyword forms."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from autograd.scipy.special import expit

from glassnet import gradcheck
from glassnet.errors import SettingError, ShapeError
from glassnet.scalar import MLP, Layer, Module, Neuron, Value, weighted_sum

NP_ACT = {
    "relu": lambda z: anp.maximum(z, 0.0),
    "tanh": anp.tanh,
    "sigmoid": expit,
    "linear": lambda z: z,
}


def _weights(model):
    """(W, b) per layer as arrays: W of shape (nout, nin), b of shape (nout,)."""
    out = []
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])  # (nout, nin)
        b = np.array([n.b.data for n in layer.neurons])  # (nout,)
        out.append((W, b))
    return out


def _np_forward(flat, shapes, x, act):
    """The MLP in autograd NumPy from a flat parameter vector in parameters() order."""
    a, i = x, 0
    for k, (nout, nin) in enumerate(shapes):
        block = flat[i : i + nout * (nin + 1)].reshape(nout, nin + 1)  # each row: w..., b
        i += nout * (nin + 1)
        z = anp.dot(block[:, :nin], a) + block[:, nin]  # (nout, nin) @ (nin,) -> (nout,)
        a = NP_ACT[act](z) if k < len(shapes) - 1 else z
    return a


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "linear"])
def test_mlp_forward_and_gradients_match_numpy_and_autograd(act):
    model = MLP(3, [5, 4, 2], activation=act, seed=1)
    shapes = [(5, 3), (4, 5), (2, 4)]
    x = [0.4, -1.3, 2.0]
    flat = np.array([p.data for p in model.parameters()])
    out = model(x)
    expected = _np_forward(flat, shapes, np.array(x), act)
    assert np.allclose([o.data for o in out], expected, rtol=1e-13, atol=1e-15)
    loss = out[0] * 0.7 - out[1] ** 2
    loss.backward()
    oracle = grad(
        lambda p: (lambda o: o[0] * 0.7 - o[1] ** 2)(_np_forward(p, shapes, np.array(x), act))
    )(flat)
    assert np.allclose([p.grad for p in model.parameters()], oracle, rtol=1e-12, atol=1e-15)


def test_parameter_counts_and_order():
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 4).parameters()) == 16
    assert len(MLP(2, [16, 16, 1]).parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    n = Neuron(2, seed=0)
    assert n.parameters() == n.w + [n.b]


def test_initialisation_is_reproducible_and_in_range():
    a, b, c = (MLP(3, [4, 4, 1], seed=s) for s in (7, 7, 8))
    da, db, dc = ([p.data for p in m.parameters()] for m in (a, b, c))
    assert da == db and da != dc
    for layer in a.layers:
        for n in layer.neurons:
            assert n.b.data == 0.0
            assert all(-1.0 <= w.data <= 1.0 for w in n.w)
    weights = [w.data for layer in a.layers for n in layer.neurons for w in n.w]
    assert len(set(weights)) == len(weights)  # every neuron gets its own draw
    rng = np.random.default_rng(3)
    assert [w.data for w in Neuron(3, rng=rng).w] != [w.data for w in Neuron(3, rng=rng).w]


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_hidden_layers_use_the_activation_and_the_last_is_linear(act):
    model = MLP(2, [3, 3, 1], activation=act, seed=0)
    y = model([0.5, -0.5])
    assert y._op == "w·x+b"  # no activation on the output
    hidden = y._prev[3:6]  # operands are (*w, *x, b): the second layer's outputs
    assert [h._op for h in hidden] == [act] * 3
    assert [h._prev[0]._prev[4]._op for h in hidden] == [act] * 3  # first layer's outputs


def test_call_return_types():
    layer = Layer(2, 1, seed=0)
    assert isinstance(layer([1.0, 2.0]), list) and len(layer([1.0, 2.0])) == 1
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(o, Value) for o in out)
    assert isinstance(Neuron(2, seed=0)([1.0, 2.0]), Value)


def test_inputs_may_be_numbers_or_values():
    model = MLP(2, [3, 1], seed=0)
    xs = [Value(0.5), Value(-1.0)]
    a = model(xs)
    assert a.data == model([0.5, -1.0]).data == model(np.array([0.5, -1.0])).data
    a.backward()
    assert all(x.grad != 0.0 for x in xs)  # gradients reach Value inputs


def test_micrograd_keywords():
    assert Neuron(3, nonlin=False).activation == "linear"
    assert Neuron(3, False).activation == "linear"  # micrograd's positional form
    assert Neuron(3).activation == "relu" and Neuron(3).nonlin
    assert all(n.activation == "linear" for n in Layer(3, 2, nonlin=False).neurons)
    assert Neuron(3, activation=None).activation == "linear"
    assert repr(Neuron(3)) == "ReLUNeuron(3)" and repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    assert repr(Layer(2, 2, activation="tanh")) == "Layer of [TanhNeuron(2), TanhNeuron(2)]"
    assert repr(MLP(1, [1])) == "MLP of [Layer of [LinearNeuron(1)]]"


def test_errors_name_what_is_wrong():
    with pytest.raises(SettingError, match="activation must be one of .*, got 'softplus'"):
        MLP(2, [3, 1], activation="softplus")
    with pytest.raises(ShapeError, match="expects 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(ShapeError, match=r"Layer\(3, 2\) expects 3 inputs, got 4"):
        Layer(3, 2)([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ShapeError, match="at least one layer"):
        MLP(2, [])
    with pytest.raises(SettingError, match="nout must be a positive integer, got 0"):
        MLP(2, [3, 0])
    with pytest.raises(SettingError, match=r"nin must be a positive integer, got 2\.5"):
        Neuron(2.5)
    assert len(Neuron(np.int64(2), seed=0).w) == 2  # a NumPy integer is a width too


def test_zero_grad_and_a_custom_module():
    class Pair(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self):
            return [self.a, self.b]

    m = Pair()
    (m.a * m.b).backward()
    assert (m.a.grad, m.b.grad) == (2.0, 1.0)
    m.zero_grad()
    assert (m.a.grad, m.b.grad) == (0.0, 0.0)
    assert Module().parameters() == []


def test_parameters_have_distinct_labels():
    labels = [p.label for p in MLP(2, [3, 2], seed=0).parameters()]
    assert len(set(labels)) == len(labels)
    assert labels[:3] == ["L0.n0.w0", "L0.n0.w1", "L0.n0.b"]


@pytest.mark.parametrize("n", [1, 3, 16])
def test_weighted_sum_equals_its_composed_twin(n, rng):
    wd, xd, bd = rng.standard_normal(n), rng.standard_normal(n), float(rng.standard_normal())
    w1, x1, b1 = [Value(v) for v in wd], [Value(v) for v in xd], Value(bd)
    w2, x2, b2 = [Value(v) for v in wd], [Value(v) for v in xd], Value(bd)
    fused = weighted_sum(w1, x1, b1)
    composed = sum((wi * xi for wi, xi in zip(w2, x2)), b2)  # b + w0 x0 + w1 x1 + ...
    assert fused.data == composed.data
    fused.tanh().backward()
    composed.tanh().backward()
    for u, v in zip(w1 + x1 + [b1], w2 + x2 + [b2]):
        assert u.grad == v.grad
    assert math.isclose(b1.grad, 1 - math.tanh(fused.data) ** 2, rel_tol=1e-12)
    gradcheck(
        lambda *vs: weighted_sum(vs[:n], vs[n : 2 * n], vs[2 * n]).sigmoid(),
        [Value(v) for v in [*wd, *xd, bd]],
    )
