"""The tensor engine: :class:`Tensor` autograd on NumPy arrays.

The package is also the constructor: ``glassnet.tensor(data, requires_grad=False,
dtype=None)`` calls :func:`tensor`, as ``torch.tensor`` does, while ``glassnet.tensor.Tensor``,
``glassnet.tensor.ops`` and the rest stay reachable as attributes.

Examples
--------
>>> import glassnet
>>> x = glassnet.tensor([1, 2], requires_grad=True)
>>> x.dtype, x.requires_grad
(dtype('float32'), True)
"""

import sys
import types

from . import functional, ops
from .functional import (
    log_softmax,
    logsumexp,
    sigmoid_binary_cross_entropy,
    softmax,
    softmax_cross_entropy,
)
from .ops import (
    abs,
    clip,
    concatenate,
    exp,
    leaky_relu,
    linear,
    log,
    matmul,
    max,
    mean,
    relu,
    reshape,
    sigmoid,
    sqrt,
    stack,
    sum,
    tanh,
    transpose,
)
from .tensor import DEFAULT_DTYPE, Tensor, enable_grad, is_grad_enabled, no_grad, tensor

__all__ = [
    "Tensor",
    "tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "DEFAULT_DTYPE",
    "ops",
    "functional",
    "abs",
    "clip",
    "concatenate",
    "exp",
    "leaky_relu",
    "linear",
    "log",
    "matmul",
    "max",
    "mean",
    "relu",
    "reshape",
    "sigmoid",
    "sqrt",
    "stack",
    "sum",
    "tanh",
    "transpose",
    "logsumexp",
    "log_softmax",
    "softmax",
    "softmax_cross_entropy",
    "sigmoid_binary_cross_entropy",
]


class _CallableModule(types.ModuleType):
    """This package's module type: calling it builds a Tensor (see :func:`tensor`)."""

    def __call__(self, data, requires_grad: bool = False, dtype=None) -> Tensor:
        return tensor(data, requires_grad=requires_grad, dtype=dtype)


sys.modules[__name__].__class__ = _CallableModule
