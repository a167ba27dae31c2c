"""Checkpoints every N epochs and at the best validation loss; divergence keeps the last one."""

import math

import numpy as np
import pytest

from glassnet import io, losses, nn, optim
from glassnet.errors import GlassnetError, ModelFileError
from glassnet.train import Callback, Trainer, TrainingDiverged


@pytest.fixture(scope="module")
def iris(iris_split):
    return iris_split(2)


class Snapshots(Callback):
    """The weights and optimizer state at each epoch's end, and every checkpoint written."""

    def __init__(self):
        self.states, self.opt, self.written = {}, {}, []

    def on_epoch_end(self, trainer, epoch, logs):
        self.states[epoch] = trainer.model.state_dict()
        self.opt[epoch] = trainer.optimizer.state_dict()

    def on_checkpoint(self, trainer, path):
        self.written.append((trainer.epoch, path.name, path.read_bytes()))


def _assert_tree_equal(a, b):
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_tree_equal(a[k], b[k])
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    else:
        assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def test_checkpoints_every_n_epochs_and_at_each_best_validation_loss(iris, tmp_path):
    X, y, Xv, yv = iris
    snap = Snapshots()
    trainer = Trainer(
        nn.MLP([4, 8, 3], seed=0),
        epochs=7,
        checkpoint_dir=tmp_path,
        checkpoint_every=3,
        callbacks=[snap],
        progress="none",
    )
    history = trainer.fit(X, y, validation_data=(Xv, yv))
    val = history["val_loss"]
    improved = [e for e in range(1, 8) if val[e - 1] < min(val[: e - 1], default=math.inf)]
    expected = []
    for e in range(1, 8):
        expected += [(e, "best.safetensors")] if e in improved else []
        expected += [(e, "last.safetensors")] if e % 3 == 0 else []
    assert [(e, name) for e, name, _ in snap.written] == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.safetensors", "last.safetensors"]

    last = io.load_checkpoint(tmp_path / "last.safetensors")
    assert last["extra"]["epoch"] == 6
    _assert_tree_equal(last["model"], snap.states[6])
    _assert_tree_equal(last["optimizer"], snap.opt[6])
    assert last["extra"]["history"] == history.rows[:6]

    best = io.load_checkpoint(tmp_path / "best.safetensors")
    b = int(np.argmin(val)) + 1
    assert best["extra"]["epoch"] == b == improved[-1]
    _assert_tree_equal(best["model"], snap.states[b])
    _assert_tree_equal(best["optimizer"], snap.opt[b])
    assert best["extra"]["best"]["score"] == val[b - 1]


def test_checkpoint_every_zero_writes_only_the_best(iris, tmp_path):
    X, y, Xv, yv = iris
    Trainer(
        nn.MLP([4, 3], seed=0),
        epochs=2,
        checkpoint_dir=tmp_path,
        checkpoint_every=0,
        progress="none",
    ).fit(X, y, validation_data=(Xv, yv))
    assert [p.name for p in tmp_path.iterdir()] == ["best.safetensors"]


def test_a_checkpoint_cannot_be_taken_in_the_middle_of_an_epoch(iris, tmp_path):
    X, y, _, _ = iris

    class SaveMidEpoch(Callback):
        def on_batch_end(self, trainer, epoch, batch, loss):
            trainer.save_checkpoint(tmp_path / "mid.safetensors")

    trainer = Trainer(nn.MLP([4, 3], seed=0), epochs=1, callbacks=[SaveMidEpoch()], progress="none")
    with pytest.raises(GlassnetError, match=r"during epoch 1 \(batch 1\).*between epochs"):
        trainer.fit(X, y)
    assert not (tmp_path / "mid.safetensors").exists()


