"""The Trainer's loop: it learns, its history is right, callbacks, early stopping, errors."""

import csv

import numpy as np
import pytest

from glassnet import losses, nn, optim
from glassnet.errors import DataError, GlassnetError
from glassnet.nn import predict_logits
from glassnet.tensor import Tensor
from glassnet.train import Callback, History, Trainer


@pytest.fixture(scope="module")
def iris(iris_split):
    return iris_split(1)


def _log_softmax_ce(logits, y):
    """Mean cross-entropy computed here with NumPy, in float64."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


class Recorder(Callback):
    """Keeps every event, and the weights and validation outputs at each epoch's end."""

    def __init__(self, val=None):
        self.events, self.states, self.opt_states, self.val_out = [], {}, {}, {}
        self.val = val

    def on_train_begin(self, trainer):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, trainer, epoch):
        self.events.append(("epoch_begin", epoch))

    def on_batch_end(self, trainer, epoch, batch, loss):
        self.events.append(("batch_end", epoch, batch, loss))

    def on_epoch_end(self, trainer, epoch, logs):
        self.events.append(("epoch_end", epoch, dict(logs)))
        self.states[epoch] = trainer.model.state_dict()
        self.opt_states[epoch] = trainer.optimizer.state_dict()
        if self.val is not None:
            self.val_out[epoch] = predict_logits(trainer.model, self.val[0])

    def on_checkpoint(self, trainer, path):
        self.events.append(("checkpoint", path.name, trainer.epoch))

    def on_train_end(self, trainer):
        self.events.append(("train_end",))


def test_training_on_iris_lowers_the_loss_and_classifies_well(iris):
    X, y, Xv, yv = iris
    model = nn.MLP([4, 16, 3], seed=0)
    history = Trainer(model, epochs=40, batch_size=16, progress="none").fit(
        X, y, validation_data=(Xv, yv)
    )
    assert len(history) == 40
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    train_acc = np.mean(predict_logits(model, X).argmax(axis=1) == y)
    val_acc = np.mean(predict_logits(model, Xv).argmax(axis=1) == yv)
    assert train_acc >= 0.96 and val_acc >= 0.9
    assert history["val_accuracy"][-1] == val_acc


def test_history_records_match_the_batches_and_the_validation_outputs(iris):
    X, y, Xv, yv = iris
    rec = Recorder(val=(Xv, yv))
    model = nn.MLP([4, 8, 3], seed=1)
    history = Trainer(model, epochs=3, batch_size=32, callbacks=[rec], progress="none").fit(
        X, y, validation_data=(Xv, yv)
    )
    assert history.columns() == [
        "epoch",
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
        "lr",
        "time",
    ]
    sizes = [len(y[i : i + 32]) for i in range(0, len(y), 32)]
    for epoch, row in enumerate(history.rows, start=1):
        batch_losses = [e[3] for e in rec.events if e[0] == "batch_end" and e[1] == epoch]
        assert len(batch_losses) == len(sizes)
        # the training loss is the epoch's sample-weighted mean of the batch losses
        assert row["loss"] == pytest.approx(np.dot(batch_losses, sizes) / len(y), rel=1e-12)
        out = rec.val_out[epoch]
        assert row["val_loss"] == pytest.approx(_log_softmax_ce(out, yv), rel=1e-5)
        assert row["val_accuracy"] == np.mean(out.argmax(axis=1) == yv)
        assert row["epoch"] == epoch and row["lr"] == 0.01 and row["time"] > 0
    assert history["val_loss"] == [r["val_loss"] for r in history.rows]


def test_regression_reports_mse_mae_r2_and_learns_a_line():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (X @ np.array([2.0, -1.0]) + 0.5).astype(np.float32)
    model = nn.MLP([2, 1], seed=0)
    history = Trainer(model, task="regress", epochs=60, lr=0.05, progress="none").fit(
        X[:160], y[:160], validation_data=(X[160:], y[160:])
    )
    assert history.columns()[:8] == [
        "epoch",
        "loss",
        "mse",
        "mae",
        "r2",
        "val_loss",
        "val_mse",
        "val_mae",
    ]
    pred = predict_logits(model, X[160:]).ravel().astype(np.float64)
    ss_res = np.sum((y[160:] - pred) ** 2)
    ss_tot = np.sum((y[160:] - y[160:].mean()) ** 2)
    assert history["val_r2"][-1] == pytest.approx(1 - ss_res / ss_tot, rel=1e-9)
    assert history["val_r2"][-1] > 0.999
    # for MSE the loss is the metric
    assert history["loss"][-1] == pytest.approx(history["mse"][-1], rel=1e-5)


