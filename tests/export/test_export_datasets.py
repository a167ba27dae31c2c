"""Every built-in dataset: train briefly, export, and onnxruntime answers as SavedModel does
on the test rows: labels identical, probabilities within 1e-5, regression outputs within
1e-5 on the network's scale (see onnx_helpers.regression_tolerance)."""

import pytest
from onnx_helpers import assert_same_answers, train_saved

import glassnet as gn

DATASETS = [d.name for d in gn.data.list_datasets()]


@pytest.mark.parametrize("data", DATASETS)
def test_each_builtin_dataset_exports_to_the_same_answers(data, tmp_path):
    saved, X_test = train_saved_for(data, tmp_path)
    out = gn.export_onnx(saved, tmp_path / f"{data}.onnx")
    assert_same_answers(saved, out, X_test)


def train_saved_for(data, tmp_path):
    return train_saved(tmp_path / "run", data, hidden=(5,), epochs=2)


def test_a_run_folder_and_a_model_file_export_like_the_loaded_model(tmp_path):
    saved, X_test = train_saved_for("wine", tmp_path)
    by_folder = gn.export_onnx(tmp_path / "run", tmp_path / "a.onnx")
    by_file = gn.export_onnx(str(saved.path), tmp_path / "b.onnx")
    assert by_folder.read_bytes() == by_file.read_bytes()
    assert_same_answers(gn.load(tmp_path / "run"), by_folder, X_test)
