"""The validation rules of glassnet.checks: what each accepts, what it refuses, in what words."""

import math

import numpy as np
import pytest

from glassnet import checks
from glassnet.errors import SettingError

ACCEPTED = [
    (checks.positive_int, 1, 1),
    (checks.positive_int, np.int64(7), 7),
    (checks.positive_int, np.uint8(3), 3),
    (checks.nonnegative_int, 0, 0),
    (checks.nonnegative_int, np.int32(5), 5),
    (checks.probability, 0, 0.0),
    (checks.probability, 1, 1.0),
    (checks.probability, np.float32(0.25), 0.25),
    (checks.positive_float, 1e-12, 1e-12),
    (checks.positive_float, np.float64(3.5), 3.5),
    (checks.nonnegative_float, 0, 0.0),
    (checks.nonnegative_float, 2, 2.0),
]


@pytest.mark.parametrize(("check", "value", "expected"), ACCEPTED)
def test_accepted_values_come_back_as_plain_python_numbers(check, value, expected):
    out = check(value, "x", "Owner")
    assert out == expected and type(out) is type(expected)


REFUSED = [
    (checks.positive_int, 0, "a positive integer, got 0"),
    (checks.positive_int, -2, "a positive integer, got -2"),
    (checks.positive_int, 2.0, "a positive integer, got 2.0"),
    (checks.positive_int, True, "a positive integer, got True"),
    (checks.positive_int, "3", "a positive integer, got '3'"),
    (checks.positive_int, None, "a positive integer, got None"),
    (checks.nonnegative_int, -1, "an integer >= 0, got -1"),
    (checks.nonnegative_int, np.int64(-3), "an integer >= 0, got -3"),
    (checks.nonnegative_int, 0.5, "an integer >= 0, got 0.5"),
    (checks.probability, -0.1, "a number in [0, 1], got -0.1"),
    (checks.probability, 1.5, "a number in [0, 1], got 1.5"),
    (checks.probability, math.nan, "a number in [0, 1], got nan"),
    (checks.probability, False, "a number in [0, 1], got False"),
    (checks.positive_float, 0, "a finite number > 0, got 0"),
    (checks.positive_float, math.inf, "a finite number > 0, got inf"),
    (checks.positive_float, "0.1", "a finite number > 0, got '0.1'"),
    (checks.nonnegative_float, -1e-9, "a finite number >= 0, got -1e-09"),
    (checks.nonnegative_float, -math.inf, "a finite number >= 0, got -inf"),
]


@pytest.mark.parametrize(("check", "value", "words"), REFUSED)
def test_refused_values_name_the_owner_the_setting_and_the_value(check, value, words):
    with pytest.raises(SettingError) as info:
        check(value, "x", "Owner")
    assert str(info.value) == f"Owner: x must be {words}"


def test_probability_below_one_refuses_one():
    assert checks.probability(0.999, "p", "Dropout", below_one=True) == 0.999
    with pytest.raises(SettingError, match=r"Dropout: p must be a number in \[0, 1\), got 1.0"):
        checks.probability(1.0, "p", "Dropout", below_one=True)


def test_one_of_lists_the_choices():
    assert checks.one_of("adam", ("sgd", "adam"), "optimizer", "Trainer") == "adam"
    with pytest.raises(SettingError) as info:
        checks.one_of("lbfgs", {"sgd": 1, "adam": 2}, "optimizer", "Trainer")
    assert str(info.value) == "Trainer: optimizer must be one of 'sgd', 'adam', got 'lbfgs'"


def test_one_of_refuses_values_that_cannot_be_compared():
    with pytest.raises(SettingError, match="must be one of 'a', 'b'"):
        checks.one_of(np.zeros(3), ("a", "b"), "kind", "Owner")
    with pytest.raises(SettingError, match="must be one of 'a', 'b'"):
        checks.one_of(["a"], ("a", "b"), "kind", "Owner")


def test_a_setting_error_is_a_value_error_and_a_glassnet_error():
    from glassnet import GlassnetError

    assert issubclass(SettingError, ValueError) and issubclass(SettingError, GlassnetError)
