"""Forward values of every primitive and composite against NumPy, and the Tensor API."""

import numpy as np
import pytest
from tensor_cases import PARAMS

from glassnet.errors import DataError, DomainError, SettingError, ShapeError
from glassnet.tensor import Tensor, concatenate, stack, tensor


def _leaves(arrays, dtype):
    return [Tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", PARAMS)
def test_forward_matches_numpy_in_float64(case):
    out = case.f(*_leaves(case.inputs, np.float64))
    expected = np.asarray(case.ref(np, *case.inputs))
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", PARAMS)
def test_forward_in_float32_stays_float32_and_close(case):
    out = case.f(*_leaves(case.inputs, np.float32))
    expected = np.asarray(case.ref(np, *case.inputs))
    assert out.dtype == np.float32
    scale = max(1.0, np.abs(expected).max(initial=0), *(np.abs(a).max() for a in case.inputs))
    np.testing.assert_allclose(out.data, expected, rtol=2e-5, atol=2e-6 * scale)


# --- subgradients at kinks and ties, by hand ----------------------------------------------

KINKS = [  # (name, function, x, expected gradient of sum(f(x)))
    ("relu at 0 uses 0", lambda x: x.relu(), [-1.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    ("abs at 0 uses 0", lambda x: x.abs(), [-1.0, 0.0, 2.0], [-1.0, 0.0, 1.0]),
    (
        "leaky_relu at 0 uses the slope",
        lambda x: x.leaky_relu(0.2),
        [-1.0, 0.0, 2.0],
        [0.2, 0.2, 1.0],
    ),
    (
        "clip at its bounds passes the gradient",
        lambda x: x.clip(-1.0, 1.0),
        [-2.0, -1.0, 0.0, 1.0, 2.0],
        [0.0, 1.0, 1.0, 1.0, 0.0],
    ),
    ("clip with only min", lambda x: x.clip(min=0.0), [-2.0, 0.0, 3.0], [0.0, 1.0, 1.0]),
    ("clip with only max", lambda x: x.clip(max=0.0), [-2.0, 0.0, 3.0], [1.0, 1.0, 0.0]),
    ("max with a tie of two", lambda x: x.max(), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    ("max with a tie of three", lambda x: x.max(), [2.0, 2.0, 2.0], [1 / 3, 1 / 3, 1 / 3]),
    ("max without a tie", lambda x: x.max(), [1.0, 4.0, 3.0], [0.0, 1.0, 0.0]),
]


@pytest.mark.parametrize("name, f, x, expected", KINKS, ids=[k[0] for k in KINKS])
def test_subgradient_at_kinks(name, f, x, expected):
    t = tensor(x, requires_grad=True)
    f(t).sum().backward()
    np.testing.assert_allclose(t.grad, expected, rtol=1e-6)


def test_max_ties_share_per_row_and_keep_dims():
    x = tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, -1.0]], requires_grad=True)
    m = x.max(axis=1, keepdims=True)
    assert m.shape == (3, 1)
    np.testing.assert_array_equal(m.data, [[3.0], [2.0], [5.0]])
    (m * tensor([[1.0], [3.0], [2.0]])).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1, 1, 1], [0, 2, 0]], rtol=1e-6)


def test_max_ties_over_all_axes():
    x = tensor([[3.0, 1.0], [3.0, 3.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [[1 / 3, 0], [1 / 3, 1 / 3]], rtol=1e-6)


# --- indexing ------------------------------------------------------------------------------


def test_repeated_integer_index_adds_every_contribution():
    x = tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[np.array([0, 0, 2, 0])]
    np.testing.assert_array_equal(y.data, [10.0, 10.0, 30.0, 10.0])
    (y * tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0, 0.0, 3.0])


def test_index_with_a_tensor_of_whole_numbers():
    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x[tensor([1, 1])]
    np.testing.assert_array_equal(y.data, [[3.0, 4.0], [3.0, 4.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0], [2.0, 2.0]])


def test_row_and_column_picking_as_in_cross_entropy():
    x = tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    rows, cols = np.arange(4), np.array([2, 0, 0, 1])
    picked = x[rows, cols]
    np.testing.assert_array_equal(picked.data, [2.0, 3.0, 6.0, 10.0])
    picked.sum().backward()
    expected = np.zeros((4, 3))
    expected[rows, cols] = 1.0
    np.testing.assert_array_equal(x.grad, expected)


def test_slices_give_gradient_only_to_the_slice():
    x = tensor(np.ones((3, 4)), requires_grad=True)
    x[1:, ::2].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]])


