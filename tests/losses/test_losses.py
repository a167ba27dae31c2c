"""Loss functions against NumPy formulas, composed twins and central differences."""

import numpy as np
import pytest

from glassnet import gradcheck
from glassnet.errors import DomainError, SettingError, ShapeError
from glassnet.losses import (
    LOSSES,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber,
    mae,
    mse,
)
from glassnet.tensor import Tensor, log_softmax

REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}


def _np_huber(d, delta):
    a = np.abs(d)
    return np.where(a <= delta, 0.5 * d**2, delta * (a - 0.5 * delta))


FORMULAS = {
    "mse": (mse, lambda p, y: (p - y) ** 2),
    "mae": (mae, lambda p, y: np.abs(p - y)),
    "huber": (huber, lambda p, y: _np_huber(p - y, 1.0)),
}


@pytest.mark.parametrize("name", list(FORMULAS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(7,), (5, 3)])
def test_regression_loss_matches_numpy(rng, name, reduction, shape):
    fn, formula = FORMULAS[name]
    p, y = rng.standard_normal(shape) * 2, rng.standard_normal(shape) * 2
    out = fn(Tensor(p), y, reduction=reduction)
    expected = REDUCE[reduction](formula(p, y))
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


@pytest.mark.parametrize("name", list(FORMULAS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_loss_gradients_pass_gradcheck(rng, name, reduction):
    fn, _ = FORMULAS[name]
    p = Tensor(rng.standard_normal((4, 3)) * 2, requires_grad=True)
    y = Tensor(p.data + rng.choice([-3.0, -0.5, 0.4, 2.5], size=(4, 3)), requires_grad=True)
    gradcheck(lambda p, y: fn(p, y, reduction=reduction), [p, y])


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_is_quadratic_inside_delta_and_linear_beyond(delta):
    d = np.array([-3 * delta, -0.5 * delta, 0.25 * delta, 0.9 * delta, 4 * delta])
    p = Tensor(d.copy(), requires_grad=True)
    loss = huber(p, np.zeros(5), delta=delta, reduction="sum")
    inside = np.abs(d) <= delta
    expected = np.where(inside, 0.5 * d * d, delta * np.abs(d) - 0.5 * delta**2)
    np.testing.assert_allclose(loss.item(), expected.sum(), rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(p.grad, np.where(inside, d, delta * np.sign(d)), rtol=1e-12)


def test_mean_reduction_divides_the_gradient_by_the_number_of_entries(rng):
    p = Tensor(rng.standard_normal((6, 2)), requires_grad=True)
    y = rng.standard_normal((6, 2))
    mse(p, y).backward()
    np.testing.assert_allclose(p.grad, 2 * (p.data - y) / 12, rtol=1e-12)


# --- target shapes and dtypes ---------------------------------------------------------------


@pytest.mark.parametrize("fn", [mse, mae, huber, binary_cross_entropy])
def test_a_flat_target_against_a_column_of_predictions_is_matched_row_by_row(rng, fn):
    p = rng.standard_normal((5, 1))
    y = rng.uniform(0, 1, 5)
    per_entry = fn(Tensor(p), y, reduction="none")
    assert per_entry.shape == (5, 1)  # not (5, 5): no silent broadcast
    np.testing.assert_allclose(per_entry.data, fn(Tensor(p), y[:, None], reduction="none").data)


@pytest.mark.parametrize("fn", [mse, mae, huber, binary_cross_entropy])
@pytest.mark.parametrize("p_shape, y_shape", [((5, 1), (4,)), ((3, 2), (2, 3)), ((6,), (6, 2))])
def test_mismatched_shapes_raise_naming_both(fn, p_shape, y_shape):
    with pytest.raises(ShapeError) as info:
        fn(Tensor(np.zeros(p_shape)), np.zeros(y_shape))
    what = "logits" if fn is binary_cross_entropy else "predictions"
    assert f"{what} of shape {p_shape}" in str(info.value)
    assert f"targets of shape {y_shape}" in str(info.value)
    assert "only axes of length 1 may differ" in str(info.value)


def test_targets_take_the_dtype_of_the_predictions(rng):
    p = Tensor(rng.standard_normal(4).astype(np.float32))
    for fn in (mse, mae, huber, binary_cross_entropy):
        assert fn(p, np.ones(4, dtype=np.float64)).dtype == np.float32
    assert mse(p, np.array([1, 0, 1, 0])).dtype == np.float32
    assert cross_entropy(Tensor(np.zeros((2, 3), np.float32)), [0, 2]).dtype == np.float32


@pytest.mark.parametrize("fn", [mse, mae, huber, cross_entropy, binary_cross_entropy])
def test_an_unknown_reduction_is_an_error(fn):
    with pytest.raises(SettingError, match="reduction must be one of 'mean', 'sum', 'none'"):
        fn(Tensor(np.zeros((2, 2))), np.zeros((2, 2)), reduction="avg")


def test_huber_rejects_a_non_positive_delta():
    with pytest.raises(SettingError, match="delta must be a finite number > 0"):
        huber([1.0], [0.0], delta=0.0)
    with pytest.raises(SettingError, match="delta must be a finite number > 0"):
        HuberLoss(delta=-1)


# --- cross-entropy -----------------------------------------------------------------------------


def _np_cross_entropy(z, probs):
    m = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=1, keepdims=True)) + m
    return -(probs * (z - lse)).sum(axis=1)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_class_indices_matches_numpy(rng, reduction):
    z = rng.standard_normal((8, 4)) * 3
    labels = rng.integers(0, 4, 8)
    out = cross_entropy(Tensor(z), labels, reduction=reduction)
    expected = REDUCE[reduction](_np_cross_entropy(z, np.eye(4)[labels]))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


@pytest.mark.parametrize("target_kind", ["indices", "one_hot", "probabilities", "tensor"])
def test_cross_entropy_agrees_with_its_composed_twin(rng, target_kind):
    z = rng.standard_normal((6, 5)) * 2
    labels = rng.integers(0, 5, 6)
    probs = (
        rng.dirichlet(np.ones(5), size=6) if target_kind == "probabilities" else np.eye(5)[labels]
    )
    target = {"indices": labels, "tensor": Tensor(probs)}.get(target_kind, probs)
    fused_in, twin_in = Tensor(z, requires_grad=True), Tensor(z, requires_grad=True)
    fused = cross_entropy(fused_in, target)
    twin = -(Tensor(probs) * log_softmax(twin_in, axis=1)).sum(axis=1).mean()
    np.testing.assert_allclose(fused.item(), twin.item(), rtol=1e-12)
    fused.backward()
    twin.backward()
    np.testing.assert_allclose(fused_in.grad, twin_in.grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradient_passes_gradcheck(rng, reduction):
    z = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    labels = rng.integers(0, 3, 5)
    gradcheck(lambda z: cross_entropy(z, labels, reduction=reduction), [z])


def test_cross_entropy_is_stable_at_huge_logits():
    z = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]]), requires_grad=True)
    loss = cross_entropy(z, [1, 0], reduction="none")
    np.testing.assert_allclose(loss.data, [2e4, np.log(3)], rtol=1e-12)
    loss.sum().backward()
    assert np.all(np.isfinite(z.grad))


