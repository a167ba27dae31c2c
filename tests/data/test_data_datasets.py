import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn import datasets as skd
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from glassnet.data import (
    Dataset,
    list_datasets,
    load_dataset,
    make_circles,
    make_moons,
    make_sine,
    make_spirals,
    make_xor,
    train_val_test_split,
)
from glassnet.data.datasets import builtin_name
from glassnet.errors import DataError, SettingError

GENERATORS = [make_moons, make_circles, make_spirals, make_xor, make_sine]


def test_embedded_iris_is_scikit_learns_iris():
    ds = load_dataset("iris")
    reference = skd.load_iris()
    assert ds.X.dtype == np.float32
    np.testing.assert_array_equal(ds.X, reference.data.astype(np.float32))
    np.testing.assert_array_equal(ds.y, reference.target)
    assert ds.label_names == list(reference.target_names)
    assert ds.feature_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert (ds.name, ds.task, ds.target_name) == ("iris", "classify", "species")


@pytest.mark.parametrize("name", ["wine", "breast_cancer", "digits", "diabetes"])
def test_scikit_learn_sets_match_the_source(name):
    ds = load_dataset(name)
    reference = getattr(skd, f"load_{name}")()
    np.testing.assert_array_equal(ds.X, reference.data.astype(np.float32))
    assert ds.X.dtype == np.float32
    if name == "diabetes":
        assert ds.task == "regress" and ds.label_names is None and ds.y.dtype == np.float64
        np.testing.assert_array_equal(ds.y, reference.target)  # float64 until standardised
    else:
        assert ds.task == "classify" and ds.y.dtype == np.int64
        np.testing.assert_array_equal(ds.y, reference.target)
        assert ds.label_names == [str(t) for t in reference.target_names]
    assert len(ds.feature_names) == reference.data.shape[1]
    assert all(" " not in f for f in ds.feature_names)


def test_list_datasets_sizes_are_those_of_the_loaded_data():
    infos = list_datasets()
    assert [i.name for i in infos] == [
        "iris",
        "digits",
        "wine",
        "breast_cancer",
        "diabetes",
        "moons",
        "circles",
        "spirals",
        "xor",
        "sine",
    ]
    for info in infos:
        ds = load_dataset(info.name)
        assert (info.n_samples, info.n_features, info.task) == (
            ds.n_samples,
            ds.n_features,
            ds.task,
        ), info.name
        assert info.n_classes == (None if ds.task == "regress" else len(np.unique(ds.y)))
        assert info.n_classes == ds.n_classes
        assert info.target_name == ds.target_name
        assert load_dataset(info.name, target=info.target_name).n_samples == ds.n_samples


