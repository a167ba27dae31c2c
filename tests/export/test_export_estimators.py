"""Estimators of glassnet.sklearn export to graphs that answer as they do."""

import numpy as np
import pytest
from onnx_helpers import TOL, run_onnx

import glassnet as gn
from glassnet.sklearn import MLPClassifier, MLPRegressor

# A few epochs keep the tests fast; the export is checked, not the fit.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_a_classifier_with_integer_classes(tmp_path):
    ds = gn.load_dataset("wine")
    y = np.array([3, 5, 9])[ds.y]  # classes that are not 0..k-1
    est = MLPClassifier((6,), activation="tanh", max_iter=5, random_state=0).fit(ds.X, y)
    got = run_onnx(gn.export_onnx(est, tmp_path / "m.onnx"), ds.X)
    assert got["label"].dtype == np.int64
    assert got["label"].tolist() == est.predict(ds.X).tolist()
    assert np.abs(got["probabilities"] - est.predict_proba(ds.X)).max() <= TOL


def test_a_classifier_with_string_classes(tmp_path):
    ds = gn.load_dataset("iris")
    y = np.asarray(ds.label_names, dtype=object)[ds.y]
    est = MLPClassifier((5,), max_iter=5, random_state=0).fit(ds.X, y)
    got = run_onnx(gn.export_onnx(est, tmp_path / "m.onnx"), ds.X)
    assert got["label"].tolist() == est.predict(ds.X).tolist()
    assert np.abs(got["probabilities"] - est.predict_proba(ds.X)).max() <= TOL


def test_a_regressor(tmp_path):
    ds = gn.load_dataset("sine")
    est = MLPRegressor((8,), max_iter=5, random_state=0).fit(ds.X, ds.y)
    got = run_onnx(gn.export_onnx(est, tmp_path / "m.onnx"), ds.X)["prediction"]
    assert np.abs(got - est.predict(ds.X)).max() <= TOL