class BlowUpAt(Callback):
    """Sets a huge learning rate when epoch ``at`` begins."""

    def __init__(self, at):
        self.at = at

    def on_epoch_begin(self, trainer, epoch):
        if epoch == self.at:
            trainer.optimizer.lr = 1e30


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_diverging_run_stops_naming_epoch_and_batch_and_keeps_the_last_good_checkpoint(
    iris, tmp_path, optimizer
):
    X, y, Xv, yv = iris
    snap = Snapshots()
    trainer = Trainer(
        nn.MLP([4, 16, 3], seed=0),
        optimizer=optimizer,
        lr=0.01,
        epochs=10,
        checkpoint_dir=tmp_path,
        callbacks=[snap, BlowUpAt(4)],
        progress="none",
    )
    with pytest.raises(TrainingDiverged) as info:
        trainer.fit(X, y, validation_data=(Xv, yv))
    msg = str(info.value)
    assert info.value.epoch == 4 and info.value.batch >= 1
    assert f"at epoch 4, batch {info.value.batch}" in msg
    assert "try a smaller learning rate (it is 1e+30)" in msg
    assert f"last good checkpoint, after epoch 3, is {tmp_path / 'last.safetensors'}" in msg
    assert "\n" not in msg
    assert isinstance(info.value, FloatingPointError) and isinstance(info.value, GlassnetError)
    # the file is the one written after epoch 3, byte for byte, and it loads
    written = [b for e, name, b in snap.written if name == "last.safetensors"]
    assert (tmp_path / "last.safetensors").read_bytes() == written[-1]
    ck = io.load_checkpoint(tmp_path / "last.safetensors")
    assert ck["extra"]["epoch"] == 3
    _assert_tree_equal(ck["model"], snap.states[3])
    assert all(np.isfinite(w).all() for w in ck["model"].values())


def test_a_nan_loss_names_its_batch_and_leaves_the_weights_of_the_batch_before(iris):
    X, y, _, _ = iris
    seen = []

    def loss(out, target):
        value = losses.cross_entropy(out, target)
        seen.append(1)
        return value * float("nan") if len(seen) == 7 else value  # epoch 3, batch 1

    class Keep(Callback):
        def on_batch_end(self, trainer, epoch, batch, value):
            self.state = trainer.model.state_dict()

    keep = Keep()
    model = nn.MLP([4, 3], seed=0)
    trainer = Trainer(model, loss=loss, batch_size=50, epochs=5, callbacks=[keep], progress="none")
    assert len(y) == 119  # 3 batches of at most 50 per epoch
    with pytest.raises(TrainingDiverged, match="the loss became nan at epoch 3, batch 1;") as info:
        trainer.fit(X, y)
    assert (info.value.epoch, info.value.batch) == (3, 1)
    assert "checkpoint" not in str(info.value)  # none was asked for
    for name, w in model.state_dict().items():
        np.testing.assert_array_equal(w, keep.state[name])


def test_without_checkpoints_the_message_still_names_the_rate():
    X = np.array([[1e30, -1e30]] * 8, dtype=np.float32)  # overflows the first layer
    y = np.array([0, 1] * 4)
    model = nn.MLP([2, 4, 2], seed=0)
    trainer = Trainer(
        model, optimizer=optim.SGD(model.named_parameters(), lr=1.0), epochs=2, progress="none"
    )
    with pytest.raises(
        TrainingDiverged,
        match=r"at epoch \d, batch 1; try a smaller learning "
        r"rate \(it is 1\)$",
    ):
        trainer.fit(X, y)


