"""glassnet's estimators on a real Dask cluster: two worker processes on 127.0.0.1.

A grid search spread over the workers by joblib's Dask backend finds what the same search
finds in this process, and dask-ml's ``Incremental`` streams a chunked array through
``partial_fit`` to the accuracy of the same calls made in memory.
"""

import numpy as np
import pytest

pytest.importorskip("sklearn")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
wrappers = pytest.importorskip("dask_ml.wrappers")

import joblib  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from glassnet.sklearn import MLPClassifier  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _search():
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier(learning_rate_init=0.01, max_iter=20, random_state=0)
    )
    grid = {"mlpclassifier__hidden_layer_sizes": [(2,), (8,)]}
    return GridSearchCV(pipe, grid, cv=3)


def test_grid_search_on_the_cluster_equals_the_search_in_process(client):
    X, y = make_classification(n_samples=200, n_features=8, random_state=0)
    local = _search().fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = _search().fit(X, y)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-12
    )
    assert remote.best_score_ == pytest.approx(local.best_score_, rel=1e-12)
    workers = {w["id"] for w in client.scheduler_info()["workers"].values()}
    assert len(workers) == 2


def test_incremental_over_many_chunks_matches_partial_fit_in_memory(client):
    X, y = make_classification(n_samples=25_000, n_features=20, random_state=0)
    X_train, y_train, X_test, y_test = X[:20_000], y[:20_000], X[20_000:], y[20_000:]
    params = dict(learning_rate_init=0.01, random_state=0)
    dX = da.from_array(X_train, chunks=(1_000, 20))
    dy = da.from_array(y_train, chunks=1_000)
    assert dX.numblocks[0] == 20
    # The blocks in their order, as the in-memory loop below takes them (dask-ml would
    # otherwise shuffle them with an unseeded generator).
    incremental = wrappers.Incremental(MLPClassifier(**params), shuffle_blocks=False)
    streamed = incremental.fit(dX, dy, classes=[0, 1])
    in_memory = MLPClassifier(**params)
    for start in range(0, 20_000, 1_000):
        stop = start + 1_000
        in_memory.partial_fit(X_train[start:stop], y_train[start:stop], classes=[0, 1])
    streamed_acc = streamed.estimator_.score(X_test, y_test)
    assert streamed.estimator_.n_iter_ == 20  # one epoch per block
    assert abs(streamed_acc - in_memory.score(X_test, y_test)) <= 0.01
    assert streamed_acc >= 0.84
