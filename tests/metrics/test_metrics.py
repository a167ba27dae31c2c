"""Metrics against scikit-learn's definitions, and their errors."""

import numpy as np
import pytest
import sklearn.metrics as skm

from glassnet import metrics
from glassnet.errors import DataError, SettingError, ShapeError

CASES = [(1, 2, 0), (7, 2, 1), (50, 3, 2), (200, 5, 3), (30, 10, 4)]


def _labels(n, k, seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.6, t, rng.integers(0, k, n))  # mostly right, some wrong
    return t, p


@pytest.mark.parametrize(("n", "k", "seed"), CASES)
def test_classification_metrics_match_scikit_learn(n, k, seed):
    t, p = _labels(n, k, seed)
    assert metrics.accuracy(t, p) == pytest.approx(skm.accuracy_score(t, p), abs=1e-15)
    C = metrics.confusion_matrix(t, p, n_classes=k)
    np.testing.assert_array_equal(C, skm.confusion_matrix(t, p, labels=np.arange(k)))
    prec, rec, f1 = metrics.precision_recall_f1(C)
    sk_p, sk_r, sk_f, sk_s = skm.precision_recall_fscore_support(
        t, p, labels=np.arange(k), zero_division=0
    )
    np.testing.assert_allclose(prec, sk_p, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rec, sk_r, rtol=0, atol=1e-15)
    np.testing.assert_allclose(f1, sk_f, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(C.sum(axis=1), sk_s)


def test_classes_never_predicted_or_never_present_get_zero_like_scikit_learn():
    t, p = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])  # class 1 never predicted, 2 absent
    C = metrics.confusion_matrix(t, p, n_classes=3)
    prec, rec = metrics.precision_recall(C)
    sk_p, sk_r, _, _ = skm.precision_recall_fscore_support(t, p, labels=[0, 1, 2], zero_division=0)
    assert prec.tolist() == sk_p.tolist() == [0.5, 0.0, 0.0]
    assert rec.tolist() == sk_r.tolist() == [1.0, 0.0, 0.0]


def test_confusion_matrix_size_defaults_to_the_largest_class_seen():
    C = metrics.confusion_matrix([0, 3], [1, 3])
    assert C.shape == (4, 4) and C[0, 1] == 1 and C[3, 3] == 1 and C.sum() == 2


def test_classification_report_matches_scikit_learn_report():
    t, p = _labels(120, 3, 7)
    names = ["setosa", "versicolor", "virginica"]
    rep = metrics.classification_report(t, p, names)
    sk = skm.classification_report(
        t, p, labels=[0, 1, 2], target_names=names, output_dict=True, zero_division=0
    )
    assert rep["labels"] == names
    assert rep["accuracy"] == pytest.approx(sk["accuracy"], abs=1e-15)
    for name in names:
        for key, sk_key in [
            ("precision", "precision"),
            ("recall", "recall"),
            ("f1", "f1-score"),
            ("support", "support"),
        ]:
            assert rep["per_class"][name][key] == pytest.approx(sk[name][sk_key], abs=1e-15)
    assert rep["confusion_matrix"] == skm.confusion_matrix(t, p).tolist()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_metrics_match_scikit_learn(seed, dtype):
    rng = np.random.default_rng(seed)
    t = (rng.normal(size=40) * 10 + 3).astype(dtype)
    p = (t + rng.normal(size=40)).astype(dtype)
    rtol = 1e-12
    assert metrics.mse(t, p) == pytest.approx(skm.mean_squared_error(t, p), rel=1e-6)
    assert metrics.mae(t, p) == pytest.approx(skm.mean_absolute_error(t, p), rel=1e-6)
    assert metrics.r2(t, p) == pytest.approx(skm.r2_score(t, p), rel=1e-6)
    t64, p64 = t.astype(np.float64), p.astype(np.float64)
    assert metrics.mse(t, p) == pytest.approx(np.mean((t64 - p64) ** 2), rel=rtol)
    report = metrics.regression_report(t, p)
    assert report == {"mse": metrics.mse(t, p), "mae": metrics.mae(t, p), "r2": metrics.r2(t, p)}


def test_regression_metrics_accept_column_vectors():
    t = np.array([1.0, 2.0, 4.0])
    p = np.array([[1.5], [2.0], [3.0]])
    assert metrics.mse(t, p) == pytest.approx(skm.mean_squared_error(t, p.ravel()))
    assert metrics.r2(t, p) == pytest.approx(skm.r2_score(t, p.ravel()))


@pytest.mark.parametrize(("pred", "expected"), [([2.0, 2.0], 1.0), ([2.0, 3.0], 0.0)])
def test_r2_of_a_constant_target_follows_scikit_learn(pred, expected):
    assert metrics.r2([2.0, 2.0], pred) == expected == skm.r2_score([2.0, 2.0], pred)


def test_r2_is_negative_for_a_fit_worse_than_the_mean():
    t, p = [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]
    assert metrics.r2(t, p) == pytest.approx(skm.r2_score(t, p)) == pytest.approx(-3.0)