def test_loading_a_checkpoint_that_does_not_fit_is_a_clear_error(iris, tmp_path):
    X, y, _, _ = iris
    t = Trainer(nn.MLP([4, 8, 3], seed=0), epochs=1, progress="none")
    t.fit(X, y)
    path = t.save_checkpoint(tmp_path / "ck.safetensors")
    with pytest.raises(
        ModelFileError,
        match=r"'layers.0.weight' has shape \(8, 4\), expected "
        r"\(5, 4\)",
    ):
        Trainer(nn.MLP([4, 5, 3], seed=0)).load_checkpoint(path)
    with pytest.raises(ModelFileError, match="optimizer state does not fit.*Adam"):
        Trainer(nn.MLP([4, 8, 3], seed=0), optimizer="sgd").load_checkpoint(path)
    with pytest.raises(ModelFileError, match="has no learning-rate schedule"):
        Trainer(nn.MLP([4, 8, 3], seed=0), scheduler=lambda o: optim.StepLR(o, 2)).load_checkpoint(
            path
        )
    other = io.save_checkpoint(tmp_path / "other.safetensors", {"w": np.zeros(2)}, {}, {})
    with pytest.raises(ModelFileError, match="not one written by Trainer.save_checkpoint"):
        Trainer(nn.MLP([4, 8, 3], seed=0)).load_checkpoint(other)


def test_a_validation_loss_that_is_not_finite_stops_training(iris, tmp_path):
    X, y, Xv, yv = iris
    huge = np.full_like(Xv, 3e38)  # finite, but no network output for it is
    trainer = Trainer(
        nn.MLP([4, 16, 3], seed=0),
        epochs=3,
        batch_size=50,
        checkpoint_dir=tmp_path,
        progress="none",
    )
    with pytest.raises(TrainingDiverged, match=r"validation loss .* at epoch 1, batch 3;"):
        trainer.fit(X, y, validation_data=(huge, yv))
    assert list(tmp_path.iterdir()) == []  # nothing was saved from a diverged epoch


def test_a_refused_checkpoint_leaves_the_optimizer_and_schedule_as_they_were(iris, tmp_path):
    X, y, _, _ = iris
    step = Trainer(
        nn.MLP([4, 8, 3], seed=0),
        epochs=2,
        progress="none",
        scheduler=lambda o: optim.StepLR(o, step_size=1, gamma=0.5),
    )
    step.fit(X, y)
    path = step.save_checkpoint(tmp_path / "step.safetensors")
    cosine = Trainer(
        nn.MLP([4, 8, 3], seed=1),
        epochs=1,
        progress="none",
        scheduler=lambda o: optim.CosineAnnealingLR(o, T_max=5),
    )
    cosine.fit(X, y)
    before = (
        cosine.optimizer.state_dict(),
        cosine.scheduler.state_dict(),
        cosine.optimizer.lr,
        cosine.model.state_dict(),
    )
    with pytest.raises(ModelFileError, match="CosineAnnealingLR.*StepLR"):
        cosine.load_checkpoint(path)
    after = (
        cosine.optimizer.state_dict(),
        cosine.scheduler.state_dict(),
        cosine.optimizer.lr,
        cosine.model.state_dict(),
    )
    assert after[2] == before[2] != step.optimizer.lr
    _assert_tree_equal(after[0], before[0])
    _assert_tree_equal(after[1], before[1])
    _assert_tree_equal(after[3], before[3])


@pytest.mark.parametrize("stop", ["diverged", "ctrl-c"])
def test_a_checkpoint_can_be_taken_after_a_fit_stopped_by_an_error(iris, tmp_path, stop):
    X, y, Xv, yv = iris

    class CtrlC(Callback):
        def on_batch_end(self, trainer, epoch, batch, loss):
            if epoch == 3 and batch == 2:
                raise KeyboardInterrupt

    stopper = BlowUpAt(3) if stop == "diverged" else CtrlC()
    trainer = Trainer(
        nn.MLP([4, 8, 3], seed=0),
        epochs=5,
        checkpoint_dir=tmp_path,
        callbacks=[stopper],
        progress="none",
    )
    with pytest.raises((TrainingDiverged, KeyboardInterrupt)):
        trainer.fit(X, y, validation_data=(Xv, yv))
    trainer.load_checkpoint(tmp_path / "last.safetensors")
    again = trainer.save_checkpoint(tmp_path / "again.safetensors")
    assert again.read_bytes() == (tmp_path / "last.safetensors").read_bytes()


