"""Learning-rate schedules against their closed forms, and gradient clipping."""

import math

import numpy as np
import pytest

from glassnet.errors import DomainError, GlassnetError, SettingError
from glassnet.nn import Parameter
from glassnet.optim import (
    SGD,
    Adam,
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmup,
    StepLR,
    clip_grad_norm_,
)


def _rates(sched, n):
    """The rate the optimizer uses at each of n steps."""
    out = []
    for _ in range(n):
        out.append(sched.optimizer.lr)
        assert sched.get_last_lr() == [sched.optimizer.lr]
        sched.step()
    return out


def _opt(lr=0.3):
    return SGD([Parameter(np.zeros(1))], lr=lr)


def test_step_lr():
    got = _rates(StepLR(_opt(), step_size=3, gamma=0.1), 10)
    np.testing.assert_allclose(got, [0.3 * 0.1 ** (t // 3) for t in range(10)], rtol=1e-15)


def test_exponential_lr():
    got = _rates(ExponentialLR(_opt(), gamma=0.9), 10)
    np.testing.assert_allclose(got, [0.3 * 0.9**t for t in range(10)], rtol=1e-15)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_lr(eta_min):
    got = _rates(CosineAnnealingLR(_opt(), T_max=8, eta_min=eta_min), 12)
    expected = [eta_min + (0.3 - eta_min) * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(12)]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-16)
    assert got[0] == pytest.approx(0.3) and got[8] == pytest.approx(eta_min)


def test_linear_warmup_alone_rises_to_the_base_rate_and_stays():
    got = _rates(LinearWarmup(_opt(), warmup_steps=4), 7)
    np.testing.assert_allclose(got, [0.075, 0.15, 0.225, 0.3, 0.3, 0.3, 0.3], rtol=1e-15)


def test_linear_warmup_then_cosine():
    opt = _opt()
    sched = LinearWarmup(opt, 5, after=CosineAnnealingLR(opt, T_max=10))
    got = _rates(sched, 16)
    expected = [0.3 * (t + 1) / 5 for t in range(5)]
    expected += [0.3 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-17)
    assert sched.last_epoch == 16 and sched.after.last_epoch == 16 - 5


def test_schedules_drive_any_optimizer():
    opt = Adam([Parameter(np.zeros(1))], lr=0.01)
    ExponentialLR(opt, gamma=0.5).step()
    assert opt.lr == 0.005


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda o: StepLR(o, step_size=0), SettingError),
        (lambda o: StepLR(o, step_size=2.5), SettingError),
        (lambda o: ExponentialLR(o, gamma=-1), SettingError),
        (lambda o: CosineAnnealingLR(o, T_max=0), SettingError),
        (lambda o: LinearWarmup(o, warmup_steps=-1), SettingError),
        (lambda o: LinearWarmup(o, 3, after=StepLR(_opt(), 2)), GlassnetError),
        (lambda o: StepLR("sgd", 2), GlassnetError),
    ],
)
def test_invalid_schedules_are_rejected(make, error):
    with pytest.raises(error):
        make(_opt())


# --- clipping ---------------------------------------------------------------------------------


def _with_grads(grads):
    ps = [Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def test_clip_grad_norm_scales_all_gradients_to_the_max_norm(rng):
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5) * 10]
    originals = [g.copy() for g in grads]
    ps = _with_grads(grads)
    total = np.sqrt(sum(np.sum(g**2) for g in originals))
    assert clip_grad_norm_(ps, max_norm=1.0) == pytest.approx(total, rel=1e-12)
    clipped = np.sqrt(sum(np.sum(p.grad**2) for p in ps))
    assert clipped == pytest.approx(1.0, rel=1e-5)
    for p, g in zip(ps, originals):
        np.testing.assert_allclose(p.grad, g / total, rtol=1e-5)  # direction kept
    for g, g0 in zip(grads, originals):
        np.testing.assert_array_equal(g, g0)  # the old arrays were not modified


def test_clip_grad_norm_leaves_small_gradients_alone_and_skips_missing_ones():
    ps = _with_grads([np.array([0.3, 0.4])])
    ps.append(Parameter(np.zeros(2)))
    g = ps[0].grad
    assert clip_grad_norm_([("a", ps[0]), ("b", ps[1])], max_norm=1.0) == pytest.approx(0.5)
    assert ps[0].grad is g and ps[1].grad is None


def test_clip_grad_norm_keeps_float32():
    ps = _with_grads([np.full(4, 3.0, dtype=np.float32)])
    clip_grad_norm_(ps, 1.0)
    assert ps[0].grad.dtype == np.float32


def test_clip_grad_norm_reports_a_non_finite_norm_on_request():
    ps = _with_grads([np.array([np.inf, 1.0])])
    with pytest.raises(DomainError, match="gradient norm is inf"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
