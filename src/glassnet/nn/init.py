"""Weight initialisation: how the first weights are drawn, and why.

The scale of the initial weights decides whether signals and gradients keep their size
through a deep stack of layers. Two rules cover the common activations:

- **He** (Kaiming) normal, for ReLU-family activations: ``W ~ N(0, 2 / fan_in)``. ReLU
  zeroes about half its inputs, halving the variance; the factor 2 makes up for it
  (He et al., 2015, "Delving deep into rectifiers").
- **Glorot** (Xavier) uniform, for tanh and sigmoid: ``W ~ U(-a, a)`` with
  ``a = sqrt(6 / (fan_in + fan_out))``, which gives variance ``2 / (fan_in + fan_out)``,
  a compromise between keeping forward and backward variances steady (Glorot and Bengio,
  2010).

Biases start at zero. Draws are made in float64 and then rounded to the layer's dtype, so a
float32 and a float64 layer built from the same seed hold the same weights up to rounding.
"""

from __future__ import annotations

import numpy as np

from ..checks import one_of
from ..errors import DomainError

__all__ = ["he_normal", "glorot_uniform", "make_rng", "INITS", "init_for_activation"]


def make_rng(seed=None, rng=None, owner: str = "") -> np.random.Generator:
    """The generator to draw from: ``rng`` if given, else a new one from ``seed``.

    ``seed=None`` (and no ``rng``) draws fresh entropy from the operating system: the
    weights then differ from run to run. Pass a seed for reproducible weights.
    """
    if rng is not None:
        if seed is not None:
            raise DomainError(f"{owner}: pass seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise DomainError(
                f"{owner}: rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                f"got {type(rng).__name__}"
            )
        return rng
    return np.random.default_rng(seed)


def he_normal(shape, fan_in: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """He (Kaiming) normal initialisation: ``N(0, 2 / fan_in)``, for ReLU-family layers.

    Examples
    --------
    >>> W = he_normal((256, 1000), 1000, np.random.default_rng(0))
    >>> round(float(W.std()), 3), round(float(np.sqrt(2 / 1000)), 3)
    (0.045, 0.045)
    """
    std = np.sqrt(2.0 / fan_in)
    return (rng.standard_normal(shape) * std).astype(dtype)


def glorot_uniform(
    shape, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32
) -> np.ndarray:
    """Glorot (Xavier) uniform initialisation: ``U(-a, a)``, ``a = sqrt(6 / (fan_in + fan_out))``.

    Examples
    --------
    >>> W = glorot_uniform((20, 30), 30, 20, np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= np.sqrt(6 / 50))
    True
    """
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, shape).astype(dtype)


INITS = {"he": "he", "kaiming": "he", "glorot": "glorot", "xavier": "glorot"}
"""Accepted ``init=`` names and the rule each one means."""

_INIT_FOR_ACTIVATION = {
    "relu": "he",
    "leaky_relu": "he",
    "tanh": "glorot",
    "sigmoid": "glorot",
    "identity": "glorot",
}


def init_for_activation(activation: str) -> str:
    """The initialisation that suits a layer followed by ``activation``.

    Examples
    --------
    >>> init_for_activation("relu"), init_for_activation("tanh")
    ('he', 'glorot')
    """
    return _INIT_FOR_ACTIVATION[one_of(activation, _INIT_FOR_ACTIVATION, "activation", "MLP")]