def test_listing_and_builtins_do_not_import_scikit_learn():
    code = (
        "import sys, glassnet.data as d; d.list_datasets(); d.load_dataset('iris'); "
        "[d.load_dataset(n) for n in ('moons', 'circles', 'spirals', 'xor', 'sine')]; "
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(DataError, match=r"'wine'.*scikit-learn.*pip install glassnet\[sklearn\]"):
        load_dataset("wine")
    assert load_dataset("iris").n_samples == 150


def test_names_are_case_and_dash_insensitive():
    assert load_dataset("Breast-Cancer").name == "breast_cancer"
    assert load_dataset(" IRIS ").name == "iris"


@pytest.mark.parametrize(
    "name, options, fragment",
    [
        ("mnist", {}, "unknown dataset 'mnist': choose one of iris, digits, wine"),
        ("iris", {"task": "regress"}, "classify dataset; task='regress'"),
        ("iris", {"n_samples": 10}, "fixed size"),
        ("moons", {"target": "x1"}, "fixed target 'moon'; target='x1'"),
        ("moons", {"n_samples": 0}, "n_samples must be at least 2"),
        ("moons", {"noise": -0.1}, "noise must be a finite number >= 0"),
        ("spirals", {"n_samples": 2}, "at least 3"),
        ("/no/such/file.csv", {}, "does not exist"),
        ("moons", {"seed": -1}, "load_dataset: seed must be an integer >= 0, got -1"),
        ("iris", {"seed": 0.5}, "seed must be an integer >= 0, got 0.5"),
        ("moons", {"noise": "0.1"}, "noise must be a finite number >= 0, got '0.1'"),
    ],
)
def test_load_dataset_errors(name, options, fragment):
    setting = "must be" in fragment or "at least" in fragment  # a bad argument, not bad data
    with pytest.raises(SettingError if setting else DataError) as info:
        load_dataset(name, **options)
    assert fragment in str(info.value)


def test_load_dataset_reads_a_csv_path(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    ds = load_dataset(str(path))
    assert (ds.name, ds.label_names, ds.X.tolist()) == ("tiny", ["x", "y"], [[1.0], [2.0]])
    other = tmp_path / "tiny.txt"
    other.write_text("a,b\n1,0.5\n2,1.5\n")
    assert load_dataset(other, task="regress").y.tolist() == [0.5, 1.5]


def test_a_folder_is_named_as_a_folder(tmp_path, monkeypatch):
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)
    for given in ["runs", tmp_path / "runs", str(tmp_path / "runs")]:
        with pytest.raises(DataError, match="runs: is a folder, not a file"):
            load_dataset(given)


def test_a_builtin_name_wins_over_a_file_unless_it_looks_like_a_path(tmp_path, monkeypatch):
    (tmp_path / "moons").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "notes").write_text("a,b\n1,x\n2,y\n")
    monkeypatch.chdir(tmp_path)
    assert load_dataset("moons").n_samples == 1000  # the built-in
    assert load_dataset("./moons").n_samples == 2  # the file
    assert load_dataset("notes").n_samples == 2  # not a built-in: the file


@pytest.mark.parametrize(
    "text, expected",
    [
        ("moons", "moons"),
        (" Breast-Cancer ", "breast_cancer"),
        ("moons.csv", None),
        ("IRIS.CSV", None),
        ("data/moons", None),
        ("./iris", None),
        ("/no/such/file.csv", None),
    ],
)
def test_builtin_name_tells_names_from_paths(text, expected):
    assert builtin_name(text) == expected


def test_builtin_name_rejects_what_is_neither(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="unknown dataset 'mons': choose one of iris, digits"):
        builtin_name("mons")
    (tmp_path / "mons").write_text("a,b\n1,x\n")
    assert builtin_name("mons") is None


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_deterministic_from_the_seed(make):
    a, b, c = make(seed=7), make(seed=7), make(seed=8)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    assert not np.array_equal(a.X, c.X)
    assert a.X.dtype == np.float32
    assert load_dataset(a.name, seed=7).X.tobytes() == a.X.tobytes()


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"seed": -1}, "seed must be an integer >= 0, got -1"),
        ({"seed": 2.5}, "seed must be an integer >= 0, got 2.5"),
        ({"seed": None}, "seed must be an integer >= 0, got None"),
        ({"noise": "0.1"}, "noise must be a finite number >= 0, got '0.1'"),
        ({"noise": None}, "noise must be a finite number >= 0, got None"),
        ({"noise": float("nan")}, "noise must be a finite number >= 0, got nan"),
    ],
)
def test_generator_arguments_are_checked(make, options, fragment):
    with pytest.raises(SettingError) as info:
        make(n_samples=30, **options)
    assert f"{make.__name__}: {fragment}" in str(info.value)


@pytest.mark.parametrize("factor", ["0.5", None, 1.0, True, 0.0])
def test_circles_factor_must_be_a_number_between_0_and_1(factor):
    with pytest.raises(SettingError, match=r"make_circles: factor must be "):
        make_circles(30, factor=factor)


@pytest.mark.parametrize("make", [make_moons, make_circles, make_spirals])
def test_generated_classes_are_balanced_and_shuffled(make):
    ds = make(n_samples=301, seed=0)
    counts = np.bincount(ds.y)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 301
    assert ds.y[:20].min() != ds.y[:20].max()  # not grouped by class


