"""The :class:`Dataset` container and the built-in datasets.

Three kinds of built-in data need no network:

- ``iris``, shipped inside the package as ``iris.csv`` (150 flowers, 4 measurements, 3
  species), the default everywhere;
- ``digits``, ``wine``, ``breast_cancer`` and ``diabetes``, the copies bundled with
  scikit-learn, used when scikit-learn is installed (``pip install glassnet[sklearn]``);
- ``moons``, ``circles``, ``spirals``, ``xor`` and ``sine``, drawn from a seed by
  :mod:`glassnet.data.generators`.

:func:`load_dataset` takes any of these names or a path to a CSV file (:func:`builtin_name`
tells one from the other); :func:`list_datasets` describes the built-ins without loading them.

The built-in datasets hold float32 features. Features read from CSV files are float64, so
that large values (timestamps, prices in cents) keep their precision until standardisation;
the network's own dtype is applied after that.
"""

from __future__ import annotations

import importlib.resources
import os
from dataclasses import dataclass, field

import numpy as np

from ..checks import nonnegative_int, one_of
from ..errors import DataError
from .table import did_you_mean

__all__ = ["Dataset", "DatasetInfo", "load_dataset", "list_datasets", "builtin_name"]

TASKS = ("classify", "regress")


@dataclass
class Dataset:
    """A table of examples: features ``X``, targets ``y`` and the names that go with them.

    Parameters
    ----------
    X : array of shape (n_samples, n_features), float32 or float64
        One row per example, one column per feature. float32 and float64 are kept as given
        (the built-in datasets are float32; CSV files are read in float64, so that large
        values keep their precision until they are standardised); any other dtype is
        converted to float32.
    y : array of shape (n_samples,)
        Class indices (int64, ``0 .. n_classes - 1``) when ``task == "classify"``;
        real-valued targets when ``task == "regress"`` (float64 and float32 kept as given,
        so that a CSV file's targets keep their precision until standardised).
    feature_names : list of str
        The name of each column of ``X``.
    label_names : list of str or None
        For classification, ``label_names[k]`` is the name of class ``k`` (a species, a
        digit, ...); None for regression.
    task : {"classify", "regress"}
        What is predicted.
    name : str
        A short name for messages and file names (``"iris"``, or a CSV file's stem).
    target_name : str
        The name of the target column (``"species"`` for iris), kept with a trained model so
        that a labelled CSV file can be read the same way later.
    preprocessing : dict, optional
        How the table's columns became ``X`` (see :mod:`glassnet.data.columns`): kinds,
        categories, fill values. None for data given as numbers.
    notes : list of str
        What was done to the table on the way (columns left out, cells filled), one line
        each, for a person to read.

    Raises
    ------
    DataError
        If the arrays and names do not agree (shapes, dtypes, lengths, task).

    Examples
    --------
    >>> ds = Dataset(np.zeros((3, 2), np.float32), np.array([0, 1, 1]), ["a", "b"],
    ...              ["no", "yes"], "classify", "toy", "answer")
    >>> ds
    Dataset('toy', classify, 3 samples, 2 features, 2 classes)
    >>> ds.n_classes
    2
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    label_names: list[str] | None
    task: str
    name: str = "data"
    target_name: str = "target"
    preprocessing: dict | None = None
    notes: list = field(default_factory=list)

    def __post_init__(self) -> None:
        one_of(self.task, TASKS, "task", f"Dataset '{self.name}'")
        self.X = np.asarray(self.X)
        if self.X.dtype not in (np.float32, np.float64):
            self.X = self.X.astype(np.float32)
        if self.task == "classify":
            self.y = np.asarray(self.y, dtype=np.int64)
        else:  # float64 stays float64 until the target is standardised
            self.y = np.asarray(self.y)
            if self.y.dtype not in (np.float32, np.float64):
                self.y = self.y.astype(np.float32)
        if self.X.ndim != 2 or self.y.ndim != 1 or len(self.X) != len(self.y):
            raise DataError(
                f"Dataset '{self.name}': expected X of shape (n_samples, "
                f"n_features) and y of shape (n_samples,), got X {self.X.shape} "
                f"and y {self.y.shape}"
            )
        self.feature_names = [str(f) for f in self.feature_names]
        if len(self.feature_names) != self.X.shape[1]:
            raise DataError(
                f"Dataset '{self.name}': {len(self.feature_names)} feature names "
                f"for X of shape {self.X.shape}"
            )
        self._check_labels()

    def _check_labels(self) -> None:
        if self.task == "regress":
            if self.label_names is not None:
                raise DataError(
                    f"Dataset '{self.name}': a regression dataset has no label_names (got a list)"
                )
            return
        if self.label_names is None:
            raise DataError(
                f"Dataset '{self.name}': a classification dataset needs label_names, one per class"
            )
        self.label_names = [str(name) for name in self.label_names]
        k = len(self.label_names)
        if len(self.y) and (self.y.min() < 0 or self.y.max() >= k):
            raise DataError(
                f"Dataset '{self.name}': class indices must lie in 0..{k - 1} "
                f"for {k} label names, found {self.y.min()}..{self.y.max()}"
            )

    @property
    def n_samples(self) -> int:
        """Number of examples (rows of ``X``)."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features (columns of ``X``)."""
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int | None:
        """Number of classes for classification, None for regression."""
        return None if self.label_names is None else len(self.label_names)

    def __repr__(self) -> str:
        classes = "" if self.label_names is None else f", {self.n_classes} classes"
        return (
            f"Dataset('{self.name}', {self.task}, {self.n_samples} samples, "
            f"{self.n_features} features{classes})"
        )


