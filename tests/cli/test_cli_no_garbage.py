"""No garbage out: inputs that overflow once standardised, and outputs that would be NaN or
infinite, are refused with one line naming the row (and column); NumPy never warns."""

import json

import numpy as np
import pytest
from cli_helpers import glassnet
from crafted import iris_config, iris_weights, signed_model

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return signed_model(
        tmp_path_factory.mktemp("m") / "m.safetensors", json.dumps(iris_config()), iris_weights()
    )


@pytest.mark.parametrize(
    "rows, where",
    [
        ("3.4e38,3.4e38,3.4e38,3.4e38,setosa\n", "row 0, column 'sepal_length'"),
        ("5.1,3.5,1.4,0.2,setosa\n5.1,3.5,1.4,-3.3e38,setosa\n", "row 1, column 'petal_width'"),
    ],
)
def test_inputs_that_overflow_once_standardised_are_refused(tmp_path, model, rows, where):
    (tmp_path / "new.csv").write_text(HEADER + rows)
    for command in (["predict"], ["predict", "--proba"], ["evaluate"]):
        result = glassnet(
            *command, "--model", model, "--data", "new.csv", cwd=tmp_path, script=True
        )
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith(f"error: {where}: the value is too far")
        assert result.stderr.count("\n") == 1  # no RuntimeWarning from NumPy


def test_an_output_that_would_be_nan_is_refused(tmp_path):
    weights = iris_weights()
    weights["layers.0.weight"] = np.full((3, 4), 2e38)  # finite; row 1 overflows
    path = signed_model(tmp_path / "m.safetensors", json.dumps(iris_config()), weights)
    (tmp_path / "new.csv").write_text(HEADER + "5.8,3.0,3.7,1.2,setosa\n7,3.2,4.7,1.4,versicolor\n")
    result = glassnet("predict", "--model", path, "--data", "new.csv", cwd=tmp_path, script=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: row 1: the network's output is NaN or infinite")
    assert result.stderr.count("\n") == 1