def test_noise_free_moons_lie_on_their_arcs():
    ds = make_moons(400, noise=0.0, seed=0)
    X = ds.X.astype(np.float64)
    upper, lower = X[ds.y == 0], X[ds.y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    assert upper[:, 1].min() >= -1e-6
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert lower[:, 1].max() <= 0.5 + 1e-6


def test_noise_free_spirals_follow_their_arm():
    ds = make_spirals(600, noise=0.0, seed=0)
    X = ds.X.astype(np.float64)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() >= 0.1 - 1e-6 and r.max() <= 1.0 + 1e-6
    expected = 2 * np.pi * (r + ds.y / 3)
    gap = np.angle(np.exp(1j * (np.arctan2(X[:, 1], X[:, 0]) - expected)))
    np.testing.assert_allclose(gap, 0.0, atol=1e-5)


def test_noisy_sine_noise_has_the_requested_spread():
    ds = make_sine(20000, noise=0.3, seed=1)
    residual = ds.y.astype(np.float64) - np.sin(ds.X[:, 0].astype(np.float64))
    assert abs(residual.std() - 0.3) < 0.01 and abs(residual.mean()) < 0.01
    assert -np.pi <= ds.X.min() and ds.X.max() <= np.pi


def test_noise_free_xor_labels_are_the_sign_product():
    ds = make_xor(1000, noise=0.0, seed=2)
    np.testing.assert_array_equal(ds.y, (np.sign(ds.X[:, 0]) != np.sign(ds.X[:, 1])))


@pytest.mark.parametrize("name, target", [("moons", 0.97), ("spirals", 0.95)])
def test_defaults_are_learnable_by_a_two_layer_network(name, target):
    ds = load_dataset(name)
    s = train_val_test_split(ds.X, ds.y, val_size=0.0, test_size=0.2, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = MLPClassifier((16, 16), learning_rate_init=0.01, max_iter=300, random_state=0)
        net.fit(s.X_train, s.y_train)
    assert net.score(s.X_test, s.y_test) >= target


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((np.zeros((3, 2)), np.zeros(4), ["a", "b"], ["n"], "classify"), "X (3, 2) and y (4,)"),
        ((np.zeros((3, 2)), np.zeros(3), ["a"], ["n"], "classify"), "1 feature names"),
        ((np.zeros((2, 2)), np.array([0, 2]), ["a", "b"], ["n", "m"], "classify"), "0..1"),
        ((np.zeros((2, 2)), np.zeros(2), ["a", "b"], None, "classify"), "needs label_names"),
        ((np.zeros((2, 2)), np.zeros(2), ["a", "b"], ["x"], "regress"), "no label_names"),
    ],
)
def test_dataset_validates_its_parts(args, fragment):
    with pytest.raises(DataError) as info:
        Dataset(*args, name="toy")
    assert fragment in str(info.value) and "'toy'" in str(info.value)


@pytest.mark.parametrize(
    "X, dtype",
    [
        (np.full((2, 1), 1_700_000_001.0), np.float64),  # float64 is kept: exact large values
        (np.zeros((2, 1), np.float32), np.float32),
        (np.array([[1], [2]]), np.float32),  # integers become float32
        ([[0.5], [1.5]], np.float64),  # Python floats are float64
    ],
)
def test_dataset_keeps_float32_and_float64_features(X, dtype):
    ds = Dataset(X, np.array([0.5, 1.0]), ["a"], None, "regress")
    assert ds.X.dtype == dtype
    np.testing.assert_array_equal(ds.X, np.asarray(X, dtype=np.float64))


def test_a_dataset_of_an_unknown_task_is_a_setting_error():
    with pytest.raises(SettingError, match="Dataset 'toy': task must be one of .*'cluster'"):
        Dataset(np.zeros((2, 2)), np.zeros(2), ["a", "b"], None, "cluster", name="toy")