@dataclass(frozen=True)
class DatasetInfo:
    """A line of :func:`list_datasets`: what a built-in dataset holds, without loading it."""

    name: str
    n_samples: int
    n_features: int
    task: str
    n_classes: int | None
    source: str  # "embedded", "scikit-learn" or "generated"
    description: str
    target_name: str


# Sizes of scikit-learn's bundled copies are stable; a test checks them against the real data.
_INFO = [
    DatasetInfo("iris", 150, 4, "classify", 3, "embedded", "iris flowers, 3 species", "species"),
    DatasetInfo(
        "digits", 1797, 64, "classify", 10, "scikit-learn", "8x8 handwritten digits", "digit"
    ),
    DatasetInfo(
        "wine", 178, 13, "classify", 3, "scikit-learn", "wine from 3 cultivars", "cultivar"
    ),
    DatasetInfo(
        "breast_cancer",
        569,
        30,
        "classify",
        2,
        "scikit-learn",
        "breast tumours, malignant or benign",
        "diagnosis",
    ),
    DatasetInfo(
        "diabetes",
        442,
        10,
        "regress",
        None,
        "scikit-learn",
        "disease progression after one year",
        "progression",
    ),
    DatasetInfo(
        "moons", 1000, 2, "classify", 2, "generated", "two interleaving half circles", "moon"
    ),
    DatasetInfo(
        "circles", 1000, 2, "classify", 2, "generated", "a circle inside a circle", "circle"
    ),
    DatasetInfo("spirals", 1500, 2, "classify", 3, "generated", "three spiral arms", "arm"),
    DatasetInfo(
        "xor", 1000, 2, "classify", 2, "generated", "XOR of the signs of x1 and x2", "label"
    ),
    DatasetInfo("sine", 1000, 1, "regress", None, "generated", "y = sin(x) + noise", "y"),
]
_BY_NAME = {info.name: info for info in _INFO}


def list_datasets() -> list[DatasetInfo]:
    """Describe every built-in dataset (name, size, task, number of classes).

    Nothing is loaded or generated and scikit-learn is not imported.

    Returns
    -------
    list of DatasetInfo
        In a fixed order: the embedded Iris data, scikit-learn's sets, the generators.

    Examples
    --------
    >>> [d.name for d in list_datasets()][:3]
    ['iris', 'digits', 'wine']
    >>> list_datasets()[0].n_samples
    150
    """
    return list(_INFO)


