"""A fitted estimator to and from glassnet's model file (safetensors + JSON, never a pickle).

The file is an ordinary saved model (architecture, input standardisation, class names,
target scale), so ``glassnet explain``, ``evaluate`` and ``predict`` read it, plus one
JSON entry, ``estimator``: the class, its settings and the fitted attributes that are not
weights. Loading rebuilds the estimator around the stored network, so its predictions are
bit-identical to the original's.
"""

from __future__ import annotations

import numpy as np

from .. import saved
from ..data import Standardizer
from ..errors import ModelFileError
from ._estimators import MLPClassifier, MLPRegressor

__all__ = ["to_saved", "from_saved"]

_CLASSES = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
_CURVES = ("loss_curve_", "validation_loss_curve_", "validation_score_curve_")


def to_saved(estimator) -> saved.SavedModel:
    """The fitted ``estimator`` as a :class:`glassnet.SavedModel` (not yet written).

    Raises
    ------
    ModelFileError
        For an unfitted estimator, or a regressor with several targets (a model file
        holds one).
    """
    name = type(estimator).__name__
    if name not in _CLASSES or "module_" not in estimator.__dict__:
        raise ModelFileError(f"glassnet.save: the {name} is not fitted; call fit first")
    regress = name == "MLPRegressor"
    if regress and estimator.n_outputs_ != 1:
        raise ModelFileError(
            f"glassnet.save: the MLPRegressor predicts {estimator.n_outputs_} targets; a model "
            "file holds a regressor of one"
        )
    names = getattr(estimator, "feature_names_in_", None)
    y_scaler = getattr(estimator, "y_scaler_", None)
    return saved.wrap(
        estimator.module_,
        task="regress" if regress else "classify",
        feature_names=None if names is None else list(names),
        label_names=None if regress else [str(c) for c in estimator.classes_.tolist()],
        standardizer=estimator.x_scaler_,
        target_scale=_target_scale(y_scaler),
        extra={"estimator": _entry(estimator)},
        where="glassnet.save",
    )


def _target_scale(y_scaler) -> dict | None:
    if y_scaler is None:
        return None
    return {"mean": float(y_scaler.mean_[0]), "scale": float(y_scaler.scale_[0])}


def _entry(est) -> dict:
    params = est.get_params(deep=False)
    params["hidden_layer_sizes"] = est._hidden_sizes()
    params["callbacks"] = None  # training-time objects; the file keeps the network
    if not isinstance(params["random_state"], (int, type(None))):
        params["random_state"] = None  # a generator cannot go into JSON
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = [[_plain(k), float(v)] for k, v in params["class_weight"].items()]
    fitted = {
        "seed": est._seed,
        "n_iter": est.n_iter_,
        "t": est.t_,
        "best_loss": est.best_loss_,
        "curves": {key: getattr(est, key) for key in _CURVES},
        "names_given": hasattr(est, "feature_names_in_"),
        "best_validation_score": getattr(est, "best_validation_score_", None),
    }
    if hasattr(est, "classes_"):
        fitted["classes"] = [_plain(c) for c in est.classes_.tolist()]
        fitted["classes_dtype"] = est.classes_.dtype.str if est.classes_.dtype != object else "O"
    else:
        fitted["y_is_2d"] = est._y_is_2d
    return {"class": type(est).__name__, "params": params, "fitted": fitted}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def from_saved(model: saved.SavedModel):
    """The estimator stored in a model file that :func:`to_saved` wrote.

    Raises
    ------
    ModelFileError
        When the file holds no estimator entry, or one that cannot be used.
    """
    where = str(model.path or "SavedModel")
    entry = model.config.get("estimator")
    try:
        cls = _CLASSES[entry["class"]]
        params = dict(entry["params"])
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        if isinstance(params.get("class_weight"), list):
            params["class_weight"] = {k: v for k, v in params["class_weight"]}
        est = cls(**params)
        _restore(est, model, entry["fitted"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(
            f"{where}: the estimator entry cannot be used ({exc!r:.100})"
        ) from None
    return est


def _restore(est, model: saved.SavedModel, fitted: dict) -> None:
    est.module_ = model.model
    est.x_scaler_ = model.standardizer
    est.n_features_in_ = len(model.feature_names)
    if fitted["names_given"]:
        est.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
    est._seed, est._trainer = fitted["seed"], None
    est.n_iter_, est.t_, est.best_loss_ = fitted["n_iter"], fitted["t"], fitted["best_loss"]
    for key in _CURVES:
        setattr(est, key, fitted["curves"][key])
    if fitted.get("best_validation_score") is not None:
        est.best_validation_score_ = fitted["best_validation_score"]
    if "classes" in fitted:
        est.classes_ = np.asarray(fitted["classes"], dtype=np.dtype(fitted["classes_dtype"]))
        return
    est.n_outputs_, est._y_is_2d = 1, fitted["y_is_2d"]
    scale = model.config.get("target_scale")
    est.y_scaler_ = None
    if scale is not None:
        est.y_scaler_ = Standardizer.from_dict({"mean": [scale["mean"]], "scale": [scale["scale"]]})
