"""Seeded fuzzing of the command line: generated CSV files and crafted model files.

Every case must end in one of two ways: exit 0 with finite output, or exit 2 with exactly
one ``error:`` line. Never a traceback (an exception out of ``cli.main``), a warning (the
suite turns them into errors), a hang (an alarm bounds each case) or exit 0 with NaN.
Most cases run in this process, for speed; a few go through the real console script.
"""

import contextlib
import io
import json
import math
import signal
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet.report
from glassnet import cli
from glassnet.commands import train as train_command

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
from crafted import iris_config, iris_weights, raw_model, signed_model  # noqa: E402

SECONDS_PER_CASE = 30
NONFINITE = ("nan", "inf")


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def run_case(argv: list[str]) -> tuple[int, str, str]:
    """``glassnet ARGV`` in this process: exit code, stdout, stderr; any escape fails."""
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS_PER_CASE)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code
    except Hang:
        pytest.fail(f"glassnet {' '.join(argv)}: no answer within {SECONDS_PER_CASE} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


def check_outcome(argv, code, out: str, err: str) -> None:
    """Exit 0 with finite output, or exit 2 with one error line."""
    where = f"glassnet {' '.join(map(str, argv))[:300]}"
    assert code in (0, 2), f"{where}: exit {code}\n{err[-2000:]}"
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{where}: {err[:2000]}"
        assert len(lines[0]) <= 1000 and "\x1b" not in lines[0], where
        return
    assert "Traceback" not in err and "Warning" not in err, f"{where}: {err[:2000]}"
    if argv[0] == "predict":
        for row in out.splitlines()[1:]:
            for cell in row.split(","):
                assert cell.strip().lower() not in NONFINITE, f"{where}: {row}"


def finite_json(path: Path) -> None:
    def refuse(name):
        raise AssertionError(f"{path}: {name} in the output")

    json.loads(path.read_text(), parse_constant=refuse)


# --- generated CSV files --------------------------------------------------------------------

ODD_CELLS = [
    "",
    "nan",
    "inf",
    "-inf",
    "NA",
    "3.4e38",
    "-3.4e38",
    "3.3e38",
    "1e-320",
    "1e308",
    "abc",
    "\u0661\u0662",
    "\uff11\uff12",
    "1_000",
    '"1,5"',
    "0x10",
    " 7 ",
    "1e",
    "\x1b[31m",
    "\u00a0",
]


def _cell(rng, odd: float = 0.08) -> str:
    r = rng.random()
    if r < odd:
        return ODD_CELLS[rng.integers(len(ODD_CELLS))]
    if r < odd + 0.04:
        return str(int(rng.integers(-5, 5)))
    scale = 10.0 ** rng.integers(-6, 8) if r < odd + 0.12 else 1.0
    return repr(float(rng.normal() * scale))


def _label(rng, n_classes: int, long: bool) -> str:
    k = int(rng.integers(n_classes))
    name = f"class{k}"
    if long:
        name = name * 200
    return name


def generate_csv(rng) -> str:
    """A small CSV: clean most of the time, with odd cells, rows, headers and labels."""
    n_features = int(rng.integers(1, 6))
    n_rows = int(rng.choice([0, 1, 3, 8, 20, 40]))
    n_classes = int(rng.choice([1, 2, 3, 5, 40]))
    long = rng.random() < 0.1
    regression = rng.random() < 0.25
    header = [f"f{i}" for i in range(n_features)] + ["target"]
    if rng.random() < 0.08:
        header[int(rng.integers(len(header)))] = rng.choice(["f0", "", "\x1b[2Jx", "a;b"])
    lines = [",".join(header)]
    odd = 0.0 if rng.random() < 0.5 else 0.03  # half the files hold no odd cell
    for _ in range(n_rows):
        cells = [_cell(rng, odd) for _ in range(n_features)]
        target = repr(float(rng.normal())) if regression else _label(rng, n_classes, long)
        if rng.random() < odd:
            target = ODD_CELLS[rng.integers(len(ODD_CELLS))]
        row = cells + [target]
        if rng.random() < odd / 2:
            row = row[:-1]  # a ragged row
        lines.append(",".join(row))
    text = "\n".join(lines) + "\n"
    if rng.random() < 0.03:
        text = "\ufeff" + text
    if rng.random() < 0.02:
        text = text[: int(rng.integers(len(text)))] + '"'  # an unclosed quote
    return text


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """Training cases draw no report (the slow part); the report has its own cases below."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(train_command, "_write_report", lambda *a, **k: None)
        mp.setattr(glassnet.report, "plot_curves", lambda *a, **k: None)
        yield


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-model")
    code, _, err = run_case(["train", "--epochs", "2", "--quiet", "--out", str(folder / "run")])
    assert code == 0, err
    return folder / "run"


def test_generated_csv_files_train_or_give_one_error_line(tmp_path, quick_report):
    rng = np.random.default_rng(20261204)
    codes = []
    for case in range(120):
        data = tmp_path / f"case{case}.csv"
        data.write_text(generate_csv(rng), encoding="utf-8")
        out = tmp_path / f"run{case}"
        argv = ["train", "--data", str(data), "--epochs", "2", "--quiet", "--out", str(out)]
        argv += ["--batch-size", str(int(rng.choice([1, 4, 32])))]
        code, stdout, stderr = run_case(argv)
        check_outcome(argv, code, stdout, stderr)
        if code == 0:
            finite_json(out / "metrics.json")
            assert "saved to" in stdout
        codes.append(code)
    assert 30 <= codes.count(0) <= 90, codes.count(0)  # both outcomes are well exercised


def test_generated_csv_files_predict_and_evaluate_or_give_one_error_line(tmp_path, iris_model):
    rng = np.random.default_rng(7)
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    species = ["setosa", "versicolor", "virginica"]
    codes = []
    for case in range(150):
        lines = [",".join(rng.permutation(names) if rng.random() < 0.2 else names)]
        odd = 0.0 if rng.random() < 0.4 else 0.05
        for _ in range(int(rng.integers(0, 12))):
            cells = [_cell(rng, odd) for _ in range(4)] + [str(rng.choice(species + ["tulip"]))]
            lines.append(",".join(cells))
        data = tmp_path / f"new{case}.csv"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = ["predict", "--proba"] if case % 3 == 0 else [rng.choice(["predict", "evaluate"])]
        argv = [*command, "--model", str(iris_model), "--data", str(data)]
        code, out, err = run_case(argv)
        check_outcome(argv, code, out, err)
        codes.append(code)
    assert 20 <= codes.count(0) <= 130, codes.count(0)


# --- crafted model files --------------------------------------------------------------------


def _mutations(model: bytes, rng):
    """Byte flips, cuts and rewritten headers of a valid model file."""
    size = struct.unpack("<Q", model[:8])[0]
    header = json.loads(model[8 : 8 + size])
    body = model[8 + size :]
    for _ in range(25):
        data = bytearray(model)
        for at in rng.integers(0, len(data), int(rng.integers(1, 4))):
            data[at] ^= 1 << int(rng.integers(8))
        yield bytes(data)
    for _ in range(10):
        yield model[: int(rng.integers(0, len(model)))]
    name = next(k for k in header if k != "__metadata__")
    for change in (
        {"shape": [2**31, 2**31]},
        {"shape": [-1]},
        {"dtype": "F128"},
        {"dtype": 5},
        {"data_offsets": [0, 10**12]},
        {"data_offsets": [5, 2]},
        {"data_offsets": "x"},
    ):
        h = {**header, name: {**header[name], **change}}
        text = json.dumps(h).encode()
        yield struct.pack("<Q", len(text)) + text + body
    yield struct.pack("<Q", 2**63) + model[8:]
    yield struct.pack("<Q", size + 5) + model[8:]
    yield b"\x80\x04" + model
    yield struct.pack("<Q", 3000) + b"[" * 1500 + b"]" * 1500


def _configs():
    """Crafted configs, signed so that they reach every check behind the hash."""
    arch = {"type": "MLP", "activation": "tanh"}
    yield iris_config(architecture={**arch, "sizes": [4, 3]})  # the control: a working model
    yield iris_config(architecture={**arch, "sizes": [4, 10**9, 3]})
    yield iris_config(architecture={**arch, "sizes": [4] + [1] * 5000 + [3]})
    yield iris_config(architecture={**arch, "sizes": [4, 3], "activation": "softmax"})
    yield iris_config(architecture={**arch, "sizes": [4, 3], "dropout": 2})
    yield iris_config(task="cluster")
    yield iris_config(label_names=["a"])
    yield iris_config(feature_names=["x"] * 4)
    yield iris_config(standardizer={"mean": [0, 0, 0, 0], "scale": [1e-300] * 4})
    yield iris_config(standardizer={"mean": [math.nan] * 4, "scale": [1] * 4})
    yield iris_config(standardizer={"mean": [0, 0, 0], "scale": [1, 1, 1]})
    yield iris_config(standardizer="x")
    yield iris_config(settings={"seed": "zero", "data": "iris"})
    yield iris_config(settings=[[[[[]]]]])
    yield iris_config(target_scale={"mean": 0, "scale": -1})


def test_crafted_model_files_are_read_or_refused_with_one_line(tmp_path, iris_model):
    rng = np.random.default_rng(11)
    model = (iris_model / "model.safetensors").read_bytes()
    files = []
    for n, data in enumerate(_mutations(model, rng)):
        files.append(tmp_path / f"m{n}.safetensors")
        files[-1].write_bytes(data)
    for n, config in enumerate(_configs()):
        path = tmp_path / f"c{n}.safetensors"
        files.append(signed_model(path, json.dumps(config), iris_weights()))
    files.append(
        raw_model(tmp_path / "deep.safetensors", "{" + '"a":' * 0 + "[" * 5000 + "]" * 5000 + "}")
    )
    weights = iris_weights()
    weights["layers.0.weight"] = np.full((3, 4), 1e38)
    files.append(signed_model(tmp_path / "huge.safetensors", json.dumps(iris_config()), weights))
    assert len(files) > 60
    codes = []
    for path in files:
        for command in (["predict"], ["evaluate"]):
            argv = [*command, "--model", str(path), "--data", "iris"]
            code, out, err = run_case(argv)
            check_outcome(argv, code, out, err)
            codes.append(code)
    assert codes.count(0) >= 2 and codes.count(2) > len(codes) // 2  # both ends are reached


def test_a_few_cases_through_the_real_console_script(tmp_path, iris_model):
    rng = np.random.default_rng(3)
    for case in range(3):
        data = tmp_path / f"case{case}.csv"
        data.write_text(generate_csv(rng), encoding="utf-8")
        argv = [
            "train",
            "--data",
            str(data),
            "--epochs",
            "1",
            "--quiet",
            "--out",
            str(tmp_path / f"r{case}"),
        ]
        result = subprocess.run(
            [sys.executable, "-m", "glassnet", *argv], capture_output=True, text=True, timeout=120
        )
        check_outcome(argv, result.returncode, result.stdout, result.stderr)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "sepal_length,sepal_width,petal_length,petal_width\n3.4e38,3.4e38,3.4e38,3.4e38\n"
    )
    argv = ["predict", "--model", str(iris_model), "--data", str(bad)]
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", *argv], capture_output=True, text=True, timeout=120
    )
    check_outcome(argv, result.returncode, result.stdout, result.stderr)
    assert result.returncode == 2
