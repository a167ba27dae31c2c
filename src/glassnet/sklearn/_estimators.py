"""``MLPClassifier`` and ``MLPRegressor``: glassnet networks as scikit-learn estimators."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ..data import Standardizer
from ._base import BaseMLP

__all__ = ["MLPClassifier", "MLPRegressor"]

_DOC_SETTINGS = """
    hidden_layer_sizes : tuple of int, default=(100,)
        Widths of the hidden layers.
    activation : {'relu', 'leaky_relu', 'tanh', 'logistic', 'sigmoid', 'identity'}, \
default='relu'
        Activation of the hidden layers ('logistic' and 'sigmoid' are the same).
    optimizer : {'adam', 'adamw', 'sgd', 'momentum', 'rmsprop'}, default='adam'
        A glassnet optimizer ('momentum' is SGD with momentum 0.9).
    alpha : float, default=1e-4
        L2 penalty ``0.5 * alpha * sum ||W||^2 / n`` on the weight matrices, ``n`` the total
        sample weight (the number of rows without weights), as scikit-learn's MLP.
    batch_size : int or 'auto', default='auto'
        Rows per step; 'auto' is ``min(200, n_samples)``. Data that fit in one batch are
        trained full-batch.
    learning_rate_init : float, default=1e-3
    schedule : {'constant', 'cosine', 'step'}, default='constant'
        The learning rate over the epochs: constant, cosine-annealed to 0 over ``max_iter``,
        or divided by 10 after each third of ``max_iter``.
    max_iter : int, default=200
        Epochs of a ``fit``.
    shuffle : bool, default=True
        Reshuffle the rows every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the batch order, dropout and the validation split.
    tol : float, default=1e-4
        An epoch improves the monitored loss only when it lowers it by more than ``tol``.
    verbose : bool, default=False
        Print one line per epoch.
    warm_start : bool, default=False
        ``fit`` goes on from the current weights and optimizer state.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, monitor its loss, and end with the
        weights of the best epoch. Without it, the training loss is monitored.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
        Stop after this many epochs without an improvement larger than ``tol``.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    weight_decay : float or None, default=None
        The optimizer's weight decay (None: its own default, 0 except 'adamw', 1e-2).
    standardize : bool, default=True
        Standardise the inputs{target} with (weighted) statistics of the first fit.
    callbacks : list of glassnet.train.Callback, optional
        Passed to the Trainer, e.g. a ``glassnet.report.ReportRecorder`` for the report.
"""

_DOC_ATTRIBUTES = """
    n_features_in_ : int
    feature_names_in_ : array of str
        Only when ``X`` had string column names.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Training loss (with the penalty) of every epoch.
    best_loss_ : float
    validation_loss_curve_, validation_score_curve_ : list of float or None
        With ``early_stopping``, the held-out loss and {score} of every epoch.
    coefs_ : list of arrays of shape (n_in, n_out)
    intercepts_ : list of arrays of shape (n_out,)
    module_ : glassnet.nn.MLP
        The fitted network: ``glassnet.trace``, ``glassnet.draw`` and the report take it.
    history_ : glassnet.train.History
        The curves above, epoch by epoch, as the report reads them.