def test_iteration_yields_rows_that_stay_in_the_graph():
    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.data.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[0] * 2 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0], [1.0, 1.0]])


# --- concatenate and stack -------------------------------------------------------------------


def test_concatenate_splits_the_gradient_back():
    a, b = tensor([[1.0, 2.0]], requires_grad=True), tensor([[3.0, 4.0], [5.0, 6.0]])
    c = concatenate([a, b])
    np.testing.assert_array_equal(c.data, [[1, 2], [3, 4], [5, 6]])
    (c * tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad, [[1.0, 2.0]])
    assert b.grad is None  # a constant gets nothing


def test_stack_adds_an_axis_and_unstacks_the_gradient():
    a, b = tensor([1.0, 2.0], requires_grad=True), tensor([3.0, 4.0], requires_grad=True)
    s = stack([a, b], axis=1)
    np.testing.assert_array_equal(s.data, [[1, 3], [2, 4]])
    (s * tensor([[1.0, 10.0], [2.0, 20.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 2.0])
    np.testing.assert_array_equal(b.grad, [10.0, 20.0])


# --- the Tensor API --------------------------------------------------------------------------


def test_tensor_constructor_converts_at_the_boundary():
    assert tensor([1, 2, 3]).dtype == np.float32
    assert tensor([1.5, 2.5]).dtype == np.float32  # Python floats: float32, as in PyTorch
    assert tensor(2.5).dtype == np.float32
    assert tensor(np.array([True, False])).data.tolist() == [1.0, 0.0]
    assert tensor(np.arange(3)).dtype == np.float32
    assert tensor([1.0], dtype="float64").dtype == np.float64
    assert tensor(np.zeros(2)).dtype == np.float64  # an explicit float64 array is kept
    t = tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.grad is None and t.shape == (2,) and t.ndim == 1
    assert t.size == 2 and len(t) == 2


def test_the_package_is_also_the_constructor():
    import glassnet

    t = glassnet.tensor.tensor([1, 2], requires_grad=True, dtype="float64")
    assert isinstance(t, Tensor) and t.requires_grad and t.dtype == np.float64
    assert glassnet.tensor.Tensor is Tensor


def test_tensors_survive_pickle_and_deepcopy():
    import copy
    import pickle

    t = tensor([[1.0, 2.0]], requires_grad=True)
    t.label = "w"
    for u in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert u is not t and u.label == "w" and u.requires_grad
        np.testing.assert_array_equal(u.data, t.data)
        assert not np.shares_memory(u.data, t.data)


def test_float_arrays_are_shared_not_copied():
    a = np.zeros(3, dtype=np.float32)
    assert tensor(a).numpy() is a


@pytest.mark.parametrize("dtype", ["int64", "bool", np.int32, np.float16, np.longdouble])
def test_tensor_rejects_a_dtype_other_than_float32_and_float64(dtype):
    with pytest.raises(SettingError, match="dtype must be one of 'float32', 'float64'"):
        tensor([1, 2], dtype=dtype)


def test_tensor_rejects_non_numbers():
    with pytest.raises(DataError, match="cannot convert"):
        tensor(["a", "b"])


def test_numpy_item_float_and_array_protocol():
    t = tensor([[2.5]])
    assert isinstance(t.numpy(), np.ndarray)
    assert t.item() == 2.5 and isinstance(t.item(), float)
    assert float(t) == 2.5
    np.testing.assert_array_equal(np.asarray(tensor([1, 2])), [1.0, 2.0])
    with pytest.raises(ShapeError, match=r"one element.*\(2,\)"):
        tensor([1.0, 2.0]).item()


def test_detach_shares_data_and_leaves_the_graph():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.data is y.data
    assert not d.requires_grad and d._prev == () and d._op == ""
    z = (d * x).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])  # d was a constant


def test_zero_grad_forgets_the_gradient():
    x = tensor([1.0], requires_grad=True)
    (x * 2).sum().backward()
    x.zero_grad()
    assert x.grad is None


