import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test: the same numbers on every run."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    """Overflow, division by zero and invalid operations fail the test instead of warning."""
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        yield