"""


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""A multi-layer perceptron classifier trained by glassnet's Trainer.

    Softmax outputs (two for a binary problem) and a cross-entropy loss; with sample
    weights the loss is their weighted mean, so weights equal repeated rows.

    Parameters
    ----------
{_DOC_SETTINGS.replace("{target}", "")}
    class_weight : dict, 'balanced' or None, default=None
        Multiplies the sample weights of each class; 'balanced' uses
        ``total weight / (n_classes * class weight)``.

    Attributes
    ----------
    classes_ : array of shape (n_classes,)
{_DOC_ATTRIBUTES.replace("{score}", "accuracy")}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.03, tol=1e-3,
    ...                     random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    >>> [w.shape for w in clf.coefs_]
    [(4, 8), (8, 3)]
    """

    _parameter_constraints = {
        **BaseMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        schedule="constant",
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        dropout=0.0,
        weight_decay=None,
        standardize=True,
        class_weight=None,
        callbacks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.schedule = schedule
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.standardize = standardize
        self.callbacks = callbacks
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,); returns self."""
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over ``(X, y)``, going on from the current state; returns self.

        ``classes`` (every label the stream will hold) is required on the first call.
        """
        if not hasattr(self, "module_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes {np.unique(classes).tolist()} differ from the classes of the "
                f"first partial_fit call {self.classes_.tolist()}"
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _check_data(self, X, y, reset: bool):
        X, y = super()._check_data(X, y, reset)
        check_classification_targets(y)
        return X, column_or_1d(y, warn=True)

    def _set_targets(self, y, sw, classes) -> None:
        self.classes_ = np.unique(y if classes is None else np.asarray(classes))

    def _encode(self, y, sw):
        idx = np.searchsorted(self.classes_, y)
        idx[idx == len(self.classes_)] = 0
        unknown = self.classes_[idx] != y
        if unknown.any():
            raise ValueError(
                f"y holds the label {y[unknown][0]!r}, not one of the classes "
                f"{self.classes_.tolist()}"
            )
        return idx, sw * self._class_weights(idx, sw)[idx]

    def _class_weights(self, idx, sw) -> np.ndarray:
        k = len(self.classes_)
        if self.class_weight is None:
            return np.ones(k)
        if self.class_weight == "balanced":
            per_class = np.bincount(idx, weights=sw, minlength=k)  # weighted counts
            return np.where(per_class > 0, sw.sum() / (k * np.maximum(per_class, 1e-300)), 1.0)
        return np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_.tolist()])

    def _n_outputs(self, target) -> int:
        return len(self.classes_)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, array of shape (n_samples,)."""
        out = self._outputs(X)
        return self.classes_[out.argmax(axis=1)]

    def predict_log_proba(self, X) -> np.ndarray:
        """Log class probabilities, array of shape (n_samples, n_classes), float64."""
        z = self._outputs(X).astype(np.float64)
        z = z - z.max(axis=1, keepdims=True)  # (N, k) - (N, 1): exp of at most 0
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, array of shape (n_samples, n_classes), rows summing to 1.

        Column ``k`` is the probability of ``classes_[k]``.
        """
        return np.exp(self.predict_log_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""A multi-layer perceptron regressor trained by glassnet's Trainer.

    A linear output layer and the mean squared error (weighted by ``sample_weight``);
    one or several targets.

    Parameters
    ----------
{_DOC_SETTINGS.replace("{target}", " and the targets")}

    Attributes
    ----------
    n_outputs_ : int
{_DOC_ATTRIBUTES.replace("{score}", "R^2")}

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, tol=1e-3,
    ...                    random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.95
    True
    """

    _task = "regress"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        schedule="constant",
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        dropout=0.0,
        weight_decay=None,
        standardize=True,
        callbacks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.schedule = schedule
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.standardize = standardize
        self.callbacks = callbacks

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and targets ``y`` (n_samples,) or
        (n_samples, n_outputs); returns self."""
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, going on from the current state; returns self."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _set_targets(self, y, sw, classes) -> None:
        Y = y.reshape(len(y), -1).astype(np.float64)  # (N,) -> (N, 1)
        self.n_outputs_ = Y.shape[1]
        self._y_is_2d = y.ndim == 2
        self.y_scaler_ = Standardizer().fit(Y, sw) if self.standardize else None

    def _encode(self, y, sw):
        Y = y.reshape(len(y), -1).astype(np.float64)
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} targets; this regressor fitted {self.n_outputs_}")
        return (self.y_scaler_.transform(Y) if self.y_scaler_ is not None else Y), sw

    def _n_outputs(self, target) -> int:
        return self.n_outputs_

    def predict(self, X) -> np.ndarray:
        """Predictions, array of shape (n_samples,) or (n_samples, n_outputs), float64."""
        out = self._outputs(X).astype(np.float64)
        if self.y_scaler_ is not None:
            out = out * self.y_scaler_.scale_ + self.y_scaler_.mean_  # (N, k) * (k,) + (k,)
        return out if self._y_is_2d else out.reshape(-1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
