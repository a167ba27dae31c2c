import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import StandardScaler

from glassnet.data import Standardizer, load_dataset, split_indices, train_val_test_split
from glassnet.errors import DataError, SettingError


def test_iris_split_keeps_class_proportions_exactly():
    ds = load_dataset("iris")  # 50 of each species
    s = train_val_test_split(ds.X, ds.y, val_size=0.2, test_size=0.2, seed=0)
    assert np.bincount(s.y_train).tolist() == [30, 30, 30]
    assert np.bincount(s.y_val).tolist() == [10, 10, 10]
    assert np.bincount(s.y_test).tolist() == [10, 10, 10]


def test_rows_stay_paired_and_the_split_covers_every_row_once(rng):
    X = np.arange(200, dtype=np.float32).reshape(100, 2)
    y = rng.integers(0, 4, size=100)
    s = train_val_test_split(X, y, val_size=0.15, test_size=0.25, seed=3)
    rows = np.concatenate([s.X_train, s.X_val, s.X_test])[:, 0] / 2
    assert sorted(rows.astype(int).tolist()) == list(range(100))
    for Xp, yp in [(s.X_train, s.y_train), (s.X_val, s.y_val), (s.X_test, s.y_test)]:
        np.testing.assert_array_equal(y[(Xp[:, 0] / 2).astype(int)], yp)
    assert (len(s.y_val), len(s.y_test)) == (15, 25)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    val_size=st.sampled_from([0.0, 0.1, 0.15, 0.2, 0.3]),
    test_size=st.sampled_from([0.0, 0.1, 0.2, 0.25]),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_counts_are_proportional(sizes, val_size, test_size, seed):
    y = np.repeat(np.arange(len(sizes)), sizes)
    n = len(y)
    n_test = 0 if test_size == 0 else max(1, round(test_size * n))
    n_val = 0 if val_size == 0 else max(1, round(val_size * n))
    if n_test + n_val >= n:
        with pytest.raises(DataError, match="too few"):
            split_indices(n, val_size, test_size, seed, y)
        return
    train, val, test = split_indices(n, val_size, test_size, seed, y)
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(n))
    assert (len(test), len(val)) == (n_test, n_val)
    for c, n_c in enumerate(sizes):
        assert abs(np.sum(y[test] == c) - n_test * n_c / n) < 1
        assert abs(np.sum(y[val] == c) - n_val * n_c / n) < 2


def test_uneven_classes_by_hand():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    train, val, test = split_indices(100, 0.1, 0.1, seed=0, y=y)
    assert np.bincount(y[test]).tolist() == [5, 3, 2]
    assert np.bincount(y[val]).tolist() == [5, 3, 2]
    assert np.bincount(y[train]).tolist() == [40, 24, 16]


def test_same_seed_same_split_other_seed_other_split():
    y = np.repeat([0, 1], 50)
    a = split_indices(100, 0.2, 0.2, seed=5, y=y)
    b = split_indices(100, 0.2, 0.2, seed=5, y=y)
    c = split_indices(100, 0.2, 0.2, seed=6, y=y)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[2], c[2])
    assert a[0].dtype == np.int64


def test_splits_are_shuffled_not_grouped_by_class():
    y = np.repeat([0, 1], 500)
    train, _, _ = split_indices(1000, 0.1, 0.1, seed=0, y=y)
    assert len(set(y[train[:20]].tolist())) == 2


def test_regression_targets_split_at_random():
    y = np.linspace(0, 1, 50).astype(np.float32)
    s = train_val_test_split(np.zeros((50, 1)), y, val_size=0.2, test_size=0.1, seed=0)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (35, 10, 5)
    assert sorted(np.concatenate([s.y_train, s.y_val, s.y_test]).tolist()) == sorted(y.tolist())


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"val_size": -0.1}, "val_size must be a number in [0, 1)"),
        ({"test_size": 1.0}, "test_size must be a number in [0, 1)"),
        ({"val_size": 0.6, "test_size": 0.5}, "below 1"),
        ({"val_size": "0.2"}, "val_size"),
    ],
)
def test_split_size_errors(kwargs, fragment):
    options = {"val_size": 0.1, "test_size": 0.1, **kwargs}
    error = DataError if fragment == "below 1" else SettingError
    with pytest.raises(error) as info:
        train_val_test_split(np.zeros((10, 2)), np.zeros(10, int), seed=0, **options)
    assert fragment in str(info.value)


