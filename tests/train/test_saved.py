"""glassnet.saved: save a trained model with its preprocessing and names, load it, use it."""

import pickle

import numpy as np
import pytest
import sklearn.metrics as skm

from glassnet import io, nn, saved
from glassnet.data import Standardizer, load_dataset
from glassnet.errors import DataError, GlassnetError, ModelFileError

IRIS = load_dataset("iris")


def _forward(state, x, n_layers):
    """The MLP's forward pass written out with NumPy: ReLU between Linear layers."""
    a = x.astype(np.float64)
    for i in range(n_layers):
        W = state[f"layers.{2 * i}.weight"].astype(np.float64)
        b = state[f"layers.{2 * i}.bias"].astype(np.float64)
        a = a @ W.T + b  # (N, in) @ (in, out) -> (N, out)
        if i < n_layers - 1:
            a = np.maximum(a, 0)
    return a


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    scaler = Standardizer().fit(IRIS.X)
    net = nn.MLP([4, 6, 3], seed=0)
    folder = tmp_path_factory.mktemp("iris")
    saved.save(
        folder,
        net,
        task="classify",
        feature_names=IRIS.feature_names,
        label_names=IRIS.label_names,
        standardizer=scaler,
        target_name="species",
        extra={"dataset": "iris"},
    )
    return folder, net, scaler


def test_a_loaded_model_computes_the_saved_network_on_standardised_rows(iris_model):
    folder, net, scaler = iris_model
    model = saved.load(folder)
    assert model.path == folder / "model.safetensors"
    assert (model.task, model.feature_names, model.label_names, model.target_name) == (
        "classify",
        IRIS.feature_names,
        IRIS.label_names,
        "species",
    )
    assert model.config["dataset"] == "iris"
    X64 = IRIS.X.astype(np.float64)
    x_std = (X64 - X64.mean(axis=0)) / X64.std(axis=0)
    logits = _forward(net.state_dict(), x_std, 2)
    np.testing.assert_allclose(model.outputs(IRIS.X), logits, rtol=1e-4, atol=1e-5)
    expected = np.array(IRIS.label_names)[logits.argmax(axis=1)]
    assert model.predict(IRIS.X).tolist() == expected.tolist()
    p = model.predict_proba(IRIS.X)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


def test_a_single_safetensors_file_loads_the_same(iris_model, tmp_path):
    folder, _, _ = iris_model
    file = tmp_path / "iris.safetensors"
    file.write_bytes((folder / "model.safetensors").read_bytes())
    a, b = saved.load(folder), saved.load(file)
    assert b.path == file
    np.testing.assert_array_equal(a.outputs(IRIS.X[:5]), b.outputs(IRIS.X[:5]))


def test_evaluate_takes_class_names_or_indices_and_agrees_with_scikit_learn(iris_model):
    model = saved.load(iris_model[0])
    pred = model.predict(IRIS.X)
    names = np.array(IRIS.label_names)[IRIS.y]
    rep = model.evaluate(IRIS.X, names)
    assert rep == model.evaluate(IRIS.X, IRIS.y) == model.evaluate(IRIS.X, list(names))
    assert rep["accuracy"] == pytest.approx(skm.accuracy_score(names, pred))
    assert (
        rep["confusion_matrix"]
        == skm.confusion_matrix(names, pred, labels=IRIS.label_names).tolist()
    )


def test_read_data_takes_columns_by_name_and_classes_by_the_models_names(iris_model, tmp_path):
    model = saved.load(iris_model[0])
    csv = tmp_path / "few.csv"
    rows = ["species,petal_width,id,sepal_length,sepal_width,petal_length"]
    rows += ["virginica,2.5,a,6.3,3.3,6.0", "virginica,1.9,b,5.8,2.7,5.1"]
    csv.write_text("\n".join(rows) + "\n")
    X, y = model.read_data(csv)  # raw rows: the model's encoding picks its columns by name
    np.testing.assert_array_equal(
        model.encode(X), np.array([[6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9]], dtype=np.float64)
    )
    assert y.tolist() == [2, 2]  # virginica is the model's third class, not the file's first
    Xi, yi = model.read_data("iris")
    np.testing.assert_array_equal(model.encode(Xi), IRIS.X)
    np.testing.assert_array_equal(yi, IRIS.y)


def test_read_data_names_what_does_not_fit(iris_model, tmp_path):
    model = saved.load(iris_model[0])
    with pytest.raises(DataError, match="features .* are not the model's"):
        model.read_data("wine")
    bad = tmp_path / "bad.csv"
    bad.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,rose\n")
    with pytest.raises(DataError, match="rose"):
        model.read_data(bad)