@pytest.mark.parametrize(
    "fn", [metrics.accuracy, metrics.mse, metrics.mae, metrics.r2, metrics.confusion_matrix]
)
def test_lengths_that_differ_name_both_shapes(fn):
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2,\)"):
        fn([0, 1, 1], [0, 1])


@pytest.mark.parametrize("fn", [metrics.accuracy, metrics.mse, metrics.r2])
def test_no_samples_is_an_error(fn):
    with pytest.raises(DataError, match="no samples"):
        fn([], [])


@pytest.mark.parametrize(
    ("t", "p", "match"),
    [
        ([0, -1], [0, 0], "position 1 holds -1"),
        ([0, 1], [0, 1.5], "position 1 holds 1.5"),
        (["a", "b"], [0, 1], "integer class indices"),
        ([0, 1], [0, float("nan")], "position 1"),
    ],
)
def test_confusion_matrix_rejects_values_that_are_not_class_indices(t, p, match):
    with pytest.raises(DataError, match=match):
        metrics.confusion_matrix(np.array(t), np.array(p))


def test_confusion_matrix_rejects_an_index_beyond_n_classes():
    with pytest.raises(DataError, match="class index 3 is out of range for n_classes=3"):
        metrics.confusion_matrix([0, 3], [0, 1], n_classes=3)


def test_precision_recall_wants_a_square_matrix():
    with pytest.raises(ShapeError, match="square"):
        metrics.precision_recall(np.zeros((2, 3)))


def test_metrics_table_names_the_functions():
    assert metrics.METRICS == {
        "accuracy": metrics.accuracy,
        "mse": metrics.mse,
        "mae": metrics.mae,
        "r2": metrics.r2,
    }


@pytest.mark.parametrize("seed", range(3))
def test_running_metrics_over_batches_equal_the_metrics_of_all_rows(seed):
    rng = np.random.default_rng(seed)
    n = 97
    cuts = np.sort(rng.choice(np.arange(1, n), size=6, replace=False))
    y = rng.normal(size=n) * 3 + 1e7  # far from zero: sum(y**2) - n * mean**2 would lose R^2
    pred = y + rng.normal(size=n)
    batch_losses = rng.random(7)
    run = metrics.RunningMetrics("regress", ["mse", "mae", "r2"])
    for i, (a, b) in enumerate(zip([0, *cuts], [*cuts, n])):
        run.update(pred[a:b, None], y[a:b], loss=batch_losses[i])
    sizes = np.diff([0, *cuts, n])
    got = run.result()
    assert got["loss"] == pytest.approx(np.dot(batch_losses, sizes) / n, rel=1e-12)
    assert got["mse"] == pytest.approx(skm.mean_squared_error(y, pred), rel=1e-9)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-9)
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-7)

    t = rng.integers(0, 4, n)
    logits = rng.normal(size=(n, 4))
    run = metrics.RunningMetrics("classify", ["accuracy"])
    for a, b in zip([0, *cuts], [*cuts, n]):
        run.update(logits[a:b], t[a:b], loss=0.0)
    assert run.result()["accuracy"] == skm.accuracy_score(t, logits.argmax(axis=1))
    assert run.metric_text() == f"accuracy {skm.accuracy_score(t, logits.argmax(axis=1)):.4f}"


@pytest.mark.parametrize(
    ("k", "n", "confidence"),
    [
        (27, 30, 0.95),
        (30, 30, 0.95),
        (0, 5, 0.95),
        (1, 1, 0.9),
        (50, 97, 0.99),
        (281, 300, 0.8),
        (3, 1000, 0.95),
    ],
)
def test_the_accuracy_interval_is_wilsons_as_scipy_computes_it(k, n, confidence):
    from scipy.stats import binomtest  # installed with scikit-learn

    ci = binomtest(k, n).proportion_ci(confidence, method="wilson")
    low, high = metrics.accuracy_interval(k, n, confidence)
    assert (low, high) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert 0 <= low <= k / n <= high <= 1


def test_the_classification_report_carries_the_interval_of_its_accuracy():
    t, p = _labels(200, 5, 3)
    rep = metrics.classification_report(t, p)
    right = int(np.sum(t == p))
    assert rep["accuracy_interval"] == list(metrics.accuracy_interval(right, 200))


@pytest.mark.parametrize(
    ("k", "n", "confidence", "error"),
    [
        (3, 2, 0.95, DataError),  # more right than rows
        (-1, 5, 0.95, SettingError),
        (0, 0, 0.95, SettingError),
        (1.5, 3, 0.95, SettingError),
        (1, 3, 1.0, DataError),
        (1, 3, 0.0, DataError),
    ],
)
def test_the_accuracy_interval_refuses_impossible_counts(k, n, confidence, error):
    with pytest.raises(error, match="accuracy_interval"):
        metrics.accuracy_interval(k, n, confidence)
