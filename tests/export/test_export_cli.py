"""``glassnet export`` on a run trained with the command line's defaults, and the one-line
errors of bad input, from the command line and from Python."""

import json
import sys

import numpy as np
import pytest
from onnx_helpers import assert_same_answers

import glassnet as gn
from glassnet import cli, nn
from glassnet.commands._common import DEFAULTS, prepare_data
from glassnet.errors import GlassnetError, ModelFileError, SettingError, ShapeError


def glassnet(capsys, *args) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as e:  # argparse's own errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(capsys, *args) -> str:
    code, out, err = glassnet(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """``glassnet train`` with every default (Iris, 32-32 tanh, Adam, early stopping)."""
    folder = tmp_path_factory.mktemp("default") / "run"
    assert cli.main(["train", "--out", str(folder), "--quiet"]) == 0
    return folder


def test_the_default_run_exports_to_the_same_answers_on_its_test_rows(
    default_run, tmp_path, capsys
):
    out = tmp_path / "iris.onnx"
    code, text, err = glassnet(capsys, "export", "--model", default_run, "--out", out)
    assert code == 0 and err == "", err
    assert f"exported to {out} (ONNX opset 21)" in text
    settings = {**DEFAULTS, **json.loads((default_run / "run.json").read_text())["settings"]}
    split = prepare_data(settings).split  # the run's own test split
    saved = gn.load(default_run)
    assert saved.config["architecture"]["sizes"] == [4, 32, 32, 3]
    assert_same_answers(saved, out, split.X_test)


def test_signature_prints_the_inputs_and_outputs(default_run, tmp_path, capsys):
    out = tmp_path / "m.onnx"
    code, text, _ = glassnet(
        capsys, "export", "--model", default_run, "--out", out, "--opset", 17, "--signature"
    )
    assert code == 0
    lines = text.splitlines()
    assert "(ONNX opset 17)" in lines[0]
    assert lines[1:] == [
        "inputs:",
        "  features  float64  (N, 4)  sepal_length, sepal_width, petal_length, petal_width",
        "outputs:",
        "  label  string  (N,)  class name",
        "  probabilities  float32  (N, 3)  setosa, versicolor, virginica",
    ]


def test_a_file_that_is_not_a_model(tmp_path, capsys):
    bad = tmp_path / "notes.safetensors"
    bad.write_text("these are not weights\n")
    err = one_error_line(capsys, "export", "--model", bad, "--out", tmp_path / "m.onnx")
    assert str(bad) in err
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("opset", ["99", "12", "0"])
def test_an_unknown_opset(default_run, tmp_path, capsys, opset):
    err = one_error_line(
        capsys, "export", "--model", default_run, "--out", tmp_path / "m.onnx", "--opset", opset
    )
    assert "--opset" in err and opset in err
    assert not (tmp_path / "m.onnx").exists()


def test_an_opset_that_is_not_a_number(default_run, tmp_path, capsys):
    err = one_error_line(
        capsys, "export", "--model", default_run, "--out", "m.onnx", "--opset", "x"
    )
    assert "--opset" in err


def test_an_output_in_a_missing_folder(default_run, tmp_path, capsys):
    out = tmp_path / "no" / "such" / "m.onnx"
    err = one_error_line(capsys, "export", "--model", default_run, "--out", out)
    assert f"the folder {out.parent} does not exist" in err
    assert not (tmp_path / "no").exists()


def test_a_folder_as_output_receives_model_onnx(default_run, tmp_path, capsys):
    code, _, _ = glassnet(capsys, "export", "--model", default_run, "--out", tmp_path)
    assert code == 0 and (tmp_path / "model.onnx").is_file()


def test_without_the_onnx_package_the_error_names_the_extra(
    default_run, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    with pytest.raises(GlassnetError, match=r"pip install 'glassnet\[onnx\]'"):
        gn.export_onnx(default_run, tmp_path / "m.onnx")
    err = one_error_line(capsys, "export", "--model", default_run, "--out", tmp_path / "m.onnx")
    assert "glassnet[onnx]" in err


def test_importing_glassnet_does_not_import_onnx():
    import subprocess

    code = "import sys, glassnet; glassnet.export_onnx; print('onnx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


class Doubler(nn.Module):
    def forward(self, x):
        return x * 2


@pytest.mark.parametrize(
    "model, kwargs, error, words",
    [
        (nn.MLP([3, 2], seed=0), {}, ShapeError, "give n_features"),
        (nn.MLP([3, 2], seed=0), {"n_features": 4}, ShapeError, "n_features=4, but the first"),
        (
            nn.Sequential(nn.Linear(3, 2), Doubler()),
            {"n_features": 3},
            GlassnetError,
            "'1' (Doubler)",
        ),
        (
            nn.Sequential(nn.Linear(3, 2), nn.Linear(4, 2)),
            {"n_features": 3},
            ShapeError,
            "receives 2",
        ),
        (
            nn.Sequential(nn.Linear(3, 2), nn.Softmax(axis=0)),
            {"n_features": 3},
            GlassnetError,
            "axis=0",
        ),
        (nn.Sequential(nn.ReLU()), {"n_features": 3}, ShapeError, "no Linear layer"),
        ({"weights": np.ones(3)}, {}, ModelFileError, "cannot export a dict"),
        (nn.MLP([3, 2], seed=0), {"n_features": 3, "opset": 12}, SettingError, "from 13 to"),
    ],
)
def test_what_cannot_be_exported_is_named_in_one_line(model, kwargs, error, words, tmp_path):
    with pytest.raises(error) as info:
        gn.export_onnx(model, tmp_path / "m.onnx", **kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "m.onnx").exists()


def test_info_prints_the_onnx_signature(default_run, capsys, monkeypatch):
    code, text, _ = glassnet(capsys, "info", "--model", default_run)
    assert code == 0
    lines = text.splitlines()
    at = lines.index("as ONNX (glassnet export):")
    assert lines[at + 1 : at + 3] == [
        "  inputs:",
        "    features  float64  (N, 4)  sepal_length, sepal_width, petal_length, petal_width",
    ]
    assert "    probabilities  float32  (N, 3)  setosa, versicolor, virginica" in lines
    code, text, _ = glassnet(capsys, "info", "--model", default_run, "--json")
    assert json.loads(text)["onnx"][0] == "inputs:"
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)  # no onnx installed
    code, text, _ = glassnet(capsys, "info", "--model", default_run)
    assert code == 0 and "ONNX" not in text