def test_regression_predictions_are_in_the_targets_units(tmp_path):
    net = nn.MLP([1, 5, 1], activation="relu", seed=3)
    X = np.linspace(-2, 2, 9, dtype=np.float32).reshape(-1, 1)
    scaler = Standardizer().fit(X)
    model = saved.save(
        tmp_path,
        net,
        task="regress",
        standardizer=scaler,
        target_scale={"mean": 10.0, "scale": 4.0},
        target_name="y",
    )
    again = saved.load(tmp_path)
    assert again.feature_names == ["x0"] and again.label_names is None
    expected = _forward(net.state_dict(), (X - X.mean()) / X.std(), 2).ravel() * 4.0 + 10.0
    np.testing.assert_allclose(again.predict(X), expected, rtol=1e-5)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    y = expected + np.arange(9) * 0.1
    rep = again.evaluate(X, y)
    assert rep["r2"] == pytest.approx(skm.r2_score(y, again.predict(X)), rel=1e-9)
    assert rep["mae"] == pytest.approx(skm.mean_absolute_error(y, again.predict(X)), rel=1e-9)
    with pytest.raises(GlassnetError, match="regression model"):
        again.predict_proba(X)


def test_wrong_inputs_name_the_models_features(iris_model):
    model = saved.load(iris_model[0])
    with pytest.raises(DataError, match=r"rows of 4 columns \(sepal_length, .*shape \(2, 3\)"):
        model.predict(np.zeros((2, 3)))
    # a model saved without fill values takes no missing cell
    with pytest.raises(DataError, match="row 1, column 'sepal_width': missing value"):
        model.predict(np.array([[1, 2, 3, 4], [1, np.nan, 3, 4]]))
    with pytest.raises(DataError, match="row 0, column 'petal_length': 'inf' is not a finite"):
        model.predict(np.array([[1, 2, np.inf, 4]]))
    with pytest.raises(DataError, match="class 'rose' is not one of the model's classes"):
        model.evaluate(IRIS.X[:2], ["setosa", "rose"])
    with pytest.raises(DataError, match="indices 0..2"):
        model.evaluate(IRIS.X[:2], [0, 3])


def test_files_that_are_not_models_give_a_clear_error(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello, I am not a model\n")
    with pytest.raises(ModelFileError, match="not a safetensors file"):
        saved.load(text)
    pkl = tmp_path / "model.pkl"
    pkl.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ModelFileError, match="Python pickle"):
        saved.load(pkl)
    with pytest.raises(ModelFileError, match="no such file"):
        saved.load(tmp_path / "missing.safetensors")


def test_weights_that_do_not_fit_the_architecture_are_named(iris_model, tmp_path):
    state, config = io.load_model(iris_model[0])
    config["architecture"]["sizes"] = [4, 7, 3]
    io.save_model(tmp_path, state, config)
    with pytest.raises(
        ModelFileError,
        match=r"'layers.0.weight' has shape \(6, 4\), "
        r"expected \(7, 4\)",
    ):
        saved.load(tmp_path)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda c: c.pop("architecture"), "no MLP architecture"),
        (lambda c: c.update(task="cluster"), "task 'cluster'"),
        (lambda c: c.update(feature_names=["a"]), "4 input features"),
        (lambda c: c.update(label_names=["a", "b"]), "3 classes"),
        (lambda c: c.update(standardizer={"mean": [0.0], "scale": [1.0]}), "standardises 1"),
        (lambda c: c["architecture"].update(activation="swish"), "architecture in the config"),
    ],
)
def test_a_config_that_cannot_be_used_is_named(iris_model, tmp_path, change, match):
    state, config = io.load_model(iris_model[0])
    change(config)
    io.save_model(tmp_path, state, config)
    with pytest.raises(ModelFileError, match=match):
        saved.load(tmp_path)


def test_only_mlps_can_be_saved_with_their_architecture(tmp_path):
    with pytest.raises(ModelFileError, match="takes an nn.MLP, got Linear"):
        saved.save(tmp_path, nn.Linear(2, 2), task="regress")
    with pytest.raises(ModelFileError, match=r"3 classes in 'label_names' \(got 2\)"):
        saved.save(tmp_path, nn.MLP([2, 3]), task="classify", label_names=["a", "b"])


