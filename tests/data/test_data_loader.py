import json

import numpy as np
import pytest

from glassnet.data import DataLoader
from glassnet.errors import DataError, SettingError


def data(n, d=3):
    """Row i of X is (i, i, ...) so every batch can be checked against its labels."""
    X = np.repeat(np.arange(n, dtype=np.float32)[:, None], d, axis=1)  # (n, d)
    return X, np.arange(n, dtype=np.int64)


def epoch(loader):
    return [(xb.copy(), yb.copy()) for xb, yb in loader]


@pytest.mark.parametrize(
    "n, batch_size, drop_last, expected",
    [
        (10, 3, False, 4),
        (10, 3, True, 3),
        (9, 3, False, 3),
        (9, 3, True, 3),
        (5, 32, False, 1),
        (1, 1, False, 1),
        (100, 1, True, 100),
    ],
)
def test_len_is_batches_per_epoch(n, batch_size, drop_last, expected):
    loader = DataLoader(*data(n), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == expected
    assert len(epoch(loader)) == expected


@pytest.mark.parametrize("n, batch_size", [(10, 3), (64, 8), (7, 7), (5, 32), (101, 10)])
def test_each_sample_once_per_epoch_with_rows_paired(n, batch_size):
    loader = DataLoader(*data(n), batch_size=batch_size, seed=1)
    for _ in range(3):
        batches = epoch(loader)
        sizes = [len(yb) for _, yb in batches]
        assert sizes[:-1] == [batch_size] * (len(sizes) - 1) and sum(sizes) == n
        seen = np.concatenate([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(n))
        for xb, yb in batches:
            np.testing.assert_array_equal(xb, np.repeat(yb[:, None], 3, axis=1))
            assert xb.dtype == np.float32 and yb.dtype == np.int64


def test_drop_last_skips_the_short_batch_without_repeats():
    loader = DataLoader(*data(10), batch_size=4, drop_last=True, seed=0)
    for _ in range(3):
        batches = epoch(loader)
        assert [len(yb) for _, yb in batches] == [4, 4]
        seen = np.concatenate([yb for _, yb in batches]).tolist()
        assert len(set(seen)) == 8


def test_reshuffles_every_epoch():
    loader = DataLoader(*data(50), batch_size=50, seed=0)
    orders = [epoch(loader)[0][1].tolist() for _ in range(3)]
    assert orders[0] != orders[1] != orders[2] and orders[0] != orders[2]
    assert orders[0] != list(range(50))


def test_no_shuffle_keeps_the_order():
    loader = DataLoader(*data(7), batch_size=3, shuffle=False)
    for _ in range(2):
        assert [yb.tolist() for _, yb in loader] == [[0, 1, 2], [3, 4, 5], [6]]


def test_same_seed_same_batches_other_seed_other_batches():
    a = DataLoader(*data(40), batch_size=8, seed=11)
    b = DataLoader(*data(40), batch_size=8, seed=11)
    c = DataLoader(*data(40), batch_size=8, seed=12)
    runs = [[yb.tolist() for _ in range(3) for _, yb in loader] for loader in (a, b, c)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_order_is_the_generators_permutation():
    """The documented contract: one permutation per epoch from default_rng(seed)."""
    loader = DataLoader(*data(20), batch_size=6, seed=4)
    rng = np.random.default_rng(4)
    for _ in range(2):
        expected = rng.permutation(20).tolist()
        assert np.concatenate([yb for _, yb in loader]).tolist() == expected


def test_resume_from_state_dict_reshuffles_like_an_uninterrupted_run():
    full = DataLoader(*data(30), batch_size=4, seed=9)
    uninterrupted = [yb.tolist() for _ in range(5) for _, yb in full]

    first = DataLoader(*data(30), batch_size=4, seed=9)
    before = [yb.tolist() for _ in range(2) for _, yb in first]
    saved = json.loads(json.dumps(first.state_dict()))  # through JSON, as in a checkpoint
    resumed = DataLoader(*data(30), batch_size=4, seed=12345)
    resumed.load_state_dict(saved)
    after = [yb.tolist() for _ in range(3) for _, yb in resumed]
    assert before + after == uninterrupted


def test_state_dict_is_a_snapshot():
    loader = DataLoader(*data(10), batch_size=5, seed=0)
    state = loader.state_dict()
    copy = json.dumps(state)
    epoch(loader)
    assert json.dumps(state) == copy


def test_batches_do_not_alias_across_epochs():
    loader = DataLoader(*data(6), batch_size=6, seed=0)
    first = next(iter(loader))[1]
    kept = first.copy()
    epoch(loader)
    np.testing.assert_array_equal(first, kept)


def test_multidimensional_inputs_and_targets():
    X = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    y = np.arange(10, dtype=np.float32).reshape(5, 2)
    xb, yb = next(iter(DataLoader(X, y, batch_size=5, shuffle=False)))
    assert xb.shape == (5, 2, 3) and yb.shape == (5, 2)


@pytest.mark.parametrize(
    "X, y, kwargs, fragment",
    [
        (np.zeros((10, 3)), np.zeros(9), {}, "X of shape (10, 3) and y of shape (9,)"),
        (np.zeros((0, 3)), np.zeros(0), {}, "no samples (X of shape (0, 3))"),
        (np.float32(1.0), np.zeros(1), {}, "X of shape ()"),
        (np.zeros((10, 3)), np.zeros(10), {"batch_size": 0}, "positive integer, got 0"),
        (np.zeros((10, 3)), np.zeros(10), {"batch_size": 2.5}, "positive integer, got 2.5"),
        (np.zeros((10, 3)), np.zeros(10), {"batch_size": True}, "positive integer, got True"),
        (
            np.zeros((10, 3)),
            np.zeros(10),
            {"batch_size": 16, "drop_last": True},
            "batch_size=16 and only 10 samples",
        ),
    ],
)
def test_loader_errors(X, y, kwargs, fragment):
    with pytest.raises(SettingError if "positive integer" in fragment else DataError) as info:
        DataLoader(X, y, **kwargs)
    assert fragment in str(info.value)


def test_load_state_dict_errors():
    loader = DataLoader(*data(5))
    with pytest.raises(DataError, match="expected the dict returned by state_dict"):
        loader.load_state_dict({"seed": 3})
    mt = np.random.Generator(np.random.MT19937(0)).bit_generator.state
    with pytest.raises(DataError, match="MT19937 generator, but this loader uses PCG64"):
        loader.load_state_dict({"bit_generator": mt})


@pytest.mark.parametrize("seed", [-1, 2.0, "0", None, False, np.int32(-5)])
def test_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(SettingError, match=r"DataLoader: seed must be an integer >= 0, got "):
        DataLoader(np.zeros((4, 1)), np.zeros(4), seed=seed)


def test_numpy_integer_seed_is_kept_as_an_int():
    loader = DataLoader(np.zeros((4, 1)), np.arange(4), batch_size=4, seed=np.uint8(9))
    again = DataLoader(np.zeros((4, 1)), np.arange(4), batch_size=4, seed=9)
    assert loader.seed == 9 and type(loader.seed) is int
    assert [yb.tolist() for _, yb in loader] == [yb.tolist() for _, yb in again]
