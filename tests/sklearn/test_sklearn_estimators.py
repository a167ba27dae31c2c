"""The estimators beyond scikit-learn's checks: pipelines, search, weights, layout, files."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")

from sklearn.base import clone  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_iris, make_classification, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def table():
    """A small mixed table: two numbers, one category, string labels."""
    rng = np.random.default_rng(0)
    n = 300
    colour = rng.choice(["red", "green", "blue"], n)
    a, b = rng.normal(size=n), rng.normal(size=n)
    score = a + b + (colour == "red") * 1.5
    label = np.where(score > 0.5, "yes", "no")
    return pd.DataFrame({"a": a, "b": b, "colour": colour}), label


def _pipeline(**params):
    columns = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b"]), ("cat", OneHotEncoder(), ["colour"])]
    )
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    return make_pipeline(columns, clf.set_params(**params))


def test_pipeline_with_column_transformer_learns_string_labels(table):
    X, y = table
    pipe = _pipeline(max_iter=100).fit(X, y)
    assert set(pipe.predict(X)) == {"yes", "no"}
    assert pipe.score(X, y) > 0.9
    assert cross_val_score(_pipeline(max_iter=100), X, y, cv=3).mean() > 0.85


def test_grid_search_picks_the_better_setting_and_refits(table):
    X, y = table
    grid = {"mlpclassifier__max_iter": [1, 100]}
    search = GridSearchCV(_pipeline(), grid, cv=3).fit(X, y)
    assert search.best_params_ == {"mlpclassifier__max_iter": 100}
    assert search.best_estimator_[-1].n_iter_ <= 100


def test_dataframe_feature_names_are_kept_and_checked(table):
    X, y = table
    num = X[["a", "b"]]
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(num, y)
    assert clf.feature_names_in_.tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(num[["b", "a"]])


def test_clone_and_pickle_give_the_same_estimator():
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(X, y)
    assert clone(clf).get_params() == clf.get_params()
    assert not hasattr(clone(clf), "module_")
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    assert again.loss_curve_ == clf.loss_curve_


def test_coefs_are_in_scikit_learns_layout():
    """Put a scikit-learn MLP's weights into ours: the predictions must agree."""
    X, y = make_regression(n_samples=100, n_features=5, random_state=0)
    sk = SkMLPRegressor(hidden_layer_sizes=(7, 3), max_iter=50, random_state=0).fit(X, y)
    ours = MLPRegressor(hidden_layer_sizes=(7, 3), max_iter=1, standardize=False).fit(X, y)
    for W, b, sk_W, sk_b in zip(ours.coefs_, ours.intercepts_, sk.coefs_, sk.intercepts_):
        assert W.shape == sk_W.shape
        W[...], b[...] = sk_W, sk_b  # views of the network's parameters
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_integer_weights_equal_repeated_rows_with_every_optimizer(optimizer):
    X, y = make_classification(n_samples=40, n_features=6, random_state=1)
    w = np.random.default_rng(0).integers(0, 4, len(y))
    params = dict(hidden_layer_sizes=(5,), optimizer=optimizer, max_iter=40, random_state=3)
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=w)
    repeated = MLPClassifier(**params).fit(X.repeat(w, axis=0), y.repeat(w))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9)


def test_training_runs_in_the_inputs_float_dtype():
    X, y = load_iris(return_X_y=True)
    for dtype in (np.float32, np.float64):
        clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
        clf.fit(X.astype(dtype), y)
        assert clf.coefs_[0].dtype == dtype
    ints = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit((X * 10).astype(int), y)
    assert ints.coefs_[0].dtype == np.float64


def test_early_stopping_records_validation_curves_and_keeps_the_best_epoch():
    X, y = make_classification(n_samples=400, n_features=10, random_state=0)
    clf = MLPClassifier(
        hidden_layer_sizes=(32,),
        learning_rate_init=0.05,
        early_stopping=True,
        n_iter_no_change=5,
        max_iter=200,
        random_state=0,
    ).fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_loss_curve_) == len(clf.loss_curve_) == clf.n_iter_
    assert all(0 <= s <= 1 for s in clf.validation_score_curve_)
    best = int(np.argmin(clf.validation_loss_curve_))
    assert best < clf.n_iter_ - 1  # it went on after the best epoch, then stopped
    assert clf.best_validation_score_ == max(clf.validation_score_curve_)


