"""glassnet's networks as scikit-learn estimators: ``MLPClassifier`` and ``MLPRegressor``.

They enter ``Pipeline``, ``ColumnTransformer``, ``cross_val_score`` and ``GridSearchCV``,
pass scikit-learn's estimator checks, and train through :class:`glassnet.train.Trainer`.
scikit-learn itself is imported on first use of an estimator, not by this package, so
``import glassnet.sklearn`` stays fast.

Examples
--------
>>> from glassnet.sklearn import MLPClassifier
>>> MLPClassifier(hidden_layer_sizes=(8,)).get_params()["hidden_layer_sizes"]
(8,)
"""

from __future__ import annotations

import importlib

from ..errors import GlassnetError

__all__ = ["MLPClassifier", "MLPRegressor", "to_saved", "from_saved"]

_WHERE = {
    "MLPClassifier": "._estimators",
    "MLPRegressor": "._estimators",
    "to_saved": "._saving",
    "from_saved": "._saving",
}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'glassnet.sklearn' has no attribute {name!r}")
    try:
        module = importlib.import_module(_WHERE[name], __name__)
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith(("sklearn", "scipy")):
            raise
        raise GlassnetError(
            f"glassnet.sklearn.{name} needs scikit-learn: pip install 'glassnet[sklearn]'"
        ) from None
    return getattr(module, name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