def test_default_names_and_repr(tmp_path):
    model = saved.save(tmp_path / "m.safetensors", nn.MLP([2, 3], seed=0), task="classify")
    assert model.feature_names == ["x0", "x1"] and model.label_names == ["0", "1", "2"]
    assert repr(saved.load(model.path)) == (
        f"SavedModel(MLP 2-3, classes 0, 1, 2, from {tmp_path / 'm.safetensors'})"
    )


@pytest.mark.parametrize(
    ("change", "entry"),
    [
        (lambda c: c["architecture"].update(sizes=[]), "architecture.sizes"),
        (lambda c: c["architecture"].update(sizes=None), "architecture.sizes"),
        (lambda c: c["architecture"].update(sizes=4), "architecture.sizes"),
        (lambda c: c["architecture"].update(sizes=[4, "6", 3]), "architecture.sizes"),
        (lambda c: c["architecture"].update(sizes=[4, True, 3]), "architecture.sizes"),
        (lambda c: c["architecture"].update(dropout="0.1"), "architecture.dropout"),
        (lambda c: c["architecture"].update(dtype=5), "architecture.dtype"),
        (
            lambda c: c["architecture"].update(activation=["relu", "tanh"]),
            "architecture.activation",
        ),
        (lambda c: c["architecture"].update(activation=[1]), "architecture.activation"),
        (lambda c: c["architecture"].update(activation=7), "architecture.activation"),
        (lambda c: c["architecture"].update(seed=1.5), "architecture.seed"),
        (lambda c: c.update(settings="x"), "'settings'"),
        (lambda c: c.update(settings={"seed": "0"}), "settings.seed"),
        (lambda c: c.update(feature_names=[1, 2, 3, 4]), "'feature_names'"),
        (lambda c: c.update(label_names=[0, 1, 2]), "'label_names'"),
        (lambda c: c.update(target_name=3), "'target_name'"),
    ],
)
def test_a_config_entry_of_the_wrong_type_is_named(iris_model, tmp_path, change, entry):
    state, config = io.load_model(iris_model[0])
    change(config)
    path = io.save_model(tmp_path, state, config)  # the hash matches: only the config is bad
    with pytest.raises(ModelFileError) as info:
        saved.load(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}: the model's config") and entry in message


def test_one_activation_per_hidden_layer_is_saved_and_loaded(tmp_path):
    net = nn.MLP([4, 5, 3, 3], activation=["tanh", "relu"], seed=0)
    model = saved.load(saved.save(tmp_path, net, task="classify").path)
    kinds = [type(m).__name__ for m in model.model.layers]
    assert kinds == ["Linear", "Tanh", "Linear", "ReLU", "Linear"]
    assert model.predict_proba(IRIS.X[:3]) == pytest.approx(
        saved.wrap(net, task="classify").predict_proba(IRIS.X[:3])
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int32, np.bool_])
def test_weights_of_another_dtype_than_the_config_are_refused(iris_model, tmp_path, dtype):
    state, config = io.load_model(iris_model[0])
    assert config["architecture"]["dtype"] == "float32"
    state["layers.2.weight"] = state["layers.2.weight"].astype(dtype)
    io.save_model(tmp_path, state, config)
    with pytest.raises(
        ModelFileError,
        match=rf"'layers.2.weight' has dtype {np.dtype(dtype)}, "
        r"expected float32",
    ):
        saved.load(tmp_path)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_weights_that_are_not_finite_are_refused(iris_model, tmp_path, value):
    state, config = io.load_model(iris_model[0])
    state["layers.0.bias"] = np.full_like(state["layers.0.bias"], value)
    io.save_model(tmp_path, state, config)
    with pytest.raises(ModelFileError, match=r"'layers.0.bias' hold 6 NaN or infinite"):
        saved.load(tmp_path)


def test_read_data_passes_the_target_to_a_built_in_dataset(iris_model):
    model = saved.load(iris_model[0])
    with pytest.raises(DataError, match="colour"):
        model.read_data("iris", target="colour")
    X, y = model.read_data("iris", target="species")  # the dataset's own target
    np.testing.assert_array_equal(y, IRIS.y)


@pytest.mark.parametrize("data", ["csv", "iris"])
def test_read_data_refuses_a_target_that_is_a_feature(iris_model, tmp_path, data):
    model = saved.load(iris_model[0])
    if data == "csv":
        data = tmp_path / "few.csv"
        data.write_text(
            "sepal_length,sepal_width,petal_length,petal_width,species\n6.3,3.3,6.0,2.5,virginica\n"
        )
    with pytest.raises(DataError, match="'petal_width' is one of the model's features"):
        model.read_data(data, target="petal_width")