def test_history_to_csv_round_trips_every_value_exactly(tmp_path):
    rows = [
        {"epoch": 1, "loss": 0.1 + 0.2, "lr": np.float64(1e-3)},
        {"epoch": 2, "loss": np.float32(0.25).item(), "lr": 5e-4, "val_loss": 1 / 3},
    ]
    path = History(rows).to_csv(tmp_path / "h.csv")
    with open(path, newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["epoch", "loss", "lr", "val_loss"]
    assert table[1] == ["1", "0.30000000000000004", "0.001", ""]
    assert [float(v) for v in table[2]] == [2.0, 0.25, 5e-4, 1 / 3]


def test_history_unknown_column_names_the_columns():
    h = History([{"epoch": 1, "loss": 0.5}])
    with pytest.raises(KeyError, match="epoch, loss"):
        h["val_loss"]
    assert "loss" in h and "val_loss" not in h


def test_callbacks_receive_the_named_events_in_order(tmp_path):
    X = np.arange(20, dtype=np.float32).reshape(10, 2) / 10
    y = np.array([0, 1] * 5)
    rec = Recorder()
    Trainer(
        nn.MLP([2, 2], seed=0),
        epochs=2,
        batch_size=4,
        checkpoint_dir=tmp_path,
        callbacks=[rec],
        progress="none",
    ).fit(X, y)
    names = [e[:3] if e[0] == "batch_end" else e[:2] for e in rec.events]

    def per_epoch(k):
        return [
            ("epoch_begin", k),
            *[("batch_end", k, b) for b in (1, 2, 3)],
            ("epoch_end", k),
            ("checkpoint", "last.safetensors"),
        ]

    assert names == [("train_begin",), *per_epoch(1), *per_epoch(2), ("train_end",)]


def test_a_callback_can_stop_training_after_the_epoch(iris):
    X, y, _, _ = iris

    class StopAtTwo(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            trainer.stop_training = epoch == 2

    history = Trainer(
        nn.MLP([4, 3], seed=0), epochs=10, callbacks=[StopAtTwo()], progress="none"
    ).fit(X, y)
    assert history["epoch"] == [1, 2]


def test_early_stopping_stops_after_patience_epochs_and_restores_the_best(iris):
    X, y, Xv, _ = iris
    yv = np.random.default_rng(5).integers(0, 3, len(Xv))  # random labels: val loss soon rises
    patience = 3
    rec = Recorder()
    model = nn.MLP([4, 16, 3], seed=0)
    trainer = Trainer(model, epochs=60, early_stopping=patience, callbacks=[rec], progress="none")
    history = trainer.fit(X, y, validation_data=(Xv, yv))
    val = history["val_loss"]
    best = int(np.argmin(val)) + 1  # first epoch with the lowest validation loss
    assert len(history) < 60
    assert len(history) == best + patience
    assert all(v >= val[best - 1] for v in val[best:])
    assert trainer.best["epoch"] == best and trainer.stop_training
    assert trainer.kept_epoch == best  # the weights the model holds are that epoch's
    for name, w in model.state_dict().items():
        np.testing.assert_array_equal(w, rec.states[best][name])
    assert not np.array_equal(
        rec.states[best]["layers.0.weight"], rec.states[len(history)]["layers.0.weight"]
    )


def test_without_restore_best_the_last_weights_stay(iris):
    X, y, Xv, _ = iris
    yv = np.random.default_rng(5).integers(0, 3, len(Xv))
    rec = Recorder()
    model = nn.MLP([4, 16, 3], seed=0)
    trainer = Trainer(
        model, epochs=60, early_stopping=3, restore_best=False, callbacks=[rec], progress="none"
    )
    history = trainer.fit(X, y, validation_data=(Xv, yv))
    assert trainer.kept_epoch == len(history) > trainer.best["epoch"]
    for name, w in model.state_dict().items():
        np.testing.assert_array_equal(w, rec.states[len(history)][name])


def test_validation_split_holds_out_a_stratified_fraction(iris):
    X, y, _, _ = iris
    trainer = Trainer(nn.MLP([4, 3], seed=0), epochs=1, progress="none")
    trainer.fit(X, y, validation_split=0.25)
    n_val = round(0.25 * len(y))
    assert trainer.loader.n_samples == len(y) - n_val
    assert "val_loss" in trainer.history


def test_a_scheduler_sets_the_rate_of_each_epoch(iris):
    X, y, _, _ = iris
    trainer = Trainer(
        nn.MLP([4, 3], seed=0),
        epochs=4,
        lr=0.1,
        progress="none",
        scheduler=lambda opt: optim.StepLR(opt, step_size=2, gamma=0.5),
    )
    assert trainer.fit(X, y)["lr"] == [0.1, 0.1, 0.05, 0.05]


def test_a_custom_loss_and_optimizer_object_are_used(iris):
    X, y, _, _ = iris
    model = nn.MLP([4, 3], seed=0)
    opt = optim.SGD(model.named_parameters(), lr=0.0)  # a zero rate: nothing may change
    before = model.state_dict()
    calls = []

    def loss(out, target):
        calls.append(len(target))
        return losses.cross_entropy(out, target)

    Trainer(model, optimizer=opt, loss=loss, epochs=1, batch_size=50, progress="none").fit(X, y)
    assert sum(calls) >= len(y)  # every training row went through the loss
    for name, w in model.state_dict().items():
        np.testing.assert_array_equal(w, before[name])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"task": "cluster"}, "task must be one of 'classify', 'regress'"),
        ({"epochs": 0}, "Trainer: epochs must be a positive integer, got 0"),
        ({"seed": -2}, "Trainer: seed must be an integer >= 0"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of 'sgd', 'momentum', 'adam'"),
        ({"metrics": ["r2"]}, "metric 'r2' does not apply to task 'classify'"),
        ({"early_stopping": 0}, "early_stopping"),
    ],
)
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(GlassnetError, match=match):
        Trainer(nn.MLP([4, 3], seed=0), **kwargs)


