"""Synthetic datasets drawn from a seed: moons, circles, spirals, XOR and a noisy sine.

Each generator is a pure function of its arguments: the same ``seed`` gives bit-identical
arrays on every run and platform. Samples are returned in a shuffled order, so the classes
are not grouped, and the defaults are chosen so that a small two-layer network can learn
them (moons and spirals to well above 0.95 test accuracy).

Arguments are checked before anything is drawn: a seed that is not an integer >= 0, a
``noise`` that is not a finite number >= 0 or a ``factor`` outside (0, 1) raises a
:class:`~glassnet.errors.DataError` naming the generator and the argument.
"""

from __future__ import annotations

import numpy as np

from ..checks import nonnegative_float, nonnegative_int, probability
from ..errors import SettingError
from .datasets import Dataset

__all__ = ["make_moons", "make_circles", "make_spirals", "make_xor", "make_sine"]

_XY = ["x1", "x2"]


def _check(name: str, n_samples: int, noise: float, min_samples: int, seed: int) -> None:
    n_samples = nonnegative_int(n_samples, "n_samples", name)
    if n_samples < min_samples:
        raise SettingError(f"{name}: n_samples must be at least {min_samples}, got {n_samples}")
    nonnegative_float(noise, "noise", name)
    nonnegative_int(seed, "seed", name)


def _classes(name, X, y, rng, n_classes, target_name) -> Dataset:
    """Shuffle the rows with ``rng`` and wrap them as a classification Dataset."""
    order = rng.permutation(len(y))
    return Dataset(
        X=X[order].astype(np.float32),
        y=y[order].astype(np.int64),
        feature_names=list(_XY),
        label_names=[str(k) for k in range(n_classes)],
        task="classify",
        name=name,
        target_name=target_name,
    )