def test_repr_shows_values_dtype_and_origin():
    assert repr(tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(tensor([1.0], dtype="float64")) == "tensor([1.], dtype=float64)"
    assert repr(tensor([1.0], requires_grad=True) * 2) == "tensor([2.], op='*')"


def test_transpose_forms_agree():
    x = tensor(np.arange(6.0).reshape(2, 3))
    for y in (
        x.T,
        x.transpose(),
        x.transpose(1, 0),
        x.transpose((1, 0)),
        x.transpose(-1, 0),
        x.transpose(0, 1),
        x.transpose([0, -1]),
    ):  # two axes: swapped, as in PyTorch
        np.testing.assert_array_equal(y.data, np.arange(6.0).reshape(2, 3).T)


def test_two_axes_of_a_larger_tensor_are_swapped_and_the_rest_stay():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = tensor(data, requires_grad=True)
    y = x.transpose(0, 2)
    np.testing.assert_array_equal(y.data, np.swapaxes(data, 0, 2))  # shape (4, 3, 2)
    (y * tensor(np.arange(24.0).reshape(4, 3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad, np.swapaxes(np.arange(24.0).reshape(4, 3, 2), 0, 2))
    np.testing.assert_array_equal(x.transpose(-1, 1).data, np.swapaxes(data, 2, 1))
    np.testing.assert_array_equal(x.transpose(1, 1).data, data)


def test_reshape_forms_agree():
    x = tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for y in (x.reshape(-1), x.reshape(6), x.reshape((6,)), x.reshape(3, -1).reshape(-1)):
        np.testing.assert_array_equal(y.data, np.arange(6.0))
    x.reshape(3, 2).sum().backward()
    assert x.grad.shape == (2, 3)


def test_mean_over_a_tuple_of_axes():
    x = tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    m = x.mean(axis=(0, 2))
    np.testing.assert_allclose(m.data, np.arange(24.0).reshape(2, 3, 4).mean(axis=(0, 2)))
    m.sum().backward()
    np.testing.assert_allclose(x.grad, np.full((2, 3, 4), 1 / 8))


def test_pow_forms():
    a, b = tensor([2.0, 3.0], requires_grad=True), tensor([3.0, 0.5], requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(a.grad, [3 * 2.0**2, 0.5 * 3.0**-0.5], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [8 * np.log(2.0), 3**0.5 * np.log(3.0)], rtol=1e-6)
    x = tensor([1.0, 2.0], requires_grad=True)
    (2**x).sum().backward()
    np.testing.assert_allclose(x.grad, [2 * np.log(2), 4 * np.log(2)], rtol=1e-6)


def test_the_zeroth_power_has_a_zero_gradient_at_zero_too():
    from glassnet.scalar import Value

    x = tensor([0.0, 2.0, -3.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    a, b = tensor([0.0, 0.0, 2.0], requires_grad=True), tensor([0.0, 2.0, 0.0])
    (a**b).sum().backward()  # an exponent tensor with zeros in some places only
    np.testing.assert_array_equal(a.grad, [0.0, 0.0, 0.0])
    v = Value(0.0)
    (v**0).backward()
    assert v.grad == x.grad[0]


def test_pow_with_a_negative_base_and_an_integer_exponent():
    x = tensor([-2.0, 3.0], requires_grad=True)
    (x**3).sum().backward()
    np.testing.assert_allclose(x.grad, [12.0, 27.0])
    with pytest.raises(DomainError, match="negative base"):
        x**0.5


def _iadd(y, o):
    y += o
    return y


def _isub(y, o):
    y -= o
    return y


def _imul(y, o):
    y *= o
    return y


def _idiv(y, o):
    y /= o
    return y


def _ipow(y, o):
    y **= o
    return y


def _imatmul(y, o):
    y @= o
    return y


X0 = np.array([[1.0, 2.0], [3.0, 4.0]])
OTHER = np.array([[2.0, 0.5], [4.0, 2.0]])
IN_PLACE = [  # (statement, function, expected d sum(y) / dx)
    ("+=", _iadd, np.ones((2, 2))),
    ("-=", _isub, np.ones((2, 2))),
    ("*=", _imul, OTHER),
    ("/=", _idiv, 1 / OTHER),
    ("**=", _ipow, OTHER * X0 ** (OTHER - 1)),
    ("@=", _imatmul, np.ones((2, 2)) @ OTHER.T),
]


@pytest.mark.parametrize("op, f, expected", IN_PLACE, ids=[c[0] for c in IN_PLACE])
def test_in_place_operators_build_new_nodes(op, f, expected):
    x = tensor(X0, requires_grad=True)
    y = f(x, tensor(OTHER))
    assert y is not x and y._prev[0] is x
    np.testing.assert_array_equal(x.data, X0)  # the leaf itself is untouched
    y.sum().backward()
    np.testing.assert_allclose(x.grad, expected, rtol=1e-6)