def test_an_optimizer_of_another_model_is_refused():
    other = nn.MLP([4, 3], seed=1)
    with pytest.raises(GlassnetError, match="does not hold this model's parameters"):
        Trainer(nn.MLP([4, 3], seed=0), optimizer=optim.Adam(other.named_parameters()))


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros(5), np.zeros(5, int), r"shape \(n_samples, n_features\)"),
        (np.zeros((5, 4)), np.zeros(4, int), r"targets of shape \(4,\)"),
        (np.full((2, 4), np.nan), np.zeros(2, int), "row 0 of the features holds NaN"),
        (np.zeros((2, 4)), np.array(["a", "b"]), "class targets must be indices"),
        (np.zeros((2, 4)), np.array([0.5, 1.0]), "class targets must be indices"),
        (np.zeros((2, 4)), np.array([-1, 0]), "class targets must be indices"),
    ],
)
def test_bad_data_is_a_data_error(X, y, match):
    with pytest.raises(DataError, match=match):
        Trainer(nn.MLP([4, 3], seed=0), epochs=1, progress="none").fit(X, y)


def test_float_class_indices_are_accepted(iris):
    X, y, _, _ = iris
    history = Trainer(nn.MLP([4, 3], seed=0), epochs=1, progress="none").fit(X, y.astype(float))
    assert len(history) == 1


def test_predict_logits_restores_the_training_mode_and_records_no_graph():
    model = nn.MLP([2, 4, 2], dropout=0.5, seed=0)
    X = np.ones((3, 2), np.float32)
    out1, out2 = predict_logits(model, X), predict_logits(model, X, batch_size=1)
    np.testing.assert_array_equal(out1, out2)  # eval mode: no dropout, batches agree
    assert model.training
    assert not isinstance(out1, Tensor) and out1.shape == (3, 2)
    assert predict_logits(model, X[:0]).shape == (0, 2)
