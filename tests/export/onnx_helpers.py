"""Train small models quickly and run exported graphs in onnxruntime, the oracle being
SavedModel's own NumPy predictions."""

import numpy as np
import onnxruntime as ort

import glassnet as gn
from glassnet.data import prepare
from glassnet.data.table import Table

TOL = 1e-5  # absolute, on probabilities and on a regressor's network output


def regression_tolerance(saved) -> float:
    """TOL in the target's units: TOL times the target's scale when it is standardised.

    A float32 network's output carries rounding of about 1e-7 of its size, and two BLAS
    libraries sum a row in different orders; undoing the target's standardisation
    multiplies those last digits by the scale (77 for diabetes), so outputs in the target's
    units agree to TOL only on the network's own scale.
    """
    ts = saved.config.get("target_scale")
    return TOL * max(1.0, ts["scale"]) if ts else TOL


def train_saved(folder, data="iris", *, hidden=(4,), activation="tanh", epochs=3, **mlp):
    """A model trained for a few epochs on the data as ``glassnet train`` prepares it
    (same split, encoding, standardisation and target scaling), saved to ``folder``;
    returns it and its raw test rows (an array, or a Table for a table with categories)."""
    target = mlp.pop("target", None)
    p = prepare(data, target, seed=0)
    ds = p.dataset
    n_out = len(ds.label_names) if ds.task == "classify" else 1
    model = gn.nn.MLP([ds.X.shape[1], *hidden, n_out], activation=activation, seed=0, **mlp)
    trainer = gn.Trainer(
        model, task=ds.task, lr=0.01, epochs=epochs, batch_size=64, progress="none", seed=0
    )
    trainer.fit(p.inputs(p.split.X_train), p.targets(p.split.y_train))
    saved = gn.save(folder, model, **p.model_info())
    numbers_only = all(c["kind"] == "number" for c in ds.preprocessing["columns"])
    return saved, (p.split.X_test if numbers_only else p.raw("test"))


def feeds(sess, rows, saved=None) -> dict:
    """The graph's inputs for raw rows: an array of numbers, or a Table whose number
    columns (those of ``saved``) go into ``features``, NaN where missing, and each category
    column by its name."""
    inputs = {i.name: i for i in sess.get_inputs()}
    if not isinstance(rows, Table):
        (inp,) = inputs.values()
        dtype = np.float64 if inp.type == "tensor(double)" else np.float32
        return {inp.name: np.asarray(rows, dtype=dtype)}
    out = {}
    columns = saved.preprocessing["columns"]
    numbers = [c["name"] for c in columns if c["kind"] == "number"]
    if numbers:
        out["features"] = np.array(
            [[_number(rows.column(rows.index[n])[r]) for n in numbers] for r in range(rows.n_rows)]
        )
    for name in inputs:
        if name != "features":
            out[name] = np.array(list(rows.column(rows.index[name])), dtype=object)
    return out


def _number(cell) -> float:
    try:
        return float(cell)
    except ValueError:  # a missing cell ('', NA, ...)
        return np.nan


def session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run_onnx(path, X, saved=None) -> dict:
    """The graph's outputs by name for the raw rows ``X`` (see :func:`feeds`)."""
    sess = session(path)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds(sess, X, saved))))


def assert_same_answers(saved, onnx_path, X) -> float:
    """Labels identical and probabilities within TOL of SavedModel's, regression outputs
    within :func:`regression_tolerance`; returns the largest difference."""
    got = run_onnx(onnx_path, X, saved)
    if saved.task == "classify":
        assert sorted(got) == ["label", "probabilities"]
        assert got["label"].tolist() == saved.predict(X).tolist()
        p = saved.predict_proba(X)
        assert got["probabilities"].shape == p.shape
        diff, tol = float(np.abs(got["probabilities"] - p).max()), TOL
    else:
        assert sorted(got) == ["prediction"]
        y = saved.predict(X)
        assert got["prediction"].shape == y.shape
        diff, tol = float(np.abs(got["prediction"] - y).max()), regression_tolerance(saved)
    assert diff <= tol, diff
    return diff
