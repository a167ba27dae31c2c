"""Train small models quickly and run exported graphs in onnxruntime, the oracle being
SavedModel's own NumPy predictions."""

import numpy as np
import onnxruntime as ort

import glassnet as gn
from glassnet.commands._common import DEFAULTS, prepare_data, scaled_y

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
    """A model trained for a few epochs as ``glassnet train`` trains one (same data split,
    standardisation and target scaling), saved to ``folder``; returns it and its test rows."""
    settings = {**DEFAULTS, "data": data}
    ds, split, scaler, y_scale = prepare_data(settings)
    n_out = len(ds.label_names) if ds.task == "classify" else 1
    model = gn.nn.MLP([ds.n_features, *hidden, n_out], activation=activation, seed=0, **mlp)
    trainer = gn.Trainer(
        model, task=ds.task, lr=0.01, epochs=epochs, batch_size=64, progress="none", seed=0
    )
    trainer.fit(scaler.transform(split.X_train), scaled_y(split.y_train, y_scale))
    saved = gn.save(
        folder,
        model,
        task=ds.task,
        feature_names=ds.feature_names,
        label_names=ds.label_names,
        standardizer=scaler,
        target_name=ds.target_name,
        target_scale=y_scale,
    )
    return saved, split.X_test


def session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run_onnx(path, X) -> dict:
    """The graph's outputs by name for the rows ``X``, fed as its input's dtype."""
    sess = session(path)
    (inp,) = sess.get_inputs()
    dtype = np.float64 if inp.type == "tensor(double)" else np.float32
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {inp.name: np.asarray(X, dtype=dtype)})))


def assert_same_answers(saved, onnx_path, X) -> float:
    """Labels identical and probabilities within TOL of SavedModel's, regression outputs
    within :func:`regression_tolerance`; returns the largest difference."""
    got = run_onnx(onnx_path, X)
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
