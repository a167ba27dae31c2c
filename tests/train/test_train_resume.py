"""A run resumed from a checkpoint ends bit-identical to the same run without interruption."""

import numpy as np
import pytest

from glassnet import nn, optim
from glassnet.train import Trainer

TOTAL, FIRST = 8, 3  # epochs of the whole run, and before the interruption


@pytest.fixture(scope="module")
def iris(iris_split):
    return iris_split(3)


SETUPS = {
    "momentum": dict(optimizer="momentum", lr=0.05, restore_best=False),  # the last weights
    "adam": dict(optimizer="adam", lr=0.01),
    "adam+schedule": dict(
        optimizer="adam", lr=0.01, scheduler=lambda o: optim.StepLR(o, step_size=2, gamma=0.7)
    ),
}


def _trainer(setup, seed, **kwargs):
    model = nn.MLP([4, 16, 16, 3], dropout=0.2, seed=seed)  # dropout: its generator matters
    return Trainer(
        model, **SETUPS[setup], batch_size=16, early_stopping=TOTAL, progress="none", **kwargs
    )


def _fingerprint(trainer):
    """Everything that must agree: weights, optimizer state, history (minus time), generators."""
    rows = [{k: v for k, v in r.items() if k != "time"} for r in trainer.history.rows]
    drop = [m.rng.bit_generator.state for m in trainer.model.modules() if isinstance(m, nn.Dropout)]
    return {
        "weights": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "history": rows,
        "loader": trainer.loader.state_dict(),
        "dropout": drop,
        "best": trainer.best,
        "lr": trainer.optimizer.lr,
    }


def _assert_identical(a, b, where="run"):
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _assert_identical(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_identical(x, y, f"{where}/{i}")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b), f"{where}: values differ"
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


def _interrupted_and_resumed(setup, data, tmp_path, tamper=None):
    X, y, Xv, yv = data
    first = _trainer(setup, seed=0, checkpoint_dir=tmp_path)
    first.epochs = FIRST
    first.fit(X, y, validation_data=(Xv, yv))
    resumed = _trainer(setup, seed=123)  # other initial weights: the checkpoint must replace them
    resumed.load_checkpoint(tmp_path / "last.safetensors")
    assert resumed.epoch == FIRST and len(resumed.history) == FIRST
    if tamper:
        tamper(resumed)
    resumed.epochs = TOTAL
    resumed.fit(X, y, validation_data=(Xv, yv))
    return resumed


@pytest.mark.parametrize("setup", list(SETUPS))
def test_resumed_run_ends_bit_identical_to_an_uninterrupted_one(iris, tmp_path, setup):
    X, y, Xv, yv = iris
    whole = _trainer(setup, seed=0)
    whole.epochs = TOTAL
    whole.fit(X, y, validation_data=(Xv, yv))
    resumed = _interrupted_and_resumed(setup, iris, tmp_path)
    assert len(whole.history) == TOTAL
    _assert_identical(_fingerprint(resumed), _fingerprint(whole))


def _reseed_dropout(trainer):
    for m in trainer.model.modules():
        if isinstance(m, nn.Dropout):
            m.rng = np.random.default_rng(999)


def _forget_loader(trainer):
    trainer._loader_state = None  # as if the batch order had not been saved


@pytest.mark.parametrize("tamper", [_reseed_dropout, _forget_loader])
def test_the_comparison_notices_a_generator_that_was_not_restored(iris, tmp_path, tamper):
    X, y, Xv, yv = iris
    whole = _trainer("adam", seed=0)
    whole.epochs = TOTAL
    whole.fit(X, y, validation_data=(Xv, yv))
    resumed = _interrupted_and_resumed("adam", iris, tmp_path, tamper=tamper)
    assert not np.array_equal(
        resumed.model.state_dict()["layers.0.weight"], whole.model.state_dict()["layers.0.weight"]
    )


def test_resuming_from_the_best_checkpoint_replays_the_rest_of_the_run(iris, tmp_path):
    X, y, Xv, yv = iris
    whole = _trainer("adam", seed=0, checkpoint_dir=tmp_path)
    whole.epochs = TOTAL
    whole.fit(X, y, validation_data=(Xv, yv))
    best_epoch = whole.best["epoch"]
    again = _trainer("adam", seed=7)
    again.load_checkpoint(tmp_path / "best.safetensors")
    assert again.epoch == best_epoch
    again.epochs = TOTAL
    again.fit(X, y, validation_data=(Xv, yv))
    _assert_identical(_fingerprint(again), _fingerprint(whole))


def test_an_early_stopped_run_stays_stopped_when_resumed(iris, tmp_path):
    X, y, Xv, _ = iris
    yv = np.random.default_rng(5).integers(0, 3, len(Xv))  # the validation loss soon rises
    first = Trainer(
        nn.MLP([4, 16, 3], seed=0),
        epochs=60,
        early_stopping=2,
        checkpoint_dir=tmp_path,
        progress="none",
    )
    first.fit(X, y, validation_data=(Xv, yv))
    assert first.stop_training and first.epoch < 60
    again = Trainer(nn.MLP([4, 16, 3], seed=1), epochs=60, early_stopping=2, progress="none")
    again.load_checkpoint(tmp_path / "last.safetensors")
    again.fit(X, y, validation_data=(Xv, yv))
    assert again.epoch == first.epoch
    _assert_identical(again.model.state_dict(), first.model.state_dict())  # the best weights


class _LastWeights:
    """Records the weights at the end of every epoch (before any restore of the best)."""

    def __init__(self):
        self.states = {}

    def on_epoch_end(self, trainer, epoch, logs):
        self.states[epoch] = trainer.model.state_dict()

    def __getattr__(self, event):  # the other events: nothing to do
        return lambda *args: None


def test_fitting_again_with_more_epochs_continues_as_an_uninterrupted_run(iris, tmp_path):
    X, y, Xv, _ = iris
    yv = np.random.default_rng(5).integers(0, 3, len(Xv))  # the validation loss soon rises

    def trainer(epochs, snap):
        model = nn.MLP([4, 16, 3], dropout=0.2, seed=0)
        return Trainer(
            model,
            epochs=epochs,
            batch_size=16,
            early_stopping=20,
            callbacks=[snap],
            progress="none",
        )

    whole_snap, again_snap = _LastWeights(), _LastWeights()
    whole = trainer(10, whole_snap)
    whole.fit(X, y, validation_data=(Xv, yv))
    again = trainer(5, again_snap)
    again.fit(X, y, validation_data=(Xv, yv))
    assert again.best["epoch"] < 5  # the best weights were put back: not the last ones
    again.epochs = 10
    again.fit(X, y, validation_data=(Xv, yv))
    for epoch in range(1, 11):
        _assert_identical(again_snap.states[epoch], whole_snap.states[epoch], f"epoch {epoch}")
    _assert_identical(_fingerprint(again), _fingerprint(whole))
    # a checkpoint taken after the first fit resumes the same way
    first = trainer(5, _LastWeights())
    first.fit(X, y, validation_data=(Xv, yv))
    first.save_checkpoint(tmp_path / "after.safetensors")
    resumed = trainer(10, _LastWeights())
    resumed.load_checkpoint(tmp_path / "after.safetensors")
    resumed.fit(X, y, validation_data=(Xv, yv))
    _assert_identical(_fingerprint(resumed), _fingerprint(whole))
