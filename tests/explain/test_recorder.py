"""ReportRecorder: what it records during training, checked against independent computations."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import logsumexp

from glassnet import nn
from glassnet.data import load_dataset
from glassnet.report.recorder import ReportRecorder
from glassnet.train import Callback, Trainer


class Spy(Callback):
    """Keeps its own float64 copies of what the trainer exposes, batch by batch."""

    def __init__(self):
        self.state_before_epoch, self.grads = [], []  # per epoch; grads: per epoch, per batch

    def on_epoch_begin(self, trainer, epoch):
        self.state_before_epoch.append(trainer.model.state_dict())
        self.grads.append([])

    def on_batch_end(self, trainer, epoch, batch, loss):
        params = trainer.model.named_parameters()
        self.grads[-1].append({n: p.grad.astype(np.float64) for n, p in params if p.requires_grad})


def _fit(model, X, y, *, epochs, batch_size, **kw):
    rec, spy = ReportRecorder(), Spy()
    trainer = Trainer(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[rec, spy],
        progress="none",
        seed=0,
        **kw,
    )
    history = trainer.fit(X, y)
    return rec, spy, history


@pytest.fixture(scope="module")
def moons():
    ds = load_dataset("moons", n_samples=120, seed=1)
    return ds.X, ds.y


def _autograd_loss(params, X, y):
    """Mean softmax cross-entropy of a ReLU MLP, written with autograd's NumPy."""
    a = X
    for i, (W, b) in enumerate(params):
        z = a @ W.T + b  # (N, in) @ (in, out) -> (N, out)
        a = anp.maximum(z, 0.0) if i < len(params) - 1 else z
    logp = a - logsumexp(a, axis=1, keepdims=True)  # (N, k)
    return -anp.mean(logp[anp.arange(len(y)), y])


def test_norms_are_the_norms_of_the_true_gradients_on_full_batches(moons):
    """One batch per epoch: the norm recorded is |dL/dW| computed by autograd at the weights
    the epoch started from (the batch is the whole set, shuffled: the mean is unchanged)."""
    X, y = moons
    model = nn.MLP([2, 5, 4, 2], seed=3)
    rec, spy, _ = _fit(model, X, y, epochs=4, batch_size=len(X), optimizer="sgd", lr=0.5)
    names = ["layers.0", "layers.2", "layers.4"]
    assert rec.layer_names == names and rec.epochs == [1, 2, 3, 4]
    grad_fn = autograd.grad(_autograd_loss)
    for e, state in enumerate(spy.state_before_epoch):
        params = [
            (state[f"{n}.weight"].astype(np.float64), state[f"{n}.bias"].astype(np.float64))
            for n in names
        ]
        grads = grad_fn(params, X.astype(np.float64), y)
        for n, (dW, _) in zip(names, grads):
            assert rec.grad_norms[n][e] == pytest.approx(np.linalg.norm(dW), rel=1e-4, abs=1e-7)


def test_each_epoch_holds_the_mean_of_its_batch_norms(moons):
    X, y = moons
    model = nn.MLP([2, 6, 3, 2], activation="tanh", seed=0)
    rec, spy, _ = _fit(model, X, y, epochs=3, batch_size=16)
    assert [len(b) for b in spy.grads] == [8, 8, 8]  # 120 rows in batches of 16
    for n in rec.layer_names:
        expected = [np.mean([np.linalg.norm(g[f"{n}.weight"]) for g in ep]) for ep in spy.grads]
        np.testing.assert_allclose(rec.grad_norms[n], expected, rtol=1e-5)


def test_snapshots_are_the_first_and_last_values_and_are_copies(moons):
    X, y = moons
    model = nn.MLP([2, 4, 2], seed=1)
    initial = model.state_dict()
    rec, spy, _ = _fit(model, X, y, epochs=2, batch_size=32)
    for n in rec.layer_names:
        w = dict(model.named_parameters())[f"{n}.weight"]
        np.testing.assert_array_equal(rec.weights_start[n], initial[f"{n}.weight"])
        np.testing.assert_array_equal(rec.weights_end[n], w.data)
        assert not np.array_equal(rec.weights_start[n], rec.weights_end[n])  # it trained
        np.testing.assert_array_equal(rec.grads_start[n], spy.grads[0][0][f"{n}.weight"])
        np.testing.assert_array_equal(rec.grads_end[n], spy.grads[-1][-1][f"{n}.weight"])
        for snap, live in [(rec.weights_end[n], w.data), (rec.grads_end[n], w.grad)]:
            assert not np.shares_memory(snap, live)
    kept = {n: rec.weights_end[n].copy() for n in rec.layer_names}
    grads = {n: rec.grads_end[n].copy() for n in rec.layer_names}
    for _, p in model.named_parameters():  # change the model in place afterwards
        p.data *= 0.0
        p.grad *= 0.0
    for n in rec.layer_names:
        np.testing.assert_array_equal(rec.weights_end[n], kept[n])
        np.testing.assert_array_equal(rec.grads_end[n], grads[n])


def test_finds_linear_layers_in_order_skipping_dropout_and_frozen_ones(moons):
    X, y = moons
    model = nn.MLP([2, 5, 5, 2], dropout=0.2, seed=0)
    model.layers[3].weight.requires_grad = False  # a frozen middle layer
    rec, _, _ = _fit(model, X, y, epochs=1, batch_size=64)
    assert rec.layer_names == ["layers.0", "layers.6"]
    assert rec.layer_shapes == {"layers.0": (5, 2), "layers.6": (2, 5)}


def test_an_interrupted_epoch_is_averaged_over_the_batches_it_ran(moons):
    X, y = moons

    class StopAt(Callback):
        def on_batch_end(self, trainer, epoch, batch, loss):
            if (epoch, batch) == (2, 3):
                raise KeyboardInterrupt

    rec, spy = ReportRecorder(), Spy()
    trainer = Trainer(
        nn.MLP([2, 4, 2], seed=0),
        epochs=5,
        batch_size=20,
        callbacks=[rec, spy, StopAt()],
        progress="none",
    )
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(X, y)
    assert rec.epochs == [1, 2] and [len(b) for b in spy.grads] == [6, 3]
    expected = np.mean([np.linalg.norm(g["layers.0.weight"]) for g in spy.grads[1]])
    assert rec.grad_norms["layers.0"][1] == pytest.approx(expected, rel=1e-5)
    assert rec.weights_end == {}  # on_train_end never came: snapshot_end() is left to the caller
    rec.snapshot_end()
    np.testing.assert_array_equal(rec.grads_end["layers.0"], spy.grads[1][-1]["layers.0.weight"])


def test_a_new_run_starts_a_new_record(moons):
    X, y = moons
    model, rec = nn.MLP([2, 3, 2], seed=0), ReportRecorder()
    Trainer(model, epochs=2, callbacks=[rec], progress="none").fit(X, y)
    Trainer(model, epochs=1, callbacks=[rec], progress="none").fit(X, y)
    assert rec.epochs == [1] and all(len(v) == 1 for v in rec.grad_norms.values())
