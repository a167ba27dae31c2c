"""Model files and tables that are not what they claim: special files, crafted headers and
configs. Each is refused with one line, in bounded time and memory, before it is trusted."""

import json
import os
import resource
import subprocess
import sys
import time

import pytest
from crafted import iris_config, iris_weights, raw_model, signed_model

from glassnet import cli


def _run(*args, capsys) -> tuple[int, str, str]:
    code = cli.main([*map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err[:2000]
    return lines[0]


def _limited(seconds: int, memory: int):
    def limit():  # in the child: a hang or a runaway read ends it instead of the machine
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return limit


@pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
def test_a_special_file_as_a_model_or_a_table_is_named_at_once(tmp_path, kind):
    if kind == "fifo":
        target = tmp_path / "model.safetensors"
        os.mkfifo(target)
        what = "a FIFO (named pipe)"
    elif kind == "zero":
        target = tmp_path / "model.safetensors"
        target.symlink_to("/dev/zero")
        what = "a character device"
    else:
        target = tmp_path / "table"
        target.mkdir()
        what = "a folder"
    for args in (["predict", "--model", target, "--data", "iris"], ["train", "--data", target]):
        if kind == "folder" and args[0] == "predict":
            continue  # a folder as a model is a run folder: its own message
        result = subprocess.run(
            [sys.executable, "-m", "glassnet", *map(str, args)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,  # a FIFO read would block forever: the wall clock bounds it
            preexec_fn=_limited(20, 1 << 31),
        )
        assert result.returncode == 2, result.stderr[-2000:]
        line = _one_error(result.stderr)
        assert str(target) in line and what in line


def test_a_model_header_nested_a_thousand_deep_is_refused_without_recursion(tmp_path, capsys):
    deep = "[" * 1000 + "]" * 1000
    raw_model(tmp_path / "a.safetensors", '{"__metadata__": {}, "x": ' + deep + "}")
    code, _, err = _run(
        "predict", "--model", tmp_path / "a.safetensors", "--data", "iris", capsys=capsys
    )
    assert code == 2 and "nests 1001 levels deep" in _one_error(err)
    signed_model(tmp_path / "b.safetensors", deep, iris_weights())
    code, _, err = _run(
        "predict", "--model", tmp_path / "b.safetensors", "--data", "iris", capsys=capsys
    )
    assert code == 2 and "'config' entry" in _one_error(err) and "1000 levels" in err


def test_deeply_nested_run_json_or_checkpoint_gives_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--epochs", "2", "--out", "run", "--quiet"]) == 0
    capsys.readouterr()
    (tmp_path / "run" / "run.json").write_text('{"settings": ' + "[" * 5000 + "]" * 5000 + "}")
    code, _, err = _run("train", "--resume", "run", capsys=capsys)
    assert code == 2 and "run.json: its JSON nests 5001 levels deep" in _one_error(err)
    assert cli.main(["train", "--epochs", "2", "--out", "again", "--quiet"]) == 0
    capsys.readouterr()
    deep = {"kind": "checkpoint", "tree": "[" * 3000 + "]" * 3000}
    signed_model(tmp_path / "again" / "last.safetensors", "{}", iris_weights(), deep)
    code, _, err = _run("train", "--resume", "again", capsys=capsys)
    assert code == 2 and "'tree' entry of the header: its JSON nests 3000" in _one_error(err)


def test_a_crafted_config_is_checked_against_the_weights_before_a_network_is_built(
    tmp_path, capsys
):
    # sizes [4, 1, ..., 1, 3] with 200,000 layers, and 40,000-wide layers: nothing is built
    for n, sizes in enumerate([[4] + [1] * 200_000 + [3], [4, 40_000, 40_000, 3]]):
        config = iris_config(architecture={"type": "MLP", "sizes": sizes, "activation": "tanh"})
        path = signed_model(tmp_path / f"m{n}.safetensors", json.dumps(config), iris_weights())
        before, start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time()
        code, _, err = _run("predict", "--model", path, "--data", "iris", capsys=capsys)
        assert code == 2 and "the file holds 15 in 1 weight matrices" in _one_error(err)
        assert len(err) < 400
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB
        assert time.process_time() - start < 5


def test_a_header_with_a_million_tensor_entries_is_refused(tmp_path, capsys):
    entries = ",".join(
        f'"t{i}":{{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}' for i in range(1_000_000)
    )
    raw_model(tmp_path / "m.safetensors", "{" + entries + "}")
    start = time.process_time()
    code, _, err = _run(
        "predict", "--model", tmp_path / "m.safetensors", "--data", "iris", capsys=capsys
    )
    assert code == 2 and "lists 1000000 tensors, more than the 10000" in _one_error(err)
    assert time.process_time() - start < 5  # refused before the header is parsed


@pytest.mark.parametrize(
    "standardizer",
    [
        {"mean": [float("nan"), 3.0, 3.7, 1.2], "scale": [0.8, 0.4, 1.7, 0.7]},
        {"mean": [5.8, 3.0, 3.7, 1.2], "scale": [0.8, float("inf"), 1.7, 0.7]},
    ],
)
def test_non_finite_preprocessing_statistics_are_refused(tmp_path, capsys, standardizer):
    good = signed_model(tmp_path / "good.safetensors", json.dumps(iris_config()), iris_weights())
    code, out, _ = _run("predict", "--model", good, "--data", "iris", capsys=capsys)
    assert code == 0 and out.count("\n") == 151  # the crafted file itself is a working model
    config = json.dumps(iris_config(standardizer=standardizer))  # NaN/Infinity: not strict JSON
    path = signed_model(tmp_path / "m.safetensors", config, iris_weights())
    code, out, err = _run("predict", "--model", path, "--data", "iris", capsys=capsys)
    assert code == 2 and out == ""
    assert "'standardizer' with NaN or infinite" in _one_error(err)
