"""Optimizer and schedule state dicts: the format, exact resumption, and errors."""

import json

import numpy as np
import pytest

from glassnet.errors import GlassnetError, ShapeError
from glassnet.losses import mse
from glassnet.nn import MLP, Parameter
from glassnet.optim import (
    SGD,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmup,
    RMSprop,
    StepLR,
)

X = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
Y = np.random.default_rng(1).standard_normal((16, 2)).astype(np.float32)

SETUPS = {
    "sgd": (lambda p: SGD(p, lr=0.05), None),
    "sgd-nesterov-decay": (
        lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda o: StepLR(o, step_size=3, gamma=0.5),
    ),
    "adam-cosine": (lambda p: Adam(p, lr=0.01), lambda o: CosineAnnealingLR(o, T_max=7)),
    "adamw-warmup": (
        lambda p: AdamW(p, lr=0.01, weight_decay=0.1),
        lambda o: LinearWarmup(o, 3, after=ExponentialLR(o, gamma=0.9)),
    ),
    "rmsprop-centered": (
        lambda p: RMSprop(p, lr=0.01, momentum=0.5, centered=True),
        lambda o: LinearWarmup(o, 4),
    ),
}


def _make(setup, seed, named=True):
    make_opt, make_sched = SETUPS[setup]
    model = MLP([3, 5, 2], seed=seed)
    opt = make_opt(model.named_parameters() if named else model.parameters())
    return model, opt, (make_sched(opt) if make_sched else None)


def _train(model, opt, sched, steps):
    for _ in range(steps):
        opt.zero_grad()
        mse(model(X), Y).backward()
        opt.step()
        if sched is not None:
            sched.step()


@pytest.mark.parametrize("named", [True, False])
@pytest.mark.parametrize("setup", list(SETUPS))
def test_a_resumed_run_is_bit_identical_to_an_uninterrupted_one(setup, named):
    model, opt, sched = _make(setup, seed=0, named=named)
    _train(model, opt, sched, 10)

    first, first_opt, first_sched = _make(setup, seed=0, named=named)
    _train(first, first_opt, first_sched, 5)
    saved = (first.state_dict(), first_opt.state_dict(), sched and first_sched.state_dict())
    _train(first, first_opt, first_sched, 2)  # keep going: the saved copies must not change

    resumed, resumed_opt, resumed_sched = _make(setup, seed=123, named=named)
    resumed.load_state_dict(saved[0])
    resumed_opt.load_state_dict(saved[1])
    if sched is not None:
        resumed_sched.load_state_dict(saved[2])
    _train(resumed, resumed_opt, resumed_sched, 5)

    for a, b in zip(model.parameters(), resumed.parameters()):
        assert np.array_equal(a.data, b.data)
    assert resumed_opt.lr == opt.lr and resumed_opt.steps == opt.steps == 10


def test_state_dict_format_is_nested_plain_data_keyed_by_name():
    model, opt, _ = _make("adam-cosine", seed=0)
    _train(model, opt, None, 2)
    sd = opt.state_dict()
    assert list(sd) == ["type", "hyper", "step", "state"]
    assert sd["type"] == "Adam" and sd["step"] == 2
    assert sd["hyper"] == {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
    }
    json.dumps(sd["hyper"])
    assert list(sd["state"]) == [name for name, _ in model.named_parameters()]
    buffers = sd["state"]["layers.0.weight"]
    assert sorted(buffers) == ["exp_avg", "exp_avg_sq", "step"]
    assert buffers["step"].shape == () and buffers["step"] == 2
    assert buffers["exp_avg"].shape == (5, 3) and buffers["exp_avg"].dtype == np.float32
    assert buffers["exp_avg"] is not opt.state["layers.0.weight"]["exp_avg"]


def test_state_dict_keys_are_positions_for_unnamed_parameters():
    model, opt, _ = _make("sgd-nesterov-decay", seed=0, named=False)
    _train(model, opt, None, 1)
    state = opt.state_dict()["state"]
    assert list(state) == ["0", "1", "2", "3"]
    assert list(state["0"]) == ["momentum_buffer"]


def test_loading_a_state_of_another_optimizer_or_other_parameters_fails_cleanly():
    model, opt, _ = _make("adam-cosine", seed=0)
    _train(model, opt, None, 1)
    sd = opt.state_dict()
    with pytest.raises(GlassnetError, match="the state is of a Adam"):
        SGD(model.parameters(), lr=0.1).load_state_dict(sd)
    unnamed = Adam(model.parameters())
    with pytest.raises(GlassnetError, match="parameters \\['0', '1', '2', '3'\\]"):
        unnamed.load_state_dict(sd)
    assert unnamed.state == {"0": {}, "1": {}, "2": {}, "3": {}} and unnamed.lr == 1e-3


def test_loading_a_misshaped_buffer_names_it_and_changes_nothing():
    w = Parameter(np.ones((2, 3)))
    opt = SGD([("w", w)], lr=0.1, momentum=0.9)
    sd = {
        "type": "SGD",
        "step": 4,
        "hyper": {
            "lr": 0.5,
            "momentum": 0.9,
            "dampening": 0.0,
            "nesterov": False,
            "weight_decay": 0.0,
        },
        "state": {"w": {"momentum_buffer": np.zeros((3, 2))}},
    }
    with pytest.raises(
        ShapeError, match=r"w.momentum_buffer has shape \(3, 2\), the parameter \(2, 3\)"
    ):
        opt.load_state_dict(sd)
    assert opt.lr == 0.1 and opt.steps == 0 and opt.state == {"w": {}}


def test_schedule_state_dicts_restore_position_and_rate():
    opt = SGD([Parameter(np.ones(1))], lr=1.0)
    sched = LinearWarmup(opt, 2, after=CosineAnnealingLR(opt, T_max=10, eta_min=0.1))
    for _ in range(6):
        sched.step()
    sd = sched.state_dict()
    assert sd["type"] == "LinearWarmup" and sd["last_epoch"] == 6
    assert sd["after"] == {
        "type": "CosineAnnealingLR",
        "base_lr": 1.0,
        "last_epoch": 4,
        "T_max": 10,
        "eta_min": 0.1,
    }
    other = SGD([Parameter(np.ones(1))], lr=1.0)
    twin = LinearWarmup(other, 2, after=CosineAnnealingLR(other, T_max=10, eta_min=0.1))
    twin.load_state_dict(json.loads(json.dumps(sd)))
    assert other.lr == opt.lr and twin.get_last_lr() == sched.get_last_lr()
    with pytest.raises(GlassnetError, match="the state is of a LinearWarmup"):
        StepLR(other, 2).load_state_dict(sd)
    with pytest.raises(GlassnetError, match="`after` schedules differ"):
        LinearWarmup(other, 2).load_state_dict(sd)