def _canonical(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def builtin_name(name_or_path: str | os.PathLike) -> str | None:
    """The built-in dataset that ``name_or_path`` names, or None when it names a file.

    The one rule for telling a name from a path, used by :func:`load_dataset` and the
    command line: a built-in name (case-insensitive, ``-`` or ``_``) wins, even over a
    file of that name in the working folder, unless the text ends in ``.csv`` or contains
    a path separator (``./moons`` is the file). Other text is a path when it ends in
    ``.csv``, contains a separator or names something that exists.

    Raises
    ------
    DataError
        For text that is neither a built-in name nor a path: an unknown dataset (the
        message lists the built-ins).

    Examples
    --------
    >>> builtin_name("Breast-Cancer"), builtin_name("moons.csv"), builtin_name("./moons")
    ('breast_cancer', None, None)
    """
    text = os.fspath(name_or_path)
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    path_like = text.lower().endswith(".csv") or any(sep in text for sep in separators)
    key = _canonical(text)
    if key in _BY_NAME and not path_like:
        return key
    if path_like or os.path.exists(text):
        return None
    known = [info.name for info in _INFO]
    raise DataError(
        f"unknown dataset '{text}': choose one of {', '.join(known)}, or give the path of "
        f"a .csv file{did_you_mean(key, known)}"
    )


def load_dataset(
    name_or_path: str | os.PathLike,
    target: str | None = None,
    task: str | None = None,
    seed: int = 0,
    *,
    n_samples: int | None = None,
    noise: float | None = None,
    **table_options,
) -> Dataset:
    """Load a built-in dataset by name, a CSV file by path, or a pandas DataFrame.

    Parameters
    ----------
    name_or_path : str, path-like or DataFrame
        A name from :func:`list_datasets` (case-insensitive, ``-`` or ``_``), a path to a
        CSV file, or a DataFrame (see :func:`glassnet.data.read_csv`). A built-in name wins
        over a file of the same name unless the text ends in ``.csv`` or contains a path
        separator (:func:`builtin_name` states the rule).
    target : str, optional
        The target column of a CSV file (default: the last column). A built-in has a fixed
        target; naming it (its ``target_name``, e.g. ``"species"``) is allowed.
    task : {"classify", "regress"}, optional
        Inferred when None. For a built-in it must match the dataset's own task.
    seed : int, default 0
        Seed of the generated datasets; the fixed datasets ignore it.
    n_samples, noise : optional
        Size and noise of a generated dataset (defaults in :mod:`glassnet.data.generators`).
    **table_options
        For a CSV file or a DataFrame: ``features``, ``drop``, ``categorical`` and
        ``missing``, as :func:`glassnet.data.read_csv` takes them.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        For an unknown name (the message lists the built-ins), a folder instead of a file,
        a bad CSV file, options that do not apply to the dataset, a seed that is not an
        integer >= 0, or scikit-learn missing for its datasets.

    Examples
    --------
    >>> iris = load_dataset("iris")
    >>> iris
    Dataset('iris', classify, 150 samples, 4 features, 3 classes)
    >>> iris.label_names
    ['setosa', 'versicolor', 'virginica']
    >>> load_dataset("moons", seed=1, n_samples=10).X.shape
    (10, 2)
    """
    seed = nonnegative_int(seed, "seed", "load_dataset")
    from .table import is_frame

    key = None if is_frame(name_or_path) else builtin_name(name_or_path)
    if key is None:
        from .csv import read_csv

        return read_csv(name_or_path, target=target, task=task, **table_options)
    info = _BY_NAME[key]
    if table_options:
        raise DataError(
            f"dataset '{info.name}' is built in: {', '.join(table_options)} apply only to "
            "CSV files and DataFrames"
        )
    if task is not None and task != info.task:
        raise DataError(
            f"dataset '{info.name}' is a {info.task} dataset; task={task!r} does not apply to it"
        )
    if (n_samples is not None or noise is not None) and info.source != "generated":
        raise DataError(
            f"dataset '{info.name}' has a fixed size: n_samples and noise apply "
            "only to the generated datasets"
        )
    if target is not None and target != info.target_name:
        raise DataError(
            f"dataset '{info.name}' has the fixed target '{info.target_name}'; "
            f"target={target!r} applies only to CSV files"
        )
    if info.source == "embedded":
        return _load_iris()
    if info.source == "scikit-learn":
        return _load_sklearn(info)
    return _generate(info.name, seed, n_samples, noise)


def _load_iris() -> Dataset:
    from .csv import read_csv

    resource = importlib.resources.files(__package__).joinpath("iris.csv")
    with importlib.resources.as_file(resource) as path:
        ds = read_csv(path, target="species", task="classify")
    ds.name = "iris"
    ds.X = ds.X.astype(np.float32)  # the built-ins are float32
    return ds


def _load_sklearn(info: DatasetInfo) -> Dataset:
    try:
        from sklearn import datasets as skd
    except ImportError:
        raise DataError(
            f"dataset '{info.name}' comes from scikit-learn, which is not "
            "installed: pip install glassnet[sklearn]"
        ) from None
    bunch = getattr(skd, f"load_{info.name}")()
    features = [str(f).replace(" ", "_") for f in bunch.feature_names]
    if info.task == "regress":
        labels = None
    else:
        labels = [str(name) for name in bunch.target_names]
    return Dataset(
        bunch.data.astype(np.float32),
        bunch.target,
        features,
        labels,
        info.task,
        info.name,
        info.target_name,
    )  # float64 in scikit-learn; built-ins are float32


def _generate(name: str, seed: int, n_samples: int | None, noise: float | None) -> Dataset:
    from . import generators

    make = getattr(generators, f"make_{name}")
    options = {}
    if n_samples is not None:
        options["n_samples"] = n_samples
    if noise is not None:
        options["noise"] = noise
    return make(seed=seed, **options)
