"""Mini-batches: one pass over the data is an *epoch*, cut into *batches* of ``batch_size``.

Each ``for X_batch, y_batch in loader`` is one epoch. With ``shuffle=True`` every epoch
visits the rows in a new random order drawn from the loader's own generator, so each row is
seen exactly once per epoch and the order is reproducible from ``seed``. The generator's state
is part of :meth:`DataLoader.state_dict`, which is how a resumed training run reshuffles exactly
as an uninterrupted one would.
"""

from __future__ import annotations

import numpy as np

from ..checks import nonnegative_int, positive_int
from ..errors import DataError

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over ``(X_batch, y_batch)`` mini-batches, reshuffled every epoch.

    Parameters
    ----------
    X : array of shape (n_samples, ...)
        Inputs, one row per example.
    y : array of shape (n_samples, ...)
        Targets, one row per example.
    batch_size : int, default 32
        Rows per batch; the last batch of an epoch is smaller when ``batch_size`` does not
        divide ``n_samples`` (unless ``drop_last``).
    shuffle : bool, default True
        Draw a new order of the rows at the start of every epoch.
    seed : int, default 0
        Seed of the loader's own ``np.random.Generator``.
    drop_last : bool, default False
        Skip the last, incomplete batch of each epoch.
    sample_weight : array of shape (n_samples,), optional
        One weight per row; when given, each batch is ``(X_batch, y_batch, w_batch)``.

    Raises
    ------
    DataError
        If X and y have different numbers of rows, there are no rows, ``batch_size`` is not
        a positive integer, ``seed`` is not an integer >= 0, or ``drop_last`` would leave no
        batch at all.

    Notes
    -----
    An epoch draws one permutation and gathers each batch's rows when it is reached, so an
    epoch needs the memory of one batch, not of a shuffled copy of ``X``; with
    ``shuffle=False`` batches are views of ``X`` and ``y``, so treat them as read-only. The
    generator advances when an epoch *starts*, so take :meth:`state_dict` between epochs.

    Examples
    --------
    >>> X = np.arange(10, dtype=np.float32).reshape(5, 2)
    >>> y = np.arange(5)
    >>> loader = DataLoader(X, y, batch_size=2, shuffle=False)
    >>> len(loader)
    3
    >>> [yb.tolist() for _, yb in loader]
    [[0, 1], [2, 3], [4]]
    >>> shuffled = DataLoader(X, y, batch_size=2, seed=0)
    >>> sorted(np.concatenate([yb for _, yb in shuffled]).tolist())
    [0, 1, 2, 3, 4]
    """

    def __init__(
        self,
        X,
        y,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
        sample_weight=None,
    ) -> None:
        X, y = np.asarray(X), np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight)
        if w is not None and w.shape != (len(y),):
            raise DataError(
                f"DataLoader: sample_weight of shape {w.shape} for y of shape {y.shape}: "
                f"expected ({len(y)},)"
            )
        if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
            raise DataError(
                f"DataLoader: X of shape {X.shape} and y of shape {y.shape} must "
                "have the same number of rows (n_samples first)"
            )
        if len(X) == 0:
            raise DataError(f"DataLoader: no samples (X of shape {X.shape})")
        self.batch_size = positive_int(batch_size, "batch_size", "DataLoader")
        if drop_last and self.batch_size > len(X):
            raise DataError(
                f"DataLoader: drop_last=True with batch_size={self.batch_size} and "
                f"only {len(X)} samples would give no batches"
            )
        self.X, self.y, self.sample_weight = X, y, w
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.seed = nonnegative_int(seed, "seed", "DataLoader")
        self._rng = np.random.default_rng(self.seed)

    @property
    def n_samples(self) -> int:
        """Number of rows in the data."""
        return len(self.X)

    def __len__(self) -> int:
        """Batches per epoch."""
        full, rest = divmod(len(self.X), self.batch_size)
        return full if (self.drop_last or rest == 0) else full + 1

    def __iter__(self):
        arrays = [self.X, self.y] + ([] if self.sample_weight is None else [self.sample_weight])
        perm = self._rng.permutation(len(self.X)) if self.shuffle else None  # one draw per epoch
        stop = min(len(self) * self.batch_size, len(self.X))
        for start in range(0, stop, self.batch_size):
            if perm is None:
                yield tuple(a[start : start + self.batch_size] for a in arrays)  # views
            else:  # gather one batch at a time: memory of a batch, not of a copy of X
                rows = perm[start : start + self.batch_size]
                yield tuple(a[rows] for a in arrays)

    def state_dict(self) -> dict:
        """The generator state, JSON-serialisable: save it with a checkpoint between epochs.

        Examples
        --------
        >>> a = DataLoader(np.arange(6), np.arange(6), batch_size=6, seed=3)
        >>> _ = list(a)
        >>> b = DataLoader(np.arange(6), np.arange(6), batch_size=6, seed=99)
        >>> b.load_state_dict(a.state_dict())
        >>> [yb.tolist() for _, yb in a] == [yb.tolist() for _, yb in b]
        True
        """
        return {"bit_generator": self._rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        """Restore the generator state saved by :meth:`state_dict`."""
        try:
            rng_state = state["bit_generator"]
            name = rng_state["bit_generator"]
        except (KeyError, TypeError):
            raise DataError(
                "DataLoader.load_state_dict: expected the dict returned by "
                f"state_dict(), got {state!r:.200}"
            ) from None
        expected = type(self._rng.bit_generator).__name__
        if name != expected:
            raise DataError(
                f"DataLoader.load_state_dict: state of a {name} generator, but "
                f"this loader uses {expected}"
            )
        self._rng.bit_generator.state = rng_state

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.n_samples} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, {len(self)} batches)"
        )
