"""Stable composites at huge logits, and the fused losses against their composed twins."""

import numpy as np
import pytest

from glassnet.tensor import (
    Tensor,
    log_softmax,
    logsumexp,
    sigmoid_binary_cross_entropy,
    softmax,
    softmax_cross_entropy,
    tensor,
)

DTYPES = [np.float32, np.float64]
REDUCTIONS = ["mean", "sum", "none"]


# --- logsumexp, log_softmax, softmax at logits of +-1e4 ------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("level", [1e4, -1e4])
def test_composites_are_finite_and_exact_at_huge_equal_logits(dtype, level):
    """Two equal logits of +-1e4: overflow (exp(1e4)) or 0/0 would raise here."""
    x = tensor([[level, level]], requires_grad=True, dtype=dtype)
    lse = logsumexp(x)
    np.testing.assert_allclose(lse.data, [level + np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(log_softmax(x).data, [[-np.log(2), -np.log(2)]], rtol=1e-6)
    p = softmax(x)
    np.testing.assert_allclose(p.data, [[0.5, 0.5]], rtol=1e-6)
    (p * tensor([[1.0, 3.0]], dtype=dtype)).sum().backward()
    # d/dx_i sum_j w_j p_j = p_i (w_i - sum_j w_j p_j) = 0.5 * (w_i - 2)
    np.testing.assert_allclose(x.grad, [[-0.5, 0.5]], rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_composites_with_logits_1e4_apart(dtype):
    x = tensor([[1e4, 0.0, -1e4]], requires_grad=True, dtype=dtype)
    np.testing.assert_allclose(softmax(x).data, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(log_softmax(x).data, [[0.0, -1e4, -2e4]], rtol=1e-6)
    np.testing.assert_allclose(logsumexp(x).data, [1e4], rtol=1e-6)
    log_softmax(x)[0, 1].backward()  # d log p_1 / dx = e_1 - p
    np.testing.assert_allclose(x.grad, [[-1.0, 1.0, 0.0]], atol=1e-6)


def test_logsumexp_keepdims_and_axis():
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]])
    np.testing.assert_allclose(logsumexp(Tensor(x), axis=None).data, np.log(np.exp(x).sum()))
    expected0 = np.log(np.exp(x).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(logsumexp(Tensor(x), axis=0, keepdims=True).data, expected0)
    np.testing.assert_allclose(logsumexp(Tensor(x)).data, np.log(np.exp(x).sum(axis=1)))


# --- softmax cross-entropy against its composed twin -------------------------------------


def composed_cross_entropy(z, y, reduction):
    """The plain composition: -log_softmax picked at the class, or weighted by the rows."""
    logp = log_softmax(z, axis=1)
    y = np.asarray(y)
    rows = -logp[np.arange(len(y)), y] if y.ndim == 1 else -(logp * y).sum(axis=1)
    return {"mean": rows.mean, "sum": rows.sum}.get(reduction, lambda: rows)()


def _targets(kind, rng, n, c):
    if kind == "indices":
        return rng.integers(0, c, n)
    if kind == "probabilities":
        return rng.dirichlet(np.ones(c), size=n)
    if kind == "one-hot":
        return np.eye(c)[rng.integers(0, c, n)]
    return rng.uniform(0, 2, (n, c))  # unnormalised rows: -sum_c y_c log p_c still holds


def _assert_twins_agree(fused, composed, z_data, y, reduction, w, tol):
    """The fused loss and its composed twin give the same loss and the same gradient, both
    in the logits' dtype (``w`` weights the per-entry losses when ``reduction="none"``)."""
    dtype = z_data.dtype
    results = []
    for loss_fn in (fused, composed):
        z = Tensor(z_data.copy(), requires_grad=True)
        loss = loss_fn(z, y, reduction)
        assert loss.dtype == dtype
        loss.backward(None if w is None else w.astype(dtype))
        assert z.grad.dtype == dtype
        results.append((loss.data, z.grad))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=tol, atol=tol)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", ["indices", "probabilities", "one-hot", "unnormalised"])
def test_cross_entropy_matches_its_composed_twin(kind, reduction, dtype, rng):
    n, c = 6, 4
    z_data = (rng.standard_normal((n, c)) * 3).astype(dtype)
    y = _targets(kind, rng, n, c)
    w = rng.standard_normal(n) if reduction == "none" else None
    tol = 1e-5 if dtype == np.float32 else 1e-12
    _assert_twins_agree(softmax_cross_entropy, composed_cross_entropy, z_data, y, reduction, w, tol)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    y = np.array([1, 2])
    t = Tensor(z, requires_grad=True)
    softmax_cross_entropy(t, y).backward()
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(t.grad, (p - np.eye(3)[y]) / 2, rtol=1e-12)


@pytest.mark.parametrize(
    "target",
    [
        np.array([1, 0]),
        np.array([1, 0], dtype=np.int32),
        [1, 0],
        tensor([1, 0]),
        np.array([1.0, 0.0]),
        np.array([False, True])[::-1],
    ],
    ids=["int64", "int32", "list", "tensor", "whole-floats", "bool"],
)
def test_cross_entropy_accepts_every_form_of_class_indices(target):
    z = tensor([[0.0, 2.0, 1.0], [3.0, 0.0, 0.0]])
    expected = -(np.log(np.exp(2) / (1 + np.exp(2) + np.e)) + np.log(np.exp(3) / (np.exp(3) + 2)))
    np.testing.assert_allclose(softmax_cross_entropy(z, target).item(), expected / 2, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_at_logits_1e4(dtype):
    z = tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], requires_grad=True, dtype=dtype)
    loss = softmax_cross_entropy(z, [1, 2], reduction="none")
    np.testing.assert_allclose(loss.data, [2e4, np.log(3)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [[1, -1, 0], [1 / 3, 1 / 3, -2 / 3]], atol=1e-6)


# --- sigmoid binary cross-entropy against its composed twin ------------------------------


def composed_bce(z, y, reduction):
    """-(y log s + (1 - y) log(1 - s)) with s = sigmoid(z): fine for moderate logits."""
    s = z.sigmoid()
    rows = -(y * s.log() + (1 - y) * (1 - s).log())
    return {"mean": rows.mean, "sum": rows.sum}.get(reduction, lambda: rows)()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_its_composed_twin(reduction, dtype, rng):
    z_data = (rng.standard_normal((5, 3)) * 3).astype(dtype)
    y = rng.uniform(0, 1, (5, 3))
    y[0] = [0.0, 1.0, 0.5]
    w = rng.standard_normal((5, 3)) if reduction == "none" else None
    tol = 2e-5 if dtype == np.float32 else 1e-10
    _assert_twins_agree(sigmoid_binary_cross_entropy, composed_bce, z_data, y, reduction, w, tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_at_zero_logit(dtype):
    z = tensor([0.0, 0.0, 0.0], requires_grad=True, dtype=dtype)
    loss = sigmoid_binary_cross_entropy(z, [0.0, 1.0, 0.25], reduction="sum")
    np.testing.assert_allclose(loss.item(), 3 * np.log(2), rtol=1e-6)  # log 2 whatever y
    loss.backward()
    np.testing.assert_allclose(z.grad, [0.5, -0.5, 0.25], rtol=1e-6)  # sigmoid(0) - y


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_at_logits_of_magnitude_100(dtype):
    z = tensor([100.0, 100.0, -100.0, -100.0], requires_grad=True, dtype=dtype)
    y = [1.0, 0.0, 1.0, 0.0]
    loss = sigmoid_binary_cross_entropy(z, y, reduction="none")
    tiny = np.log1p(np.exp(-100.0))  # 3.7e-44: below float32's smallest normal, but > 0
    np.testing.assert_allclose(loss.data, [tiny, 100.0, 100.0, tiny], rtol=1e-5, atol=1e-45)
    loss.sum().backward()
    e = np.exp(-100.0)
    np.testing.assert_allclose(z.grad, [-e, 1.0, -1.0, e], rtol=1e-5, atol=1e-45)


def test_binary_cross_entropy_accepts_a_column_of_logits_with_flat_targets():
    z = tensor([[0.5], [-1.0]])
    a = sigmoid_binary_cross_entropy(z, [1.0, 0.0]).item()
    b = sigmoid_binary_cross_entropy(z, [[1.0], [0.0]]).item()
    expected = (np.log1p(np.exp(-0.5)) + np.log1p(np.exp(-1.0))) / 2
    assert a == b
    np.testing.assert_allclose(a, expected, rtol=1e-6)
