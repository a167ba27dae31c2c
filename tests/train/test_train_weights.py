"""Trainer options the estimators rely on: sample weights, the L2 penalty, min_delta,
shuffle=False and release_data."""

import numpy as np
import pytest

from glassnet import losses, nn
from glassnet.errors import DataError, DomainError
from glassnet.gradcheck import gradcheck
from glassnet.tensor import Tensor
from glassnet.train import Trainer


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _fit(X, y, w=None, **kw):
    model = nn.MLP([4, 5, 2], seed=1, dtype=np.float64)
    opts = dict(epochs=20, batch_size=len(X), lr=0.05, progress="none") | kw
    Trainer(model, **opts).fit(X, y, sample_weight=w)
    return model


def test_integer_sample_weights_equal_repeated_rows_in_a_full_batch():
    X, y = _data()
    w = np.random.default_rng(1).integers(0, 4, len(y))
    weighted = _fit(X, y, w)
    repeated = _fit(X.repeat(w, axis=0), y.repeat(w), batch_size=int(w.sum()))
    for a, b in zip(weighted.parameters(), repeated.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)


def test_unit_weights_equal_no_weights_and_bad_weights_are_refused():
    X, y = _data()
    a, b = _fit(X, y), _fit(X, y, np.ones(len(y)))
    np.testing.assert_allclose(a.parameters()[0].data, b.parameters()[0].data, rtol=1e-12)
    with pytest.raises(DataError, match=r"sample_weight of shape \(3,\) for 30 samples"):
        _fit(X, y, np.ones(3))
    with pytest.raises(DataError, match="must be finite, >= 0"):
        _fit(X, y, -np.ones(len(y)))


def test_weighted_mean_against_numpy_and_its_errors():
    rng = np.random.default_rng(0)
    per = rng.random((6, 3))
    w = rng.integers(0, 3, 6).astype(float) + 0.5
    got = losses.weighted_mean(Tensor(per), w).item()
    assert got == pytest.approx(np.average(per.mean(axis=1), weights=w), rel=1e-6)
    with pytest.raises(DomainError, match="positive sum"):
        losses.weighted_mean(Tensor(per), np.zeros(6))


def test_l2_penalty_value_and_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    W1 = Tensor(rng.normal(size=(3, 2)), requires_grad=True, dtype=np.float64)
    W2 = Tensor(rng.normal(size=(2, 2)), requires_grad=True, dtype=np.float64)
    value = losses.l2_penalty([W1, W2], 0.3).item()
    assert value == pytest.approx(0.15 * ((W1.data**2).sum() + (W2.data**2).sum()))
    assert gradcheck(lambda a, b: losses.l2_penalty([a, b], 0.3), (W1, W2))


def test_l2_shrinks_the_weights_but_not_the_biases():
    X, y = _data()
    free, decayed = _fit(X, y, epochs=50), _fit(X, y, epochs=50, l2=1.0)
    assert np.linalg.norm(decayed.layers[0].weight.data) < np.linalg.norm(
        free.layers[0].weight.data
    )
    model = nn.MLP([4, 2], seed=0, dtype=np.float64)
    model.layers[0].weight.data[...] = 0.0
    Trainer(model, epochs=1, l2=10.0, batch_size=30, progress="none").fit(X, y)
    assert model.layers[0].bias.data.any()  # the penalty did not hold the biases at 0


def test_min_delta_stops_when_the_improvements_are_small():
    X, y = _data()
    model = nn.MLP([4, 5, 2], seed=1)
    trainer = Trainer(
        model,
        epochs=200,
        batch_size=30,
        lr=0.01,
        early_stopping=3,
        min_delta=0.05,
        progress="none",
    )
    trainer.fit(X, y)
    assert trainer.epoch < 200


def test_shuffle_false_keeps_the_order_and_release_data_keeps_the_run_going():
    X, y = _data()
    trainer = Trainer(
        nn.MLP([4, 2], seed=0), epochs=1, batch_size=7, shuffle=False, progress="none"
    )
    trainer.fit(X, y)
    first = [yb.tolist() for yb in (b[1] for b in trainer.loader)]
    assert first[0] == y[:7].tolist()
    trainer.release_data()
    assert trainer.loader is None
    trainer.epochs = 2
    trainer.fit(X, y)
    assert trainer.epoch == 2