def test_cross_entropy_shape_errors_name_the_shapes():
    with pytest.raises(ShapeError, match=r"logits of shape \(4, 3\) need targets of shape"):
        cross_entropy(Tensor(np.zeros((4, 3))), np.zeros((4, 2)))
    with pytest.raises(ShapeError, match=r"class indices must lie in \[0, 2\]"):
        cross_entropy(Tensor(np.zeros((2, 3))), [0, 3])


# --- binary cross-entropy --------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_matches_numpy(rng, reduction):
    z = rng.standard_normal((10, 1)) * 3
    y = rng.uniform(0, 1, (10, 1))
    s = 1 / (1 + np.exp(-z))
    expected = REDUCE[reduction](-(y * np.log(s) + (1 - y) * np.log(1 - s)))
    out = binary_cross_entropy(Tensor(z), y, reduction=reduction)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)


def test_binary_cross_entropy_agrees_with_its_composed_twin(rng):
    z = rng.standard_normal((7, 2)) * 2
    y = rng.integers(0, 2, (7, 2)).astype(float)
    fused_in, twin_in = Tensor(z, requires_grad=True), Tensor(z, requires_grad=True)
    fused = binary_cross_entropy(fused_in, Tensor(y))
    s = twin_in.sigmoid()
    twin = -(y * s.log() + (1 - y) * (1 - s).log()).mean()
    np.testing.assert_allclose(fused.item(), twin.item(), rtol=1e-12)
    fused.backward()
    twin.backward()
    np.testing.assert_allclose(fused_in.grad, twin_in.grad, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_gradient_passes_gradcheck(rng, reduction):
    z = Tensor(rng.standard_normal((6, 1)) * 2, requires_grad=True)
    y = rng.uniform(0, 1, 6)
    gradcheck(lambda z: binary_cross_entropy(z, y, reduction=reduction), [z])


def test_binary_cross_entropy_is_stable_at_huge_logits():
    z = Tensor(np.array([1e4, -1e4, 1e4]), requires_grad=True)
    loss = binary_cross_entropy(z, [1.0, 0.0, 0.0], reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 1e4], atol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [0.0, 0.0, 1.0], atol=1e-12)


def test_binary_cross_entropy_rejects_targets_outside_0_1():
    with pytest.raises(DomainError, match="from -1 to 1"):
        binary_cross_entropy([0.0, 1.0], [-1.0, 1.0])
    assert binary_cross_entropy_with_logits is binary_cross_entropy


# --- classes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module, fn, target",
    [
        (MSELoss(reduction="sum"), lambda p, y: mse(p, y, "sum"), "real"),
        (L1Loss(), mae, "real"),
        (HuberLoss(delta=0.5, reduction="none"), lambda p, y: huber(p, y, 0.5, "none"), "real"),
        (CrossEntropyLoss(), cross_entropy, "labels"),
        (BCEWithLogitsLoss(reduction="sum"), lambda p, y: binary_cross_entropy(p, y, "sum"), "01"),
    ],
)
def test_loss_classes_compute_their_functions(rng, module, fn, target):
    p = rng.standard_normal((4, 3))
    y = {
        "real": rng.standard_normal((4, 3)),
        "labels": rng.integers(0, 3, 4),
        "01": rng.integers(0, 2, (4, 3)),
    }[target]
    np.testing.assert_array_equal(module(Tensor(p), y).data, fn(Tensor(p), y).data)
    assert module.parameters() == []


def test_loss_class_reprs_and_validation():
    assert repr(MSELoss()) == "MSELoss(reduction='mean')"
    assert repr(HuberLoss(2.0, "sum")) == "HuberLoss(delta=2.0, reduction='sum')"
    with pytest.raises(SettingError, match="CrossEntropyLoss: reduction"):
        CrossEntropyLoss(reduction="max")
    assert list(LOSSES) == ["mse", "mae", "huber", "cross_entropy", "binary_cross_entropy"]
    assert LOSSES["huber"] is huber
