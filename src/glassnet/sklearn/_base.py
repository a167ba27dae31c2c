"""What the two estimators share: settings, their constraints, and fitting through a Trainer.

The estimator only adapts: it checks the data as scikit-learn does, encodes the targets,
standardises with (weighted) training statistics, builds an :class:`glassnet.nn.MLP` in the
input's dtype and hands everything to :class:`glassnet.train.Trainer`, which owns the one
training loop. ``fit`` builds a new Trainer; ``partial_fit`` and ``warm_start`` keep it, so
the optimizer's moments and the batch order go on where they stopped.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import nn, optim
from ..data import Standardizer
from ..nn import predict_logits
from ..train import History, Trainer

# scikit-learn calls the sigmoid "logistic"; both names are accepted.
_ACTIVATIONS = {"logistic": "sigmoid", **{name: name for name in nn.ACTIVATIONS}}
_FLOATS = (np.float64, np.float32)  # float32 trains in float32; everything else in float64


class BaseMLP(BaseEstimator):
    """The settings and the fitting shared by :class:`MLPClassifier` and :class:`MLPRegressor`."""

    _task = "classify"

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(_ACTIVATIONS))],
        "optimizer": [StrOptions({"sgd", "momentum", "adam", "adamw", "rmsprop"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "schedule": [StrOptions({"constant", "cosine", "step"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [None, Interval(Real, 0, None, closed="left")],
        "standardize": ["boolean"],
        "callbacks": [list, tuple, None],
    }

    # -- the fitted network, in scikit-learn's layout ---------------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices of shape (n_in, n_out), one per layer (``W.T`` of each Linear)."""
        return [layer.weight.data.T for layer in self._linears()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors of shape (n_out,), one per layer."""
        return [layer.bias.data for layer in self._linears()]

    @property
    def history_(self) -> History:
        """The fitted epochs as a :class:`glassnet.train.History` (``loss``, and with
        early stopping ``val_loss`` and the validation score), for the training report."""
        check_is_fitted(self, "module_")
        score = "val_accuracy" if self._task == "classify" else "val_r2"
        rows = [{"epoch": i, "loss": loss} for i, loss in enumerate(self.loss_curve_, start=1)]
        if self.validation_loss_curve_:
            for row, v, s in zip(rows, self.validation_loss_curve_, self.validation_score_curve_):
                row.update({"val_loss": v, score: s})
        return History(rows)

    def _linears(self) -> list:
        if "module_" not in self.__dict__:
            raise AttributeError(f"this {type(self).__name__} is not fitted yet")
        return [m for m in self.module_.modules() if isinstance(m, nn.Linear)]

    # -- fitting ---------------------------------------------------------------------------
    def _fit(self, X, y, sample_weight, *, incremental: bool, classes=None):
        first = not ((incremental or self.warm_start) and hasattr(self, "module_"))
        X, y = self._check_data(X, y, reset=first)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if first:
            self._set_targets(y, sw, classes)
        target, sw = self._encode(y, sw)
        if not sw.sum() > 0:
            raise ValueError("sample_weight: the weights sum to zero; nothing to fit")
        if first:
            self._start(X, target, sw)
        Z = self._inputs(X)
        trainer, val = self._trainer_for(Z, target, sw, incremental, first)
        if val is not None:
            Z, target, sw = val[0]
        start = len(trainer.history)
        history = trainer.fit(Z, target, validation_data=val and val[1], sample_weight=sw)
        trainer.release_data()
        self._record(history.rows[start:], len(Z), incremental)
        return self

    def _check_data(self, X, y, reset: bool):
        regress = self._task == "regress"
        X, y = validate_data(
            self, X, y, reset=reset, dtype=_FLOATS, multi_output=regress, y_numeric=regress
        )
        return X, y

    def _start(self, X, target, sw) -> None:
        """The statistics, the network and the seed of a new fit."""
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self._seed = seed
        self.x_scaler_ = Standardizer().fit(X, sw) if self.standardize else None
        sizes = [X.shape[1], *self._hidden_sizes(), self._n_outputs(target)]
        activation = _ACTIVATIONS[self.activation]
        self.module_ = nn.MLP(sizes, activation, self.dropout, seed=seed, dtype=X.dtype)
        self._trainer = None
        self.n_iter_, self.t_ = 0, 0
        self.loss_curve_ = []
        self.validation_loss_curve_ = [] if self.early_stopping else None
        self.validation_score_curve_ = [] if self.early_stopping else None

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(n, Integral) and n >= 1 for n in sizes):
            raise ValueError(f"hidden_layer_sizes must hold positive integers, got {sizes}")
        return [int(n) for n in sizes]

    def _inputs(self, X) -> np.ndarray:
        """``X`` as the network sees it: standardised, in the network's dtype."""
        Z = self.x_scaler_.transform(X) if self.x_scaler_ is not None else X
        return Z.astype(self.module_.dtype, copy=False)

    def _trainer_for(self, Z, target, sw, incremental: bool, first: bool):
        """The Trainer for this call, and a validation split ((Z, t, w), (Z_val, t_val))."""
        n_epochs = 1 if incremental else self.max_iter
        if first or self._trainer is None or not (incremental or self.warm_start):
            self._trainer = self._new_trainer(len(Z), n_epochs)
        trainer = self._trainer
        trainer.epochs = trainer.epoch + n_epochs
        trainer.stop_training = False
        trainer.best.update(score=np.inf, wait=0)
        trainer.l2 = self.alpha / float(sw.sum())  # scikit-learn's alpha / n_samples
        if incremental or not self.early_stopping:
            return trainer, None
        from sklearn.model_selection import train_test_split  # heavy: only when needed

        strat = target if self._task == "classify" else None
        parts = train_test_split(
            Z,
            target,
            sw,
            test_size=self.validation_fraction,
            random_state=self._seed,
            stratify=strat,
        )
        Z_tr, Z_val, t_tr, t_val, w_tr, _ = parts
        return trainer, ((Z_tr, t_tr, w_tr), (Z_val, t_val))

    def _new_trainer(self, n_samples: int, n_epochs: int) -> Trainer:
        batch = (
            min(200, n_samples) if self.batch_size == "auto" else min(self.batch_size, n_samples)
        )
        return Trainer(
            self.module_,
            task=self._task,
            optimizer=self.optimizer,
            lr=self.learning_rate_init,
            weight_decay=self.weight_decay,
            epochs=n_epochs,
            batch_size=batch,
            scheduler=self._schedule(),
            early_stopping=self.n_iter_no_change,
            min_delta=self.tol,
            restore_best=self.early_stopping,
            progress="lines" if self.verbose else "none",
            shuffle=self.shuffle,
            seed=self._seed,
            callbacks=self.callbacks or (),
        )

    def _schedule(self):
        if self.schedule == "cosine":
            return lambda opt: optim.CosineAnnealingLR(opt, T_max=self.max_iter)
        if self.schedule == "step":  # a tenth of the rate after each third of max_iter
            return lambda opt: optim.StepLR(opt, step_size=max(1, self.max_iter // 3))
        return None

    def _record(self, rows: list[dict], n_rows: int, incremental: bool) -> None:
        """The fitted attributes from the epochs just run (``rows`` of the history)."""
        self.loss_curve_.extend(float(r["loss"]) for r in rows)
        self.n_iter_ += len(rows)
        self.t_ += len(rows) * n_rows
        self.best_loss_ = float(min(self.loss_curve_))
        if self.validation_loss_curve_ is not None and rows and "val_loss" in rows[0]:
            score = "val_accuracy" if self._task == "classify" else "val_r2"
            self.validation_loss_curve_.extend(float(r["val_loss"]) for r in rows)
            self.validation_score_curve_.extend(float(r[score]) for r in rows)
            self.best_validation_score_ = float(max(self.validation_score_curve_))
        if not incremental and not self._trainer.stop_training:
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} epochs ran and the loss "
                "still improved; raise max_iter or tol",
                ConvergenceWarning,
                stacklevel=3,
            )

    def to_saved_model(self):
        """The fitted estimator as a :class:`glassnet.SavedModel` (network, standardisation,
        names, settings), as ``glassnet.save(path, estimator)`` writes it."""
        from ._saving import to_saved

        return to_saved(self)

    # -- predictions ----------------------------------------------------------------------------
    def _outputs(self, X) -> np.ndarray:
        """The network's raw outputs for ``X`` (logits or standardised predictions)."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        return predict_logits(self.module_, self._inputs(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