def _split_counts(n_samples: int, n_classes: int) -> list[int]:
    """Class sizes as equal as possible: 1000 into 3 gives [334, 333, 333]."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def make_moons(n_samples: int = 1000, noise: float = 0.15, seed: int = 0) -> Dataset:
    """Two interleaving half circles in 2-D, a binary classification problem.

    Class 0 is the upper arc ``(cos t, sin t)`` and class 1 the lower arc
    ``(1 - cos t, 0.5 - sin t)`` for ``t`` in ``[0, pi]``; Gaussian noise of standard
    deviation ``noise`` is added to every coordinate.

    Parameters
    ----------
    n_samples : int, default 1000
        Total number of points, split as evenly as possible between the two moons.
    noise : float, default 0.15
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, 2) float32, ``y`` of shape (n_samples,) int64 in {0, 1}.

    Examples
    --------
    >>> ds = make_moons(200, seed=1)
    >>> ds.X.shape, ds.y.dtype.name, ds.label_names
    ((200, 2), 'int64', ['0', '1'])
    >>> bool((ds.y == 0).sum() == 100)
    True
    """
    _check("make_moons", n_samples, noise, 2, seed)
    rng = np.random.default_rng(seed)
    n0, n1 = _split_counts(n_samples, 2)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)  # (n0, 2)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)  # (n1, 2)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat([0, 1], [n0, n1])
    return _classes("moons", X, y, rng, 2, "moon")


def make_circles(
    n_samples: int = 1000, noise: float = 0.08, seed: int = 0, factor: float = 0.5
) -> Dataset:
    """A circle inside a larger circle, a binary classification problem.

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor``; the angles
    are uniform and Gaussian noise of standard deviation ``noise`` is added.

    Parameters
    ----------
    n_samples : int, default 1000
        Total number of points, split as evenly as possible between the two circles.
    noise : float, default 0.08
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, default 0
        Seed of the random generator.
    factor : float, default 0.5
        Radius of the inner circle, strictly between 0 and 1.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, 2) float32, ``y`` of shape (n_samples,) int64 in {0, 1}.

    Examples
    --------
    >>> ds = make_circles(100, noise=0.0, seed=0)
    >>> radius = np.hypot(ds.X[:, 0], ds.X[:, 1])
    >>> bool(np.allclose(radius[ds.y == 1], 0.5, atol=1e-6))
    True
    """
    _check("make_circles", n_samples, noise, 2, seed)
    if probability(factor, "factor", "make_circles", below_one=True) == 0:
        raise SettingError(f"make_circles: factor must be between 0 and 1, got {factor!r}")
    rng = np.random.default_rng(seed)
    counts = _split_counts(n_samples, 2)
    radius = np.repeat([1.0, factor], counts)  # (n_samples,)
    angle = rng.uniform(0.0, 2.0 * np.pi, n_samples)
    X = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n_samples, 2)
    X = X + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat([0, 1], counts)
    return _classes("circles", X, y, rng, 2, "circle")


def make_spirals(
    n_samples: int = 1500, noise: float = 0.03, seed: int = 0, n_arms: int = 3
) -> Dataset:
    """Interleaved spiral arms in 2-D, one class per arm: a problem no straight line solves.

    Arm ``k`` is the curve ``r (cos theta, sin theta)`` with radius ``r`` from 0.1 to 1
    and ``theta = 2 pi (r + k / n_arms)``: each arm makes one full turn and the arms are
    rotated evenly. Gaussian noise of standard deviation ``noise`` is added.

    Parameters
    ----------
    n_samples : int, default 1500
        Total number of points, split as evenly as possible between the arms.
    noise : float, default 0.03
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, default 0
        Seed of the random generator.
    n_arms : int, default 3
        Number of arms, which is also the number of classes.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, 2) float32, ``y`` of shape (n_samples,) int64 in
        ``range(n_arms)``.

    Examples
    --------
    >>> ds = make_spirals(300, seed=0)
    >>> ds.label_names, np.bincount(ds.y).tolist()
    (['0', '1', '2'], [100, 100, 100])
    """
    if nonnegative_int(n_arms, "n_arms", "make_spirals") < 2:
        raise SettingError(f"make_spirals: n_arms must be an integer >= 2, got {n_arms!r}")
    _check("make_spirals", n_samples, noise, n_arms, seed)
    rng = np.random.default_rng(seed)
    counts = _split_counts(n_samples, n_arms)
    r = np.concatenate([np.linspace(0.1, 1.0, m) for m in counts])  # (n_samples,)
    y = np.repeat(np.arange(n_arms), counts)
    theta = 2.0 * np.pi * (r + y / n_arms)
    X = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)  # (n_samples, 2)
    X = X + noise * rng.standard_normal((n_samples, 2))
    return _classes("spirals", X, y, rng, n_arms, "arm")


def make_xor(n_samples: int = 1000, noise: float = 0.05, seed: int = 0) -> Dataset:
    """Points in the square ``[-1, 1]**2`` labelled by the XOR of the signs of x1 and x2.

    A point is class 1 when exactly one coordinate is negative (the second and fourth
    quadrants). The labels are set before Gaussian noise of standard deviation ``noise``
    jitters the points, so a few points near the axes cross to the other side.

    Parameters
    ----------
    n_samples : int, default 1000
        Number of points, uniform in the square.
    noise : float, default 0.05
        Standard deviation of the jitter added after labelling.
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, 2) float32, ``y`` of shape (n_samples,) int64 in {0, 1}.

    Examples
    --------
    >>> ds = make_xor(500, noise=0.0, seed=3)
    >>> bool(np.all(ds.y == (ds.X[:, 0] * ds.X[:, 1] < 0)))
    True
    """
    _check("make_xor", n_samples, noise, 1, seed)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))  # (n_samples, 2)
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    X = X + noise * rng.standard_normal((n_samples, 2))
    return _classes("xor", X, y, rng, 2, "label")


def make_sine(n_samples: int = 1000, noise: float = 0.1, seed: int = 0) -> Dataset:
    """A noisy sine wave, a one-feature regression problem: ``y = sin(x) + noise * e``.

    ``x`` is uniform in ``[-pi, pi]`` and ``e`` standard normal, so the best possible mean
    squared error is ``noise**2``.

    Parameters
    ----------
    n_samples : int, default 1000
        Number of points.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to the target.
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, 1) float32, ``y`` of shape (n_samples,) float32.

    Examples
    --------
    >>> ds = make_sine(50, noise=0.0)
    >>> ds.task, ds.feature_names, ds.label_names
    ('regress', ['x'], None)
    >>> bool(np.allclose(ds.y, np.sin(ds.X[:, 0]), atol=1e-6))
    True
    """
    _check("make_sine", n_samples, noise, 1, seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-np.pi, np.pi, n_samples)
    y = np.sin(x) + noise * rng.standard_normal(n_samples)
    return Dataset(
        X=x[:, None].astype(np.float32),  # (n_samples, 1)
        y=y.astype(np.float32),
        feature_names=["x"],
        label_names=None,
        task="regress",
        name="sine",
        target_name="y",
    )