def _resumable(tmp_path, iris, **kwargs):
    X, y, _, _ = iris
    setup = dict(
        model=nn.MLP([4, 8, 3], activation="tanh", dropout=0.3, seed=0),
        batch_size=16,
        epochs=1,
        progress="none",
    )
    trainer = Trainer(**{**setup, **kwargs})
    trainer.fit(X, y)
    return trainer.save_checkpoint(tmp_path / "ck.safetensors")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (dict(model=nn.MLP([4, 8, 3], activation="relu", dropout=0.3)), "activation='relu'"),
        (dict(model=nn.MLP([4, 8, 3], activation="tanh", dropout=0.6)), "dropout=0.6"),
        (dict(batch_size=64), "batch_size=16, this Trainer has 64"),
        (dict(lr=0.1), "lr=0.01"),
        (dict(loss=losses.mse), "loss=cross_entropy, this Trainer has mse"),
    ],
)
def test_a_checkpoint_of_another_setup_is_refused_naming_what_differs(
    iris, tmp_path, change, fragment
):
    path = _resumable(tmp_path, iris)
    setup = dict(
        model=nn.MLP([4, 8, 3], activation="tanh", dropout=0.3, seed=5),
        batch_size=16,
        progress="none",
    )
    other = Trainer(**{**setup, **change})
    before = other.optimizer.state_dict()
    with pytest.raises(ModelFileError, match="the checkpoint was trained with") as info:
        other.load_checkpoint(path)
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value)
    _assert_tree_equal(other.optimizer.state_dict(), before)
    assert other.epoch == 0
    Trainer(**setup).load_checkpoint(path)  # the same setup, other initial weights: accepted


def test_a_checkpoint_without_a_setup_record_is_refused(iris, tmp_path):
    path = _resumable(tmp_path, iris)
    ck = io.load_checkpoint(path)
    del ck["extra"]["setup"]
    bare = io.save_checkpoint(
        tmp_path / "bare.safetensors", ck["model"], ck["optimizer"], ck["extra"]
    )
    relu = Trainer(nn.MLP([4, 8, 3], dropout=0.3), batch_size=64, progress="none")
    with pytest.raises(ModelFileError, match="a checkpoint without setup"):
        relu.load_checkpoint(bare)
    assert relu.epoch == 0


def test_the_setup_record_is_the_same_for_the_same_setup(iris, tmp_path):
    a = io.load_checkpoint(_resumable(tmp_path / "a", iris))["extra"]["setup"]
    b = io.load_checkpoint(_resumable(tmp_path / "b", iris))["extra"]["setup"]
    assert a == b and "Tanh()" in "".join(a["model"])
    resaved = Trainer(nn.MLP([4, 8, 3], activation="tanh", dropout=0.3), batch_size=16)
    resaved.load_checkpoint(tmp_path / "a" / "ck.safetensors")
    again = resaved.save_checkpoint(tmp_path / "again.safetensors").read_bytes()
    assert again == (tmp_path / "a" / "ck.safetensors").read_bytes()


def test_a_folder_of_trainer_checkpoints_names_its_files(iris, tmp_path):
    X, y, Xv, yv = iris
    Trainer(nn.MLP([4, 3], seed=0), epochs=1, checkpoint_dir=tmp_path, progress="none").fit(
        X, y, validation_data=(Xv, yv)
    )
    with pytest.raises(ModelFileError) as info:
        Trainer(nn.MLP([4, 3], seed=0)).load_checkpoint(tmp_path)
    message = str(info.value)
    assert str(tmp_path / "last.safetensors") in message
    assert str(tmp_path / "best.safetensors") in message
    assert "checkpoint.safetensors" not in message
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFileError, match="last.safetensors and best.safetensors"):
        Trainer(nn.MLP([4, 3], seed=0)).load_checkpoint(tmp_path / "empty")
