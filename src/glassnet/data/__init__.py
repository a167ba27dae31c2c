"""Data for training: built-in datasets, CSV files, splits, standardisation, mini-batches.

The usual path from a table to mini-batches::

    ds = load_dataset("iris")                                   # or a path to a .csv file
    s = train_val_test_split(ds.X, ds.y, val_size=0.15, test_size=0.15, seed=0)
    scaler = Standardizer().fit(s.X_train)                      # training split only
    loader = DataLoader(scaler.transform(s.X_train), s.y_train, batch_size=32, seed=0)
    for X_batch, y_batch in loader:                             # one epoch
        ...

``prepare(data, ...)`` does what ``glassnet train`` does with a table in one call: it
chooses the columns, splits the rows, learns the one-hot encoding and the fill values of
missing cells on the training rows, and standardises (:mod:`glassnet.data.columns`).
"""

from .csv import read_csv, read_features_csv
from .datasets import Dataset, DatasetInfo, list_datasets, load_dataset
from .generators import make_circles, make_moons, make_sine, make_spirals, make_xor
from .loader import DataLoader
from .prepare import Prepared, prepare
from .split import Split, Standardizer, split_indices, train_val_test_split

__all__ = [
    "Dataset",
    "DatasetInfo",
    "load_dataset",
    "list_datasets",
    "read_csv",
    "read_features_csv",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_xor",
    "make_sine",
    "train_val_test_split",
    "split_indices",
    "Split",
    "Standardizer",
    "DataLoader",
    "prepare",
    "Prepared",
]
