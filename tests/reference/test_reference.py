"""The five ways of glassnet.reference agree with each other, with autograd and with the
hand-computed gradients of tiny networks; a wrong way would be caught."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from autograd.scipy.special import logsumexp

from glassnet import reference
from glassnet.errors import DataError, DomainError, SettingError, ShapeError
from glassnet.reference import (
    ACTIVATIONS,
    LOSSES,
    WAYS,
    Gradients,
    finite_differences,
    five_ways,
    max_disagreement,
    random_problem,
)

CASES = [(a, loss) for a in ACTIVATIONS for loss in LOSSES]
SIZES = {"mse": (3, 4, 3, 2), "cross_entropy": (3, 4, 3, 3)}


def _autograd_loss(params, X, y, activation, loss):
    """The same network written independently for autograd (sigmoid in its textbook form)."""
    act = anp.tanh if activation == "tanh" else (lambda z: 1.0 / (1.0 + anp.exp(-z)))
    a = X
    for k, (W, b) in enumerate(params):
        z = anp.dot(a, W.T) + b
        a = z if k == len(params) - 1 else act(z)
    if loss == "mse":
        return anp.mean((a - y) ** 2)
    logp = a - logsumexp(a, axis=1, keepdims=True)
    return -anp.mean(logp[np.arange(len(y)), y])


def _autograd(params, X, y, activation, loss):
    params = [(np.array(W), np.array(b)) for W, b in params]
    value = _autograd_loss(params, X, y, activation, loss)
    g = grad(_autograd_loss)(params, X, y, activation, loss)
    return Gradients(float(value), [(dW, db) for dW, db in g])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("activation", "loss"), CASES)
def test_the_five_ways_agree_to_1e_8(seed, activation, loss):
    params, X, y = random_problem(SIZES[loss], n_samples=5, loss=loss, seed=seed)
    results = five_ways(params, X, y, activation=activation, loss=loss)
    assert list(results) == list(WAYS)
    assert max_disagreement(results) <= 1e-8
    # the gradients are not all tiny, so agreeing to 1e-8 says something
    assert max(np.abs(dW).max() for dW, _ in results["loops"].grads) > 1e-2


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize(("activation", "loss"), CASES)
def test_each_way_matches_autograd(way, activation, loss):
    params, X, y = random_problem(SIZES[loss], n_samples=4, loss=loss, seed=7)
    expected = _autograd(params, X, y, activation, loss)
    got = WAYS[way](params, X, y, activation=activation, loss=loss)
    assert max_disagreement([expected, got]) <= (1e-8 if way == "finite_differences" else 1e-12)


def _tiny_tanh_mse():
    """z1 = w1 x + b1, a1 = tanh(z1), out = w2 a1 + b2, L = (out - t)**2, by hand."""
    w1, b1, w2, b2, x, t = 0.7, -0.2, -1.3, 0.4, 0.9, 0.25
    a1 = math.tanh(w1 * x + b1)
    out = w2 * a1 + b2
    dout = 2 * (out - t)
    dz1 = dout * w2 * (1 - a1**2)
    params = [(np.array([[w1]]), np.array([b1])), (np.array([[w2]]), np.array([b2]))]
    grads = [(np.array([[dz1 * x]]), np.array([dz1])), (np.array([[dout * a1]]), np.array([dout]))]
    return params, [[x]], [[t]], Gradients((out - t) ** 2, grads)


def _tiny_softmax():
    """One linear layer, two classes, one sample: dL/dz = softmax(z) - one_hot, by hand."""
    W, b, x, label = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.1, -0.3]), [1.5, -0.5], 1
    z = W @ np.array(x) + b
    p = np.exp(z) / np.exp(z).sum()
    dz = p - np.array([0.0, 1.0])
    return [(W, b)], [x], [label], Gradients(-math.log(p[label]), [(np.outer(dz, x), dz)])


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize(
    ("make", "activation", "loss"),
    [(_tiny_tanh_mse, "tanh", "mse"), (_tiny_softmax, "sigmoid", "cross_entropy")],
)
def test_each_way_matches_gradients_computed_by_hand(way, make, activation, loss):
    params, X, y, expected = make()
    got = WAYS[way](params, X, y, activation=activation, loss=loss)
    assert max_disagreement([expected, got]) <= 1e-9


@pytest.mark.parametrize("way", list(WAYS))
def test_a_small_error_in_any_one_way_is_detected(way):
    params, X, y = random_problem(seed=3)
    results = five_ways(params, X, y)
    for where in ["loss", "dW", "db"]:
        bad = dict(results)
        loss, grads = results[way]
        grads = [(dW.copy(), db.copy()) for dW, db in grads]
        if where == "loss":
            loss += 1e-7
        elif where == "dW":
            grads[1][0][2, 1] -= 1e-7
        else:
            grads[-1][1][0] += 1e-7
        bad[way] = Gradients(loss, grads)
        assert max_disagreement(bad) > 5e-8, where


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forgetting_the_activation_derivative_is_caught(monkeypatch, activation):
    """The classic slip in hand-written backprop: dropping sigma'(z) from delta."""
    params, X, y = random_problem(seed=4)
    ones = lambda s: np.ones_like(s)  # noqa: E731
    table = dict(reference.by_matrices._ARRAY)
    table[activation] = (table[activation][0], ones)
    monkeypatch.setattr(reference.by_matrices, "_ARRAY", table)
    results = five_ways(params, X, y, activation=activation)
    assert max_disagreement(results) > 1e-3
    others = {k: v for k, v in results.items() if k != "matrix_backprop"}
    assert max_disagreement(others) <= 1e-8  # finite differences do not use the derivative


