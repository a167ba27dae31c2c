"""Shared runs for the command-line tests."""

from pathlib import Path

import pytest
from cli_helpers import glassnet, ok


@pytest.fixture(scope="session")
def iris_run(tmp_path_factory) -> Path:
    """A short Iris run, shared by the tests that evaluate and predict."""
    cwd = tmp_path_factory.mktemp("iris_run")
    ok(glassnet("train", "--epochs", 5, "--out", "run", "--quiet", cwd=cwd))
    return cwd / "run"


@pytest.fixture(scope="session")
def sine_run(tmp_path_factory) -> Path:
    """A short regression run on the noisy sine."""
    cwd = tmp_path_factory.mktemp("sine_run")
    ok(glassnet("train", "--data", "sine", "--epochs", 5, "--out", "run", "--quiet", cwd=cwd))
    return cwd / "run"
