"""Each optimizer's trajectory against a hand-written NumPy version of its published rule.

The loss is sum(c * (w - w_star)**2), whose gradient 2 c (w - w_star) the references compute
themselves; the optimizers get theirs from the engine.
"""

import numpy as np
import pytest

from glassnet.errors import DomainError, GlassnetError, SettingError
from glassnet.nn import Parameter
from glassnet.optim import SGD, Adam, AdamW, RMSprop
from glassnet.tensor import Tensor

STEPS = 8


def _problem(seed=0, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.uniform(0.5, 2.0, shape), rng.standard_normal(shape)


def _run(opt_cls, kwargs, seed=0):
    w0, c, w_star = _problem(seed)
    w = Parameter(w0.copy())
    opt = opt_cls([w], **kwargs)
    path = []
    for _ in range(STEPS):
        opt.zero_grad()
        ((w - Tensor(w_star)) ** 2 * Tensor(c)).sum().backward()
        opt.step()
        path.append(w.data.copy())
    return np.array(path)


def _reference(update, seed=0):
    w0, c, w_star = _problem(seed)
    w, state, path = w0.copy(), {}, []
    for t in range(1, STEPS + 1):
        w = update(w, 2 * c * (w - w_star), state, t)
        path.append(w.copy())
    return np.array(path)


def sgd_rule(lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    def update(w, grad, state, t):
        g = grad + weight_decay * w
        if momentum:
            b = state.get("b")
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            state["b"] = b
            g = g + momentum * b if nesterov else b
        return w - lr * g

    return update


def adam_rule(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    b1, b2 = betas

    def update(w, grad, state, t):
        g = grad if decoupled else grad + weight_decay * w
        if decoupled:
            w = w * (1 - lr * weight_decay)
        m = b1 * state.get("m", 0.0) + (1 - b1) * g
        v = b2 * state.get("v", 0.0) + (1 - b2) * g * g
        state.update(m=m, v=v)
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)

    return update


def rmsprop_rule(lr, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0, centered=False):
    def update(w, grad, state, t):
        g = grad + weight_decay * w
        v = alpha * state.get("v", 0.0) + (1 - alpha) * g * g
        state["v"] = v
        if centered:
            state["ga"] = alpha * state.get("ga", 0.0) + (1 - alpha) * g
            avg = np.sqrt(v - state["ga"] ** 2) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum:
            state["b"] = momentum * state.get("b", 0.0) + g / avg
            return w - lr * state["b"]
        return w - lr * g / avg

    return update


CASES = {
    "sgd": (SGD, {"lr": 0.05}, sgd_rule),
    "sgd-momentum": (SGD, {"lr": 0.05, "momentum": 0.9}, sgd_rule),
    "sgd-nesterov": (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}, sgd_rule),
    "sgd-decay": (SGD, {"lr": 0.05, "weight_decay": 0.1}, sgd_rule),
    "sgd-all": (
        SGD,
        {"lr": 0.03, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
        sgd_rule,
    ),
    "sgd-dampening": (SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, sgd_rule),
    "adam": (Adam, {"lr": 0.1}, adam_rule),
    "adam-betas": (Adam, {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}, adam_rule),
    "adam-l2": (Adam, {"lr": 0.1, "weight_decay": 0.2}, adam_rule),
    "adamw": (AdamW, {"lr": 0.1}, lambda **k: adam_rule(weight_decay=1e-2, decoupled=True, **k)),
    "adamw-decay": (
        AdamW,
        {"lr": 0.1, "weight_decay": 0.3},
        lambda **k: adam_rule(decoupled=True, **k),
    ),
    "rmsprop": (RMSprop, {"lr": 0.01}, rmsprop_rule),
    "rmsprop-momentum": (RMSprop, {"lr": 0.01, "momentum": 0.9, "alpha": 0.9}, rmsprop_rule),
    "rmsprop-centered": (
        RMSprop,
        {"lr": 0.01, "centered": True, "weight_decay": 0.1},
        rmsprop_rule,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_trajectory_matches_the_published_rule(case):
    opt_cls, kwargs, rule = CASES[case]
    got = _run(opt_cls, kwargs)
    expected = _reference(rule(**kwargs))
    assert got.shape == (STEPS, 3, 4)
    assert not np.allclose(got[0], got[-1])  # it moved
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_adam_first_step_moves_each_entry_by_lr_against_the_gradient_sign():
    w = Parameter(np.array([3.0, -1.0, 0.5]))
    w.grad = np.array([1e-3, -50.0, 2.0])
    Adam([w], lr=0.01).step()
    np.testing.assert_allclose(w.data, [2.99, -0.99, 0.49], rtol=1e-6)


def test_float32_parameters_stay_float32_with_float32_buffers():
    for opt_cls, kwargs, _ in CASES.values():
        w = Parameter(np.ones((2, 2), dtype=np.float32))
        opt = opt_cls([w], **kwargs)
        data = w.data
        w.grad = np.full((2, 2), 0.5, dtype=np.float32)
        opt.step()
        opt.step()
        assert w.data is data and w.dtype == np.float32  # updated in place
        for buf in opt.state["0"].values():
            assert isinstance(buf, int) or buf.dtype == np.float32


def test_parameters_without_gradient_are_skipped():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = Adam([a, b], lr=0.1)
    a.grad = np.ones(2)
    opt.step()
    assert np.array_equal(b.data, np.ones(2)) and opt.state["1"] == {}
    b.grad = np.ones(2)
    opt.step()
    # b's first step is a first Adam step (t = 1): m_hat = g, v_hat = g**2
    np.testing.assert_allclose(b.data, 1 - 0.1 / (1 + 1e-8), rtol=1e-14)
    assert opt.state["0"]["step"] == 2 and opt.state["1"]["step"] == 1 and opt.steps == 2


@pytest.mark.parametrize("case", list(CASES))
def test_gradients_are_only_read(case):
    opt_cls, kwargs, _ = CASES[case]
    w = Parameter(np.ones(3))
    opt = opt_cls([w], **kwargs)
    for _ in range(3):
        g = np.array([0.5, -1.0, 2.0])
        g.flags.writeable = False  # any in-place write would raise
        w.grad = g
        opt.step()
    np.testing.assert_array_equal(w.grad, [0.5, -1.0, 2.0])


def test_zero_grad_sets_gradients_to_none():
    ws = [Parameter(np.ones(2)), Parameter(np.ones(3))]
    opt = SGD(ws, lr=0.1)
    for w in ws:
        w.grad = np.ones_like(w.data)
    opt.zero_grad()
    assert [w.grad for w in ws] == [None, None]


@pytest.mark.parametrize(
    "make, text, error",
    [
        (lambda w: SGD([w], lr=-1), "SGD: lr must be a finite number >= 0", SettingError),
        (lambda w: SGD([w], lr=float("inf")), "lr must be a finite number", SettingError),
        (
            lambda w: SGD([w], lr=0.1, nesterov=True),
            "Nesterov momentum needs momentum > 0",
            DomainError,
        ),
        (
            lambda w: SGD([w], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "dampening",
            DomainError,
        ),
        (
            lambda w: Adam([w], betas=(1.0, 0.999)),
            r"betas\[0\] must be a number in \[0, 1\)",
            SettingError,
        ),
        (lambda w: AdamW([w], weight_decay=-0.1), "weight_decay", SettingError),
        (lambda w: RMSprop([w], alpha=1.5), r"alpha must be a number in \[0, 1\]", SettingError),
    ],
)
def test_invalid_hyper_parameters_are_rejected(make, text, error):
    with pytest.raises(error, match=text):
        make(Parameter(np.ones(1)))


def test_invalid_parameter_lists_are_rejected():
    w = Parameter(np.ones(1))
    with pytest.raises(GlassnetError, match="empty list of parameters"):
        SGD([], lr=0.1)
    with pytest.raises(GlassnetError, match="parameter 1 is the same as 0"):
        SGD([w, w], lr=0.1)
    with pytest.raises(GlassnetError, match="parameter a is a ndarray, not a Tensor"):
        SGD([("a", np.ones(1))], lr=0.1)
