"""``glassnet explain`` through its real entry point, with its numbers checked independently.

The neuron-by-neuron numbers are recomputed here from the saved weights and the saved
standardisation with plain NumPy, not with glassnet.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

SCRIPT = Path(sysconfig.get_path("scripts")) / "glassnet"
IRIS = Path(__file__).parents[2] / "src" / "glassnet" / "data" / "iris.csv"


def run(*args, cwd, script=False, columns=200):
    """``glassnet explain ARGS`` in a new process, its tables ``columns`` wide."""
    cmd = [str(SCRIPT)] if script else [sys.executable, "-W", "error", "-m", "glassnet"]
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [*cmd, "explain", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def ok(result):
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def failed(result, *needles):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("explain_run")
    train = [
        sys.executable,
        "-m",
        "glassnet",
        "train",
        "--epochs",
        "3",
        "--hidden",
        "6",
        "--out",
        "run",
        "--quiet",
    ]
    subprocess.run(train, cwd=cwd, check=True, capture_output=True, timeout=120)
    return cwd / "run"


def test_no_argument_explains_a_default_iris_model(tmp_path):
    out = ok(run(cwd=tmp_path))
    assert out.startswith("glassnet explain: MLP 4-16-3 (relu), 3 classes (setosa, versicolor")
    assert "no --model given: trained a default model on all 150 rows of iris just now" in out
    for needle in [
        "architecture",
        "Linear(4 -> 16)",
        "weight (16, 4), bias (16,)",
        "131",  # 80 + 51
        "forward pass",
        "backward pass",
        "8 rows of iris",
        "z1 = x @ W1.T + b1",
        "(8, 4) @ (4, 16) + (16,) -> (8, 16)",
        "a1 = relu(z1)",
        "loss = cross_entropy(z2, y)",
        "dz2 = (softmax(z2) - onehot(y)) / 8",
        "dW1 = dz1.T @ x",
        f"{2 * 8 * 4 * 16 + 8 * 16:,}",
        f"{2 * 8 * 16 * 3 + 8 * 3:,}",
    ]:
        assert needle in out, needle
    assert "neuron by neuron" not in out and list(tmp_path.iterdir()) == []


def test_batch_size_sets_the_traced_batch(tmp_path):
    out = ok(run("--batch-size", 5, cwd=tmp_path, script=True))
    assert "(5, 4) @ (4, 16) + (16,) -> (5, 16)" in out and "5 rows of iris" in out


def test_an_ascii_terminal_gets_ascii_tables(tmp_path):
    cmd = [sys.executable, "-m", "glassnet", "explain", "--sample", "0"]
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "200"}
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("ascii")  # raises if anything is not ASCII
    assert "| 1 | 1     | layers.0 | z1 = x @ W1.T + b1" in text


def test_a_narrow_terminal_wraps_the_tables_to_its_width(tmp_path):
    out = ok(run(cwd=tmp_path, columns=90))
    assert max(len(line) for line in out.splitlines() if line.startswith("│")) <= 90
    assert "forward pass" in out and "backward pass" in out


def _numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d+", text)]


def _standardised_row(run_dir, n):
    """Row n of Iris standardised with the run's saved means and scales, the weights and
    the config, read with the safetensors library and NumPy only."""
    from safetensors import safe_open

    assert json.loads((run_dir / "run.json").read_text())["settings"]["data"] == "iris"
    file = run_dir / "model.safetensors"
    with safe_open(file, "np") as f:
        config = json.loads(f.metadata()["config"])
    raw = np.loadtxt(IRIS, delimiter=",", skiprows=1, usecols=range(4))[n]
    sd = config["standardizer"]
    return (raw - np.asarray(sd["mean"])) / np.asarray(sd["scale"]), load_file(file), config


def test_sample_shows_the_arithmetic_of_each_neuron(iris_run, tmp_path):
    n = 77
    out = ok(run("--model", iris_run, "--sample", n, cwd=tmp_path))
    x, weights, config = _standardised_row(iris_run, n)
    W1, b1 = weights["layers.0.weight"].astype(np.float64), weights["layers.0.bias"]
    lines = out.splitlines()
    first = next(line for line in lines if line.strip().startswith("neuron 1: z1[0] ="))
    numbers = _numbers(first.split("=", 1)[1])
    shown_w, shown_x, shown_b, shown_z = numbers[0:8:2], numbers[1:8:2], numbers[8], numbers[9]
    np.testing.assert_allclose(shown_w, W1[0], atol=5e-4)
    np.testing.assert_allclose(shown_x, x, atol=5e-4)
    assert shown_b == pytest.approx(b1[0], abs=5e-4)
    assert shown_z == pytest.approx(W1[0] @ x + b1[0], abs=1e-3)  # z = w . x + b
    # the whole network by hand: predicted class and probabilities
    g = {
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    }[config["architecture"]["activation"]]
    a = g(W1 @ x + b1)
    z = weights["layers.2.weight"].astype(np.float64) @ a + weights["layers.2.bias"]
    p = np.exp(z - z.max())
    p /= p.sum()
    prob_line = next(line for line in lines if line.startswith("output: p = softmax(z2)"))
    np.testing.assert_allclose(_numbers(prob_line.split("=")[-1]), p, atol=5e-4)
    assert f"predicted class: {config['label_names'][int(p.argmax())]}" in out
    assert "... 3 more neurons (neurons 4 to 6), computed the same way" in out
    assert f"sample {n} of iris: sepal_length" in out


def test_graph_dot_needs_no_graphviz(iris_run, tmp_path):
    out = ok(run("--model", iris_run / "model.safetensors", "--graph", "g.dot", cwd=tmp_path))
    text = (tmp_path / "g.dot").read_text()
    assert text.startswith("digraph glassnet {") and "z1 = x @ W1.T + b1" in text
    assert "layers.2.weight" in text and "written to g.dot" in out


def test_graph_writes_an_svg(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("rendering needs the Graphviz programs (apt-get install graphviz)")
    out = ok(run("--graph", "graph.svg", "--batch-size", 2, cwd=tmp_path))
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg[:500] and "z1 = x @ W1.T + b1" in svg and "layers.0.weight" in svg
    assert "written to graph.svg" in out


def test_a_model_without_its_data_is_traced_on_random_rows(tmp_path):
    from glassnet import nn, saved

    saved.save(tmp_path / "m.safetensors", nn.MLP([3, 5, 2], seed=0), task="classify")
    out = ok(run("--model", "m.safetensors", "--sample", 0, "--batch-size", 4, cwd=tmp_path))
    assert "4 rows of random rows" in out and "no data set fits the model" in out
    assert "(4, 3) @ (3, 5) + (5,) -> (4, 5)" in out and "neuron 1: z1[0]" in out


def test_a_regression_model(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "glassnet",
            "train",
            "--data",
            "sine",
            "--epochs",
            "2",
            "--hidden",
            "4",
            "--out",
            "run",
            "--quiet",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = ok(run("--model", "run", "--sample", 1, cwd=tmp_path))
    assert "regression of" in out and "mean squared error loss" in out
    assert "loss = mean(" in out and "prediction = z * " in out


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--model", "missing-run"], ["missing-run"]),
        (["--sample", "150"], ["--sample 150 is out of range", "0 to 149"]),
        (["--sample", "-1"], ["--sample -1 is out of range"]),
        (["--graph", "graph.jpeg"], ["--graph graph.jpeg", ".svg"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, needles):
    failed(run(*args, cwd=tmp_path), *needles)
    assert list(tmp_path.iterdir()) == []


def test_wide_sums_and_layers_are_shortened_and_the_totals_stay_exact():
    from glassnet import nn
    from glassnet.explain.neurons import sample_arithmetic

    model = nn.MLP([12, 5, 2], activation="tanh", seed=3)
    x = np.linspace(-1, 1, 12)
    lines = sample_arithmetic(model, x, max_neurons=2, max_terms=4, label_names=["no", "yes"])
    W, b = model.layers[0].weight.data.astype(np.float64), model.layers[0].bias.data
    z = W @ x.astype(np.float32) + b
    first = lines[1]
    assert "+ ... (9 more terms) +" in first  # 3 terms shown, 9 elided, then the bias
    assert first.endswith(f"= {z[0]:.3f}")
    assert lines[2].strip() == f"a1[0] = tanh({z[0]:.3f}) = {np.tanh(z[0]):.3f}"
    assert "  ... 3 more neurons (neurons 3 to 5), computed the same way" in lines
