"""backward(): what accumulates, what is recomputed, when the graph is freed, no_grad."""

import threading

import numpy as np
import pytest

from glassnet.errors import GraphError, ShapeError
from glassnet.tensor import Tensor, enable_grad, is_grad_enabled, linear, no_grad, tensor


def test_a_scalar_gradient_defaults_to_one():
    x = tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    assert y.grad.item() == 1.0 and x.grad.item() == 6.0


def test_leaves_accumulate_across_backward_calls():
    x = tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3 + 2, 3 + 4])


def test_retain_graph_allows_a_second_pass_and_intermediates_are_recomputed():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * x  # an intermediate
    loss = (y * 3).sum()
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(y.grad, [3.0, 3.0])
    loss.backward()
    np.testing.assert_array_equal(y.grad, [3.0, 3.0])  # recomputed, not 6
    np.testing.assert_array_equal(x.grad, [12.0, 24.0])  # the leaf accumulated: 2 * 6x


def test_the_graph_is_freed_after_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = y.sum()
    loss.backward()
    assert loss._prev == () and y._prev == ()
    with pytest.raises(GraphError, match=r"'sum'.*freed.*retain_graph=True"):
        loss.backward()


def test_a_freed_intermediate_cannot_be_reused_and_nothing_is_touched():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.sum().backward()
    before = x.grad.copy()
    with pytest.raises(GraphError, match="'exp' result was freed"):
        (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, before)


def test_non_scalar_backward_needs_a_gradient_of_its_shape():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(ShapeError, match=r"shape \(2,\) needs a grad"):
        y.backward()
    with pytest.raises(ShapeError, match=r"grad of shape \(3,\) for a tensor of shape \(2,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_backward_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(GraphError, match="does not require grad"):
        (tensor([1.0]) * 2).sum().backward()


def test_backward_on_a_leaf_sets_and_accumulates_its_gradient():
    x = tensor([1.0, 2.0], requires_grad=True)
    g = np.array([1.0, 1.0], dtype=np.float32)
    x.backward(g)
    x.backward(g)
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    np.testing.assert_array_equal(g, [1.0, 1.0])  # the caller's array is not adopted


def test_a_value_used_twice_and_a_diamond():
    x = tensor(2.0, requires_grad=True)
    a, b = x * 3, x.exp()
    (a * b + x * x).backward()  # d/dx (3x e^x + x^2) = 3 e^x + 3x e^x + 2x
    np.testing.assert_allclose(x.grad, 3 * np.e**2 + 6 * np.e**2 + 4, rtol=1e-6)


def test_only_leaves_that_require_grad_receive_one():
    w = tensor([1.0, 2.0], requires_grad=True)
    c = tensor([3.0, 4.0])
    (w * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


def test_leaf_gradients_are_arrays_of_their_own():
    """A gradient passed through unchanged (by +, reshape, slicing) is copied on arrival, so
    an optimizer may scale one parameter's grad in place without touching another's."""
    a, b = tensor([1.0, 2.0], requires_grad=True), tensor([3.0, 4.0], requires_grad=True)
    c = tensor([[1.0, 2.0]], requires_grad=True)
    s = a + b
    (s + c.reshape(2)).sum().backward()
    grads = [a.grad, b.grad, c.grad, s.grad]
    for i, g in enumerate(grads[:3]):
        assert g.flags.writeable and g.flags.owndata
        assert not any(np.shares_memory(g, h) for h in grads[i + 1 :])
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    x = tensor([1.0, 2.0], requires_grad=True)
    x.mean().backward()  # the mean's gradient is a broadcast view internally
    assert x.grad.flags.writeable and x.grad.flags.c_contiguous


def test_a_deep_graph_needs_no_recursion():
    x = tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001**20_000, rtol=1e-3)


def test_linear_computes_only_the_gradients_needed():
    x = tensor(np.ones((2, 3)))  # data: no gradient wanted
    W = tensor(np.ones((4, 3)), requires_grad=True)
    b = tensor(np.zeros(4), requires_grad=True)
    linear(x, W, b).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(W.grad, np.full((4, 3), 2.0))
    np.testing.assert_array_equal(b.grad, np.full(4, 2.0))


# --- no_grad / enable_grad --------------------------------------------------------------------


def test_no_grad_records_nothing():
    w = tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = w * 2
    assert is_grad_enabled()
    assert not y.requires_grad and y._prev == () and y._backward is None


def test_enable_grad_inside_no_grad_and_nesting():
    w = tensor([1.0], requires_grad=True)
    ng = no_grad()
    with ng:
        with ng:  # the same instance twice
            with enable_grad():
                y = w * 2
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0])


def test_no_grad_as_a_decorator_restores_the_mode_after_an_exception():
    @no_grad()
    def predict(w):
        """Doc kept."""
        assert not is_grad_enabled()
        raise KeyError("boom")

    with pytest.raises(KeyError):
        predict(tensor([1.0], requires_grad=True))
    assert is_grad_enabled()
    assert predict.__doc__ == "Doc kept." and predict.__name__ == "predict"


def test_grad_mode_is_per_thread():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_a_result_made_under_no_grad_can_become_a_leaf():
    with no_grad():
        h = tensor([1.0, 2.0], requires_grad=True) * 3
    h.requires_grad = True  # e.g. fine-tuning from frozen features
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, [6.0, 12.0])


def test_detach_cuts_the_graph():
    x = tensor([2.0], requires_grad=True)
    y = (x * x).detach() * x  # only the second factor is differentiated
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0])
    assert isinstance(y, Tensor)
