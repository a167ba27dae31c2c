"""The vanishing / exploding gradient rule, on made-up norms and on real training runs."""

import math

import numpy as np
import pytest

from glassnet import nn
from glassnet.data import load_dataset
from glassnet.report.recorder import (
    ADVICE,
    EXPLODE_ABOVE,
    EXPLODE_GROWTH,
    VANISH_BELOW,
    VANISH_RATIO,
    ReportRecorder,
    check_gradient_norms,
)
from glassnet.train import Trainer

OUT = "out"  # the last layer given is the output layer


def flags_of(hidden: list[float], out: list[float] | None = None):
    """(kind, epochs) of the flags on layer "h" of a two-layer record."""
    out = out if out is not None else [0.5] * len(hidden)
    epochs = list(range(1, len(hidden) + 1))
    flags = check_gradient_norms({"h": hidden, OUT: out}, epochs)
    return [(f.kind, f.epochs) for f in flags if f.layer == "h"]


def test_the_documented_thresholds():
    assert (VANISH_BELOW, VANISH_RATIO, EXPLODE_ABOVE, EXPLODE_GROWTH) == (1e-6, 1e-3, 1e3, 100)


@pytest.mark.parametrize(
    "hidden, out, expected",
    [
        ([0.3, 0.2, 0.1], None, []),  # healthy
        ([0.3, 5e-7, 0.1], None, [("vanishing", [2])]),  # below 1e-6
        ([1e-6, 1e-6], [1e-4, 1e-4], []),  # exactly at the threshold: not below it
        ([0.0, 0.0], None, [("vanishing", [1, 2])]),  # no gradient at all
        ([4e-4, 4e-4], [0.5, 0.5], [("vanishing", [1, 2])]),  # 1250x weaker than the output
        ([4e-4, 4e-4], [0.5, 0.3], [("vanishing", [1])]),  # 1250x, then only 750x
        ([2e-3, 1e-3], [1.0, 1.0], []),  # 1000x exactly: not more than 1000x
        ([0.3, 1500.0, 2.0], None, [("exploding", [2])]),  # above 1e3
        ([0.3, 1000.0], None, [("exploding", [2])]),  # 1000 is 3333x the first epoch's 0.3
        ([20.0, 1000.0], None, []),  # exactly 1e3, 50x growth: neither rule
        ([0.3, math.inf, math.nan], None, [("exploding", [2, 3])]),  # not finite
        ([0.01, 0.5, 1.5], None, [("exploding", [3])]),  # 150x the first epoch's norm
        ([0.01, 0.5, 0.9], None, []),  # 90x: not yet
        ([0.0, 0.01, 2.0], None, [("vanishing", [1])]),  # recovering from 0 is no explosion
        ([5e-7, 0.2, 0.3], None, [("vanishing", [1])]),  # nor from a vanishing start
        ([2e3, 5e-7], [1.0, 1.0], [("vanishing", [2]), ("exploding", [1])]),
    ],
)
def test_rule_on_a_hidden_layer(hidden, out, expected):
    assert flags_of(hidden, out) == expected


def test_the_output_layer_is_not_compared_with_itself():
    norms = {"h": [1.0, 1.0], OUT: [1e-5, 1e-5]}  # hidden is 1e5x the output: not a flag
    assert check_gradient_norms(norms, [1, 2]) == []
    flags = check_gradient_norms({"h": [1.0], OUT: [1e-7]}, [1])
    assert [(f.layer, f.kind) for f in flags] == [(OUT, "vanishing")]  # the absolute rule


def test_flags_come_in_layer_order_with_epoch_numbers_as_given():
    norms = {"a": [5e-7, 5e-7, 0.2, 5e-7], "b": [0.2, 2e3, 0.2, 0.2], OUT: [0.3] * 4}
    flags = check_gradient_norms(norms, [11, 12, 13, 14])
    assert [(f.layer, f.kind, f.epochs) for f in flags] == [
        ("a", "vanishing", [11, 12, 14]),
        ("b", "exploding", [12]),
    ]
    assert "epochs 11-12, 14 (3 of 4)" in flags[0].message
    assert "epoch 12 (1 of 4)" in flags[1].message and "2e+03" in flags[1].message
    assert check_gradient_norms({}, []) == []


def test_messages_say_what_happened_in_plain_words():
    (zero,) = check_gradient_norms({"h": [0.0], OUT: [0.4]}, [1])
    assert "exactly 0" in zero.message and "stopped learning" in zero.message
    (small,) = check_gradient_norms({"h": [2e-5], OUT: [0.4]}, [1])
    assert "2e-05" in small.message and "0.4" in small.message
    (nan,) = check_gradient_norms({"h": [math.nan], OUT: [0.4]}, [1])
    assert "not a finite number" in nan.message
    assert "learning rate" in ADVICE["exploding"] and "ReLU" in ADVICE["vanishing"]


# -- on real runs ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moons():
    ds = load_dataset("moons", n_samples=200, seed=0)
    return ds.X, ds.y


def _record(model, X, y, **kw):
    rec = ReportRecorder()
    Trainer(model, callbacks=[rec], progress="none", **kw).fit(X, y)
    return rec


def test_a_deep_sigmoid_stack_is_flagged_vanishing_near_the_input(moons):
    """Each sigmoid layer multiplies the backward signal by at most 1/4 (sigma' <= 1/4)."""
    X, y = moons
    model = nn.MLP([2] + [8] * 10 + [2], activation="sigmoid", seed=0)
    rec = _record(model, X, y, epochs=2, optimizer="sgd", lr=0.1)
    kinds = {f.layer: f.kind for f in rec.gradient_flags()}
    assert kinds.get("layers.0") == "vanishing"
    assert rec.layer_names[-1] not in kinds and "layers.18" not in kinds  # near the output: fine
    first, out = rec.grad_norms["layers.0"][0], rec.grad_norms[rec.layer_names[-1]][0]
    assert first < VANISH_RATIO * out


def test_a_shallow_relu_network_on_standardised_data_is_healthy(moons):
    X, y = moons
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    rec = _record(nn.MLP([2, 16, 16, 2], seed=0), X, y, epochs=5)
    assert rec.gradient_flags() == []


def test_unscaled_inputs_are_flagged_exploding(moons):
    X, y = moons
    # inputs 2000x too large: huge gradients, with a rate small enough that the loss does not
    # grow a millionfold (which stops the run as diverged)
    rec = _record(nn.MLP([2, 16, 16, 2], seed=0), X * 2000, y, epochs=3, optimizer="sgd", lr=1e-5)
    exploding = [f for f in rec.gradient_flags() if f.kind == "exploding"]
    assert exploding and exploding[0].epochs == [1]
    assert max(rec.grad_norms[f.layer][0] for f in exploding) > EXPLODE_ABOVE
    assert np.isfinite(rec.grad_norms["layers.0"]).all()
