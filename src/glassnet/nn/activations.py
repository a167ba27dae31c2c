"""Activation functions as modules, so that they can sit in a :class:`Sequential`.

Each one is a thin wrapper around an engine function (``glassnet.tensor.ops`` or
``glassnet.tensor.functional``), where its derivative is defined and gradient-checked.
Inputs may be Tensors or NumPy arrays.
"""

from __future__ import annotations

from ..tensor import functional, ops
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "Identity", "ACTIVATIONS"]


class ReLU(Module):
    """``max(x, 0)``, element-wise (derivative 1 where x > 0, else 0).

    Examples
    --------
    >>> ReLU()([-1.0, 2.0]).data.tolist()
    [0.0, 2.0]
    """

    def forward(self, x):
        return ops.relu(x)


class LeakyReLU(Module):
    """``x`` where x > 0, else ``negative_slope * x``: negative inputs keep a small gradient.

    Examples
    --------
    >>> LeakyReLU(0.25)([-2.0, 2.0]).data.tolist()
    [-0.5, 2.0]
    """

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """``tanh(x)``, element-wise, with values in (-1, 1).

    Examples
    --------
    >>> Tanh()([0.0]).data.tolist()
    [0.0]
    """

    def forward(self, x):
        return ops.tanh(x)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, element-wise, with values in (0, 1).

    Examples
    --------
    >>> Sigmoid()([0.0]).data.tolist()
    [0.5]
    """

    def forward(self, x):
        return ops.sigmoid(x)


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``axis``: each slice becomes a probability vector.

    For training a classifier, feed the logits to ``losses.cross_entropy`` instead: it
    applies the softmax itself, fused and stable.

    Examples
    --------
    >>> Softmax()([[0.0, 0.0]]).data.tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = int(axis)

    def forward(self, x):
        return functional.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. a "no activation" slot).

    Examples
    --------
    >>> x = [1.0, 2.0]
    >>> Identity()(x) is x
    True
    """

    def forward(self, x):
        return x


ACTIVATIONS = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "identity": Identity,
}
"""Activation names accepted by :class:`~glassnet.nn.MLP`, and their modules."""