def test_float32_inputs_are_computed_in_float64():
    params, X, y = random_problem(seed=5)
    params32 = [(W.astype(np.float32), b.astype(np.float32)) for W, b in params]
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    widened = [(W.astype(np.float64), b.astype(np.float64)) for W, b in params32]
    for way in WAYS.values():
        got = way(params32, X32, y32)
        assert all(dW.dtype == np.float64 and db.dtype == np.float64 for dW, db in got.grads)
        expected = _autograd(widened, X32.astype(np.float64), y32.astype(np.float64), "tanh", "mse")
        assert max_disagreement([expected, got]) <= 1e-8


def test_results_are_shaped_like_the_parameters_and_inputs_are_untouched():
    params, X, y = random_problem((4, 5, 2), n_samples=3, seed=6)
    before = [(W.copy(), b.copy()) for W, b in params]
    for way in WAYS.values():
        loss, grads = way(params, X, y, activation="sigmoid")
        assert isinstance(loss, float)
        assert [(dW.shape, db.shape) for dW, db in grads] == [(W.shape, b.shape) for W, b in params]
    for (W, b), (W0, b0) in zip(params, before):
        assert np.array_equal(W, W0) and np.array_equal(b, b0)


def test_max_disagreement_is_the_largest_spread_of_any_entry():
    def g(loss, w, b):
        return Gradients(loss, [(np.array([[w, 0.0]]), np.array([b]))])

    results = {"a": g(1.0, 0.5, -1.0), "b": g(1.25, 0.5, -1.0), "c": g(1.0, 0.0, -1.5)}
    assert max_disagreement(results) == 0.5  # w spreads 0.5, b 0.5, the loss 0.25
    assert max_disagreement([g(1.0, 0.5, 2.0)]) == 0.0
    assert max_disagreement([g(1.0, 0.5, 2.0), g(1.0, 0.5, 2.0)]) == 0.0


def test_random_problem_is_reproducible():
    a, b, c = (random_problem(seed=s, loss="cross_entropy") for s in (8, 8, 9))
    for (Wa, ba), (Wb, bb) in zip(a[0], b[0]):
        assert np.array_equal(Wa, Wb) and np.array_equal(ba, bb)
    assert np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    assert not np.array_equal(a[1], c[1])
    assert a[2].dtype.kind == "i" and a[2].max() < 2


def _good():
    return random_problem(seed=0)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda p, X, y: (p, X, y, {"activation": "relu"}), DomainError, "smooth"),
        (lambda p, X, y: (p, X, y, {"loss": "hinge"}), DomainError, "hinge"),
        (
            lambda p, X, y: ([p[0], (p[1][0].T, p[1][1])] + p[2:], X, y, {}),
            ShapeError,
            "layer 1 has W of shape (4, 3)",
        ),
        (lambda p, X, y: ([(p[0][0], p[0][1][:2])] + p[1:], X, y, {}), ShapeError, "layer 0"),
        (lambda p, X, y: ([], X, y, {}), ShapeError, "empty"),
        (lambda p, X, y: (p, X[:, :2], y, {}), ShapeError, "expected (n_samples, 3)"),
        (lambda p, X, y: (p, X, y[:, :1], {}), ShapeError, "expected (4, 2)"),
        (
            lambda p, X, y: (p, X, np.array([0, 1, 2, 1]), {"loss": "cross_entropy"}),
            DataError,
            "0..1",
        ),
        (lambda p, X, y: (p, X, y, {"loss": "cross_entropy"}), ShapeError, "integer class"),
        (lambda p, X, y: (p, np.where(X > 1, np.nan, X), y, {}), DataError, "NaN"),
    ],
)
@pytest.mark.parametrize("way", list(WAYS))
def test_bad_inputs_raise_errors_that_say_what_is_wrong(way, change, error, words):
    params, X, y, kwargs = change(*_good())
    with pytest.raises(error) as info:
        WAYS[way](params, X, y, **kwargs)
    assert words in str(info.value)


def test_other_errors():
    params, X, y = _good()
    with pytest.raises(SettingError, match="eps must be a finite number > 0"):
        finite_differences(params, X, y, eps=0.0)
    with pytest.raises(ShapeError, match="at least one"):
        max_disagreement({})
    one = Gradients(0.0, [(np.zeros((2, 3)), np.zeros(2))])
    two = Gradients(0.0, [(np.zeros((3, 2)), np.zeros(3))])
    with pytest.raises(ShapeError, match="'b' has gradient shapes"):
        max_disagreement({"a": one, "b": two})
    with pytest.raises(ShapeError, match="two positive sizes"):
        random_problem((3,))
    with pytest.raises(DomainError, match="loss"):
        random_problem(loss="l1")