def test_partial_fit_needs_the_classes_first_and_then_learns():
    X, y = make_classification(n_samples=600, n_features=8, random_state=0)
    clf = MLPClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, batch_size=20, random_state=0
    )
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:100], y[:100])
    for start in range(0, 600, 100):
        clf.partial_fit(X[start : start + 100], y[start : start + 100], classes=[0, 1])
    assert clf.n_iter_ == 6 and len(clf.loss_curve_) == 6
    assert clf.score(X, y) > 0.8


def test_glassnets_own_settings_change_the_network():
    X, y = make_classification(n_samples=200, n_features=6, weights=[0.9], random_state=0)
    leaky = MLPClassifier(
        hidden_layer_sizes=(8,), activation="leaky_relu", dropout=0.2, max_iter=3
    ).fit(X, y)
    kinds = [type(m).__name__ for m in leaky.module_.modules()]
    assert "LeakyReLU" in kinds and "Dropout" in kinds
    plain = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    balanced = MLPClassifier(
        hidden_layer_sizes=(8,), max_iter=50, random_state=0, class_weight="balanced"
    ).fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()
    with pytest.raises(InvalidParameterError, match="optimizer"):
        MLPClassifier(optimizer="lbfgs").fit(X, y)


def test_saved_estimators_predict_bit_identically(tmp_path):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, names)
    gn.save(tmp_path / "clf", clf)
    back = gn.load(tmp_path / "clf")
    assert type(back) is MLPClassifier and back.get_params() == clf.get_params()
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert back.loss_curve_ == clf.loss_curve_
    reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    reg.fit(X[:, :3].astype(np.float32), X[:, 3])
    gn.save(tmp_path / "reg.safetensors", reg)
    again = gn.load(tmp_path / "reg.safetensors")
    np.testing.assert_array_equal(again.predict(X[:, :3]), reg.predict(X[:, :3]))
    assert again.coefs_[0].dtype == np.float32
    assert not (tmp_path / "reg.safetensors").read_bytes().startswith(b"\x80")  # no pickle


def test_glassnet_explain_reads_a_saved_estimator(tmp_path):
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0).fit(X, y)
    gn.save(tmp_path, clf)
    out = subprocess.run(
        [sys.executable, "-m", "glassnet", "explain", "--model", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "(6, 4)" in out  # the first layer's W, as the explanation shows it
    saved = gn.saved.load(tmp_path)
    np.testing.assert_array_equal(saved.predict(X), clf.predict(X).astype(str))


def test_importing_the_package_does_not_import_scikit_learn():
    code = "import sys, glassnet.sklearn; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_training_report_of_a_saved_estimator(tmp_path):
    from glassnet.report import ReportRecorder, write_report

    X, y = load_iris(return_X_y=True)
    recorder = ReportRecorder()
    clf = MLPClassifier(
        hidden_layer_sizes=(6,),
        max_iter=15,
        early_stopping=True,
        random_state=0,
        callbacks=[recorder],
    ).fit(X, y)
    gn.save(tmp_path / "model", clf)
    back = gn.load(tmp_path / "model")
    history = back.history_
    assert history["loss"] == clf.loss_curve_
    assert history["val_accuracy"] == clf.validation_score_curve_
    page = write_report(
        tmp_path / "report.html",
        recorder,
        history,
        back.get_params(),
        back.module_,
        X_test=back.x_scaler_.transform(X),
        y_test=y,
        label_names=[str(c) for c in back.classes_],
    ).read_text()
    assert "Gradient flow" in page and "Results on the test set" in page
    accuracy = float(np.mean(back.predict(X) == y))
    assert f"{accuracy:.3f}" in page or f"{100 * accuracy:.1f}" in page
