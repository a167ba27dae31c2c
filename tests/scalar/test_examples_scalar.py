"""The scalar examples run and converge."""

import re
import runpy
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
XS = [[1.0, 2.0, -1.0], [6.0, -4.0, 1.0], [2.0, 1.0, -1.0], [4.0, 3.0, -2.0]]
YS = [2.0, -4.0, -3.0, 2.0]


def test_regression_example_runs_as_a_script_and_converges(capsys):
    runpy.run_path(str(EXAMPLES / "scalar_regression.py"), run_name="__main__")
    out = capsys.readouterr().out
    losses = [float(x) for x in re.findall(r"loss (\d+\.\d+)", out)]
    assert len(losses) >= 3 and losses[-1] < 0.01 < losses[0]
    assert "(converged)" in out


def test_regression_example_fits_the_four_points():
    main = runpy.run_path(str(EXAMPLES / "scalar_regression.py"))["main"]
    result = main(verbose=False)
    sse = sum((p - y) ** 2 for p, y in zip(result["predictions"], YS))  # recomputed here
    assert result["converged"] and sse < 0.01
    assert abs(sse - result["loss"]) < 1e-12


def test_moons_example_reaches_high_accuracy(capsys):
    runpy.run_path(str(EXAMPLES / "scalar_moons.py"), run_name="__main__")
    out = capsys.readouterr().out
    final = re.search(r"final\s+loss (\d+\.\d+)\s+accuracy (\d+)%", out)
    assert final and float(final[1]) < 0.05 and int(final[2]) >= 98
    first = re.search(r"step\s+0\s+loss (\d+\.\d+)", out)
    assert float(first[1]) > 5 * float(final[1])


def test_moons_example_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails -> built-in
    ns = runpy.run_path(str(EXAMPLES / "scalar_moons.py"))
    X, y = ns["moons"](n_samples=100, noise=0.1, seed=1)
    assert X.shape == (100, 2) and sorted(set(y.tolist())) == [0, 1] and y.sum() == 50
    # upper moon (class 0) centred at (0, ~0.6), lower moon (class 1) at (1, ~-0.1)
    assert X[y == 0, 1].mean() > X[y == 1, 1].mean() + 0.4
    assert X[y == 1, 0].mean() > X[y == 0, 0].mean() + 0.7
    assert np.allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]).mean(), 1.0, atol=0.05)
    result = ns["main"](verbose=False)
    assert result["accuracy"] >= 0.95
