import functools
import shutil

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test: the same numbers on every run."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def iris_split():
    """Iris standardised and split into training and validation rows (80/20), by seed:
    ``X_train, y_train, X_val, y_val`` for the Trainer's tests."""
    from glassnet.data import Standardizer, load_dataset, train_val_test_split

    @functools.cache
    def split(seed: int):
        ds = load_dataset("iris")
        s = train_val_test_split(ds.X, ds.y, val_size=0.2, test_size=0.0001, seed=seed)
        scaler = Standardizer().fit(s.X_train)
        return scaler.transform(s.X_train), s.y_train, scaler.transform(s.X_val), s.y_val

    return split


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    """Overflow, division by zero and invalid operations fail the test instead of warning."""
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        yield


# Shared runs for the command-line tests (tests/cli). They live here rather than in a
# tests/cli/conftest.py because two conftest modules of the same name cannot coexist in
# pytest's default import mode. ``cli_helpers`` sits beside those tests, whose folder pytest
# puts on sys.path when it collects them.


@pytest.fixture(scope="session")
def iris_run(tmp_path_factory):
    """A short Iris run, shared by the tests that evaluate and predict."""
    from cli_helpers import glassnet, ok

    cwd = tmp_path_factory.mktemp("iris_run")
    ok(glassnet("train", "--epochs", 5, "--out", "run", "--quiet", cwd=cwd))
    return cwd / "run"


@pytest.fixture(scope="session")
def sine_run(tmp_path_factory):
    """A short regression run on the noisy sine."""
    from cli_helpers import glassnet, ok

    cwd = tmp_path_factory.mktemp("sine_run")
    ok(glassnet("train", "--data", "sine", "--epochs", 5, "--out", "run", "--quiet", cwd=cwd))
    return cwd / "run"


@pytest.fixture
def graphviz_or_skip():
    """Skip a rendering test, naming what to install, when Graphviz is not available."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        pytest.skip("rendering needs the graphviz Python package (pip install glassnet[graph])")
    if shutil.which("dot") is None:
        pytest.skip(
            "rendering needs the Graphviz programs (apt-get install graphviz, "
            "or brew install graphviz)"
        )