def test_split_shape_errors():
    with pytest.raises(DataError, match=r"\(10, 2\).*\(9,\)"):
        train_val_test_split(np.zeros((10, 2)), np.zeros(9, int))
    with pytest.raises(DataError, match="2 samples are too few"):
        train_val_test_split(np.zeros((2, 2)), np.arange(2), val_size=0.3, test_size=0.3)
    s = train_val_test_split(np.zeros((3, 2)), np.arange(3), val_size=0.3, test_size=0.3)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (1, 1, 1)


def test_standardizer_fitted_on_train_matches_scikit_learn(rng):
    X = (rng.normal(size=(200, 3)) * [1.0, 10.0, 0.1] + [5.0, -3.0, 100.0]).astype(np.float32)
    y = rng.integers(0, 2, size=200)
    s = train_val_test_split(X, y, val_size=0.2, test_size=0.2, seed=0)
    scaler = Standardizer().fit(s.X_train)
    reference = StandardScaler().fit(s.X_train.astype(np.float64))
    np.testing.assert_allclose(scaler.mean_, reference.mean_, rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, reference.scale_, rtol=1e-12)
    for part in (s.X_train, s.X_val, s.X_test):
        out = scaler.transform(part)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, reference.transform(part.astype(np.float64)), atol=1e-5)
    # statistics of the training split only: the whole data set has a different mean
    assert not np.allclose(scaler.mean_, X.astype(np.float64).mean(axis=0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(scaler.transform(s.X_train).mean(axis=0), 0, atol=1e-5)


def test_constant_column_gets_scale_one():
    X = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    scaler = Standardizer().fit(X)
    assert scaler.scale_[1] == 1.0
    np.testing.assert_array_equal(scaler.transform(X)[:, 1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(scaler.scale_[0], np.sqrt(8 / 3))


def test_inverse_transform_and_json_round_trip(rng):
    X = rng.normal(size=(30, 4)) * 3 + 1
    scaler = Standardizer().fit(X)
    again = Standardizer.from_dict(json.loads(json.dumps(scaler.to_dict())))
    assert again.mean_.tobytes() == scaler.mean_.tobytes()
    assert again.scale_.tobytes() == scaler.scale_.tobytes()
    np.testing.assert_allclose(again.inverse_transform(scaler.transform(X)), X, rtol=1e-12)
    assert all(type(v) is float for v in scaler.to_dict()["mean"])


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: Standardizer().transform(np.zeros((2, 2))), "not fitted"),
        (lambda: Standardizer().to_dict(), "not fitted"),
        (lambda: Standardizer().fit(np.zeros(3)), "got (3,)"),
        (lambda: Standardizer().fit(np.zeros((0, 3))), "got (0, 3)"),
        (lambda: Standardizer().fit(np.array([[1.0], [np.nan]])), "NaN"),
        (
            lambda: Standardizer().fit(np.zeros((4, 3))).transform(np.zeros((5, 2))),
            "fitted on 3 features, got X of shape (5, 2)",
        ),
        (lambda: Standardizer.from_dict({"mean": [0.0]}), "expected"),
        (lambda: Standardizer.from_dict({"mean": [0.0], "scale": [0.0]}), "positive"),
    ],
)
def test_standardizer_errors(call, fragment):
    with np.errstate(invalid="ignore"):
        with pytest.raises(DataError) as info:
            call()
    assert fragment in str(info.value)


BAD_SEEDS = [
    (-1, "got -1"),
    (1.5, "got 1.5"),
    ("7", "got '7'"),
    (None, "got None"),
    (True, "got True"),
    (np.int64(-3), "got -3"),
]


@pytest.mark.parametrize("seed, fragment", BAD_SEEDS)
def test_seeds_must_be_non_negative_integers(seed, fragment):
    for call, owner in [
        (lambda: split_indices(10, 0.2, 0.2, seed=seed), "split_indices"),
        (
            lambda: train_val_test_split(np.zeros((10, 1)), np.arange(10) % 2, seed=seed),
            "split_indices",
        ),
    ]:
        with pytest.raises(SettingError) as info:
            call()
        assert f"{owner}: seed must be an integer >= 0, {fragment}" in str(info.value)


def test_numpy_integer_seeds_are_seeds():
    a = split_indices(10, 0.2, 0.2, seed=np.int64(3))
    b = split_indices(10, 0.2, 0.2, seed=3)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
