"""The tensor engine: :class:`Tensor` autograd on NumPy arrays.

Build one with ``glassnet.Tensor(data, requires_grad=False, dtype=None)``, or with
:func:`tensor`, which takes the same arguments (``torch.tensor``'s name). ``ops`` holds the
primitives, each with its forward and its local backward side by side; ``functional`` the
softmax family and the fused losses.

Examples
--------
>>> import glassnet
>>> x = glassnet.Tensor([1, 2], requires_grad=True)
>>> x.dtype, x.requires_grad
(dtype('float32'), True)
"""

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
