"""Errors name the operation, the shapes and the input at fault."""

import re

import numpy as np
import pytest

from glassnet.errors import DataError, DomainError, GlassnetError, SettingError, ShapeError
from glassnet.tensor import (
    Tensor,
    concatenate,
    linear,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
    stack,
    tensor,
)


def ones(*shape):
    return Tensor(np.ones(shape, dtype=np.float32))


ERRORS = [  # (id, call, error class, the whole message or a regular expression it matches)
    (
        "matmul inner",
        lambda: ones(32, 10) @ ones(12, 5),
        ShapeError,
        "matmul: (32, 10) @ (12, 5): inner dimensions 10 and 12 differ",
    ),
    (
        "matmul vectors",
        lambda: ones(3) @ ones(4),
        ShapeError,
        "matmul: (3,) @ (4,): inner dimensions 3 and 4 differ",
    ),
    (
        "matmul array on the left",
        lambda: np.ones((2, 3)) @ ones(2, 5),
        ShapeError,
        "matmul: (2, 3) @ (2, 5): inner dimensions 3 and 2 differ",
    ),
    (
        "matmul batch",
        lambda: ones(2, 3, 4) @ ones(3, 4, 5),
        ShapeError,
        "matmul: (2, 3, 4) @ (3, 4, 5): batch dimensions (2,) and (3,) cannot be broadcast "
        "together",
    ),
    (
        "matmul scalar",
        lambda: ones() @ ones(3),
        ShapeError,
        "matmul: () @ (3,): matmul needs tensors with at least one dimension",
    ),
    (
        "add broadcast",
        lambda: ones(2, 3) + ones(4),
        ShapeError,
        r"^add: shapes \(2, 3\) and \(4,\) cannot be broadcast together",
    ),
    (
        "sub broadcast",
        lambda: ones(2, 3) - ones(2, 2),
        ShapeError,
        r"^sub: shapes \(2, 3\) and \(2, 2\) cannot be broadcast",
    ),
    (
        "mul broadcast",
        lambda: ones(5) * ones(4),
        ShapeError,
        r"^mul: shapes \(5,\) and \(4,\) cannot be broadcast",
    ),
    (
        "div broadcast",
        lambda: ones(3, 1) / ones(2, 2),
        ShapeError,
        r"^div: shapes \(3, 1\) and \(2, 2\) cannot be broadcast",
    ),
    (
        "pow broadcast",
        lambda: ones(3) ** ones(2),
        ShapeError,
        r"^pow: shapes \(3,\) and \(2,\) cannot be broadcast",
    ),
    (
        "pow broadcast, fractional",
        lambda: ones(3) ** (ones(2) * 0.5),
        ShapeError,
        r"^pow: shapes \(3,\) and \(2,\) cannot be broadcast",
    ),
    (
        "reshape",
        lambda: ones(2, 3).reshape(4),
        ShapeError,
        "reshape: cannot reshape (2, 3) (6 entries) to (4,)",
    ),
    (
        "reshape -1",
        lambda: ones(2, 3).reshape(-1, 4),
        ShapeError,
        "reshape: cannot reshape (2, 3) (6 entries) to (-1, 4)",
    ),
    (
        "index out of range",
        lambda: ones(3, 2)[5],
        ShapeError,
        "index: index 5 is out of bounds for axis 0 with size 3 (tensor of shape (3, 2))",
    ),
    (
        "index array out of range",
        lambda: ones(3, 2)[np.array([0, 3])],
        ShapeError,
        r"^index: index 3 is out of bounds .* \(tensor of shape \(3, 2\)\)$",
    ),
    (
        "too many indices",
        lambda: ones(3, 2)[0, 0, 0],
        ShapeError,
        r"^index: too many indices .* \(tensor of shape \(3, 2\)\)$",
    ),
    (
        "float index",
        lambda: ones(3, 2)[1.5],
        ShapeError,
        r"^index: only integers, slices .* \(tensor of shape \(3, 2\)\)$",
    ),
    (
        "transpose axes",
        lambda: ones(3, 2).transpose(0, 2),
        ShapeError,
        "transpose: axes (0, 2) do not fit a tensor of shape (3, 2)",
    ),
    (
        "transpose three axes",
        lambda: ones(3, 2).transpose(0, 1, 2),
        ShapeError,
        "transpose: axes (0, 1, 2) do not fit a tensor of shape (3, 2)",
    ),
    (
        "sum axis",
        lambda: ones(2, 3).sum(axis=2),
        ShapeError,
        "sum: axis 2 does not fit a tensor of shape (2, 3)",
    ),
    (
        "mean duplicate axes",
        lambda: ones(2, 3).mean(axis=(0, 0)),
        ShapeError,
        "mean: axis (0, 0) does not fit a tensor of shape (2, 3)",
    ),
    (
        "max axis",
        lambda: ones(2, 3).max(axis=-3),
        ShapeError,
        "max: axis -3 does not fit a tensor of shape (2, 3)",
    ),
    (
        "max of nothing",
        lambda: ones(0, 3).max(),
        ShapeError,
        r"^max: zero-size array .* \(tensor of shape \(0, 3\)\)$",
    ),
    (
        "concatenate shapes",
        lambda: concatenate([ones(2, 3), ones(2, 4)]),
        ShapeError,
        "concatenate: shapes must be equal outside axis 0 (and have the same number of axes); "
        "got shapes (2, 3), (2, 4)",
    ),
    (
        "concatenate axis",
        lambda: concatenate([ones(2, 3), ones(2, 3)], axis=2),
        ShapeError,
        "concatenate: axis 2 is out of range; got shapes (2, 3), (2, 3)",
    ),
    (
        "concatenate nothing",
        lambda: concatenate([]),
        ShapeError,
        "concatenate: needs at least one tensor; got shapes none",
    ),
    (
        "stack shapes",
        lambda: stack([ones(2, 3), ones(2, 4)]),
        ShapeError,
        "stack: all shapes must be equal; got shapes (2, 3), (2, 4)",
    ),
    (
        "linear features",
        lambda: linear(ones(32, 3), ones(16, 4), ones(16)),
        ShapeError,
        "linear: input of shape (32, 3) @ W.T of shape (4, 16): expected 4 features, got 3",
    ),
    (
        "linear scalar input",
        lambda: linear(ones(), ones(16, 4)),
        ShapeError,
        "linear: input of shape () @ W.T of shape (4, 16): expected 4 features, got a scalar",
    ),
    (
        "linear bias",
        lambda: linear(ones(32, 4), ones(16, 4), ones(15)),
        ShapeError,
        "linear: b must have shape (16,), got (15,)",
    ),
    (
        "linear weight",
        lambda: linear(ones(32, 4), ones(16)),
        ShapeError,
        "linear: W must be (out_features, in_features), got shape (16,)",
    ),
    (
        "cross-entropy index too large",
        lambda: softmax_cross_entropy(ones(4, 3), [0, 1, 2, 3]),
        ShapeError,
        "cross_entropy: class indices must lie in [0, 2] for logits of shape (4, 3), "
        "got values from 0 to 3",
    ),
    (
        "cross-entropy negative index",
        lambda: softmax_cross_entropy(ones(4, 3), [0, -1, 2, 1]),
        ShapeError,
        "cross_entropy: class indices must lie in [0, 2] for logits of shape (4, 3), "
        "got values from -1 to 2",
    ),
    (
        "cross-entropy target count",
        lambda: softmax_cross_entropy(ones(4, 3), [0, 1, 2]),
        ShapeError,
        "cross_entropy: logits of shape (4, 3) need targets of shape (4,) (class "
        "indices) or (4, 3) (probabilities), got (3,)",
    ),
    (
        "cross-entropy target rows",
        lambda: softmax_cross_entropy(ones(4, 3), np.ones((4, 2))),
        ShapeError,
        r"^cross_entropy: logits of shape \(4, 3\) need .* got \(4, 2\)$",
    ),
    (
        "cross-entropy fractional",
        lambda: softmax_cross_entropy(ones(2, 3), [0.5, 1.0]),
        ShapeError,
        r"^cross_entropy: targets of shape \(2,\) are class indices and must be whole",
    ),
    (
        "cross-entropy logits 1-D",
        lambda: softmax_cross_entropy(ones(4), [0, 1, 2, 0]),
        ShapeError,
        "cross_entropy: logits must be (n_samples, n_classes), got shape (4,)",
    ),
    (
        "cross-entropy reduction",
        lambda: softmax_cross_entropy(ones(2, 3), [0, 1], "avg"),
        SettingError,
        "cross_entropy: reduction must be one of 'mean', 'sum', 'none', got 'avg'",
    ),
    (
        "bce shapes",
        lambda: sigmoid_binary_cross_entropy(ones(4, 3), np.ones((3, 4))),
        ShapeError,
        "binary_cross_entropy: logits of shape (4, 3) and targets of shape (3, 4) differ "
        "(only axes of length 1 may differ, e.g. (N,) against (N, 1))",
    ),
    (
        "bce targets",
        lambda: sigmoid_binary_cross_entropy(ones(3), [0.0, 1.0, 2.0]),
        DomainError,
        "binary_cross_entropy: targets must lie in [0, 1], got values from 0 to 2",
    ),
    (
        "bce reduction",
        lambda: sigmoid_binary_cross_entropy(ones(3), np.ones(3), "max"),
        SettingError,
        r"^binary_cross_entropy: reduction must be",
    ),
    (
        "log",
        lambda: (ones(3) - 2).log(),
        DomainError,
        "log: input must be > 0, got a minimum of -1",
    ),
    (
        "sqrt",
        lambda: (ones(3) - 2).sqrt(),
        DomainError,
        "sqrt: input must be >= 0, got a minimum of -1",
    ),
    (
        "exp",
        lambda: (ones(3) * 100).exp(),
        DomainError,
        "exp: overflow, an input is 100 (exp(x) overflows for x > ~88 in float32, ~709 in float64)",
    ),
    (
        "pow negative base",
        lambda: (ones(2) - 3) ** 0.5,
        DomainError,
        "pow: negative base with a non-integer exponent (base min -2)",
    ),
    (
        "pow exponent gradient",
        lambda: (ones(2) - 1) ** tensor([2.0, 3.0], requires_grad=True),
        DomainError,
        r"^pow: the exponent's gradient needs log\(base\), but a base is 0",
    ),
    ("clip", lambda: ones(2).clip(), DomainError, "clip: give min, max or both"),
    (
        "item",
        lambda: ones(2).item(),
        ShapeError,
        "item() needs a tensor with one element, got shape (2,)",
    ),
    (
        "dtype",
        lambda: tensor([1, 2], dtype="int32"),
        SettingError,
        "tensor: dtype must be one of 'float32', 'float64', got 'int32'",
    ),
    ("not numbers", lambda: tensor(["a"]), DataError, r"^tensor: cannot convert list to numbers"),
]


@pytest.mark.parametrize(
    "call, error, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_error_names_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error) as info:
        call()
    text = str(info.value)
    if message.startswith("^"):
        assert re.search(message, text), text
    else:
        assert text == message
    assert isinstance(info.value, GlassnetError)
    assert isinstance(info.value, ValueError)  # code written against the built-ins still works


def test_exp_of_inf_is_inf_not_an_error():
    assert np.isinf(tensor([np.inf]).exp().item())


def test_exp_just_below_the_float32_limit_is_fine():
    assert np.isfinite(tensor([88.5]).exp().item())
    with pytest.raises(DomainError):
        tensor([88.8]).exp()
    assert np.isfinite(tensor([700.0], dtype="float64").exp().item())
