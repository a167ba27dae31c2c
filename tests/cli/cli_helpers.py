"""Run the ``glassnet`` command as a user would: a new process, through its real entry point."""

import subprocess
import sys
import sysconfig
from pathlib import Path

SCRIPT = Path(sysconfig.get_path("scripts")) / "glassnet"  # the installed console script


def glassnet(*args, cwd, script: bool = False) -> subprocess.CompletedProcess:
    """``glassnet ARGS`` in ``cwd``: the console script, or ``python -W error -m glassnet``."""
    if script:
        cmd = [str(SCRIPT)]
    else:  # warnings are errors here, as in the rest of the test suite
        cmd = [sys.executable, "-W", "error", "-m", "glassnet"]
    return subprocess.run(
        [*cmd, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def ok(result: subprocess.CompletedProcess) -> str:
    """The standard output of a command that must have succeeded silently on stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval of k successes in n, from SciPy (there with scikit-learn)."""
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
    return float(ci.low), float(ci.high)


def warned(result: subprocess.CompletedProcess, fragment: str) -> str:
    """The standard output of a command that succeeded with one ``warning:`` line holding
    ``fragment`` on stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("warning: ")
    assert fragment in result.stderr, result.stderr
    return result.stdout
