"""glassnet's scikit-learn estimators beside scikit-learn's MLP and skorch (PyTorch CPU).

Four data sets, one process, the contenders side by side on the same standardised float32
data, the same architecture (one hidden layer of 100 ReLU units) and the same optimiser
settings (Adam, lr 1e-3, batch 200, a fixed number of epochs with no early stop), each with
its own initialisation:

- digits (1,797 x 64, 10 classes), 50 epochs
- breast cancer (569 x 30, 2 classes), 50 epochs
- make_classification 100,000 x 50 (2 classes), 5 epochs
- make_regression 20,000 x 20 (noise 10, targets standardised), 20 epochs

Measured: fit time (median of ``--repeats``), held-out accuracy or R^2 (a 25 % split),
peak memory of a fit as traced by ``tracemalloc`` (NumPy and Python allocations; PyTorch's
own allocator is not traced, so skorch's number is a lower bound), and the import time of
each estimator's module in a fresh interpreter. PyTorch runs with 2 threads. Run with the
``bench`` extra installed::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/sklearn_vs_peers.py
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from functools import partial

import numpy as np

HIDDEN, LR, BATCH = 100, 1e-3, 200
IMPORTS = {
    "glassnet": "import glassnet.sklearn",
    "glassnet (estimator class)": "from glassnet.sklearn import MLPClassifier",
    "scikit-learn": "from sklearn.neural_network import MLPClassifier",
    "skorch": "import skorch",
}


def datasets():
    """(name, task, X, y, epochs) for each workload."""
    from sklearn.datasets import (
        load_breast_cancer,
        load_digits,
        make_classification,
        make_regression,
    )

    X_big, y_big = make_classification(
        n_samples=100_000, n_features=50, n_informative=20, random_state=0
    )
    X_reg, y_reg = make_regression(n_samples=20_000, n_features=20, noise=10.0, random_state=0)
    return [
        ("digits", "classify", *load_digits(return_X_y=True), 50),
        ("breast cancer", "classify", *load_breast_cancer(return_X_y=True), 50),
        ("classification 100k x 50", "classify", X_big, y_big, 5),
        ("regression 20k x 20", "regress", X_reg, y_reg, 20),
    ]


def split(X, y, task):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    strat = y if task == "classify" else None
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=strat)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = (scaler.transform(a).astype(np.float32) for a in (X_tr, X_te))
    if task == "regress":
        mu, sd = y_tr.mean(), y_tr.std()
        y_tr, y_te = ((y_tr - mu) / sd).astype(np.float32), ((y_te - mu) / sd).astype(np.float32)
    return X_tr, X_te, y_tr, y_te


def glassnet_estimator(task, epochs):
    from glassnet.sklearn import MLPClassifier, MLPRegressor

    cls = MLPClassifier if task == "classify" else MLPRegressor
    return cls(
        hidden_layer_sizes=(HIDDEN,),
        learning_rate_init=LR,
        batch_size=BATCH,
        max_iter=epochs,
        n_iter_no_change=epochs,
        tol=0.0,
        standardize=False,
        random_state=0,
    )


def sklearn_estimator(task, epochs):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if task == "classify" else MLPRegressor
    return cls(
        hidden_layer_sizes=(HIDDEN,),
        learning_rate_init=LR,
        batch_size=BATCH,
        max_iter=epochs,
        n_iter_no_change=epochs,
        tol=0.0,
        random_state=0,
    )


def skorch_estimator(task, epochs, n_in, n_out):
    import torch
    from skorch import NeuralNetClassifier, NeuralNetRegressor

    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(n_in, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, n_out)
    )
    cls = NeuralNetClassifier if task == "classify" else NeuralNetRegressor
    loss = torch.nn.CrossEntropyLoss if task == "classify" else torch.nn.MSELoss
    return cls(
        module,
        criterion=loss,
        optimizer=torch.optim.Adam,
        lr=LR,
        batch_size=BATCH,
        max_epochs=epochs,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )


def measure(make, X_tr, y_tr, X_te, y_te, task, repeats):
    """(median fit seconds, held-out score, peak traced MiB)."""
    from sklearn.metrics import accuracy_score, r2_score

    times = []
    for _ in range(repeats):
        est = make()
        gc.collect()
        t0 = time.perf_counter()
        est.fit(X_tr, y_tr)
        times.append(time.perf_counter() - t0)
    pred = est.predict(X_te)
    score = accuracy_score(y_te, pred) if task == "classify" else r2_score(y_te, pred.ravel())
    est = make()
    gc.collect()
    tracemalloc.start()
    est.fit(X_tr, y_tr)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), score, peak


def import_time(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    warnings.filterwarnings("ignore")  # fixed epochs: convergence warnings are expected
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("| data | contender | fit (s) | held-out score | peak memory (MiB) |")
    print("|---|---|---:|---:|---:|")
    for name, task, X, y, epochs in datasets():
        X_tr, X_te, y_tr, y_te = split(X, y, task)
        n_out = len(np.unique(y_tr)) if task == "classify" else 1
        y_sk = y_tr.reshape(-1, 1) if task == "regress" else y_tr.astype(np.int64)
        contenders = {
            "glassnet": (partial(glassnet_estimator, task, epochs), y_tr),
            "scikit-learn": (partial(sklearn_estimator, task, epochs), y_tr),
            "skorch": (partial(skorch_estimator, task, epochs, X.shape[1], n_out), y_sk),
        }
        for who, (make, target) in contenders.items():
            t, score, peak = measure(make, X_tr, target, X_te, y_te, task, args.repeats)
            print(f"| {name} | {who} | {t:.2f} | {score:.4f} | {peak:.1f} |", flush=True)
    print("\n| import | seconds |\n|---|---:|")
    for who, statement in IMPORTS.items():
        print(f"| `{statement}` ({who}) | {import_time(statement):.2f} |", flush=True)


if __name__ == "__main__":
    main()
