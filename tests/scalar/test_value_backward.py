"""Backward through whole expressions: reused nodes, deep chains, Value exponents, what a
second backward() does, and that graphs hold no reference cycles."""

import gc
import math
import sys
import tracemalloc
import weakref

import autograd.numpy as anp
import pytest
from autograd import grad

from glassnet import gradcheck
from glassnet.errors import GraphError
from glassnet.scalar import MLP, Value


def _expr_shared(a, b):
    c = a * b + a  # a used twice
    d = c * c + c.tanh()  # c used three times
    return d / (b * b + 1.0) + (a - b) ** 2


def _expr_shared_np(a, b):
    c = a * b + a
    d = c * c + anp.tanh(c)
    return d / (b * b + 1.0) + (a - b) ** 2


@pytest.mark.parametrize("point", [(0.3, -1.2), (-2.0, 0.5), (1.5, 2.5)])
def test_reused_nodes_accumulate_against_autograd(point):
    a, b = Value(point[0]), Value(point[1])
    _expr_shared(a, b).backward()
    assert math.isclose(a.grad, grad(_expr_shared_np, 0)(*point), rel_tol=1e-12)
    assert math.isclose(b.grad, grad(_expr_shared_np, 1)(*point), rel_tol=1e-12)
    gradcheck(_expr_shared, [Value(point[0]), Value(point[1])])


def test_same_operand_twice():
    for f, expected in [
        (lambda a: a * a, 6.0),
        (lambda a: a + a, 2.0),
        (lambda a: a - a, 0.0),
        (lambda a: a / a, 0.0),
        (lambda a: a**a, 27 * (math.log(3) + 1)),
    ]:
        a = Value(3.0)
        f(a).backward()
        assert math.isclose(a.grad, expected, abs_tol=1e-15)


def test_karpathy_neuron_by_hand():
    # o = tanh(x1 w1 + x2 w2 + b) with b chosen so that the sum is 0.8814 and o = 1/sqrt(2)
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    # do/dn = 1 - o**2 = 0.5; then dn/dx1 = w1, dn/dw1 = x1, ...
    assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-12)
    for v, expected in [(x1, -1.5), (w1, 1.0), (x2, 0.5), (w2, 0.0), (b, 0.5)]:
        assert math.isclose(v.grad, expected, rel_tol=1e-12, abs_tol=1e-15)


def test_power_with_value_exponent_by_hand():
    x, y = Value(1.7), Value(2.3)
    (x**y + y**x).backward()
    # d/dx = y x^(y-1) + y^x ln y ; d/dy = x^y ln x + x y^(x-1)
    assert math.isclose(x.grad, 2.3 * 1.7**1.3 + 2.3**1.7 * math.log(2.3), rel_tol=1e-12)
    assert math.isclose(y.grad, 1.7**2.3 * math.log(1.7) + 1.7 * 2.3**0.7, rel_tol=1e-12)
    gradcheck(lambda x, y: x**y + y**x, [Value(1.7), Value(2.3)])
    z = Value(-0.5)
    (2**z).backward()
    assert math.isclose(z.grad, 2**-0.5 * math.log(2), rel_tol=1e-12)


def test_chain_of_100k_operations_without_recursion():
    assert sys.getrecursionlimit() < 100_000  # a recursive walk could not do this
    x = Value(0.3)
    y = x
    for _ in range(100_000):
        y = (y + x) * 0.5  # y_n = a_n x with a_n = (a_{n-1} + 1)/2 = 1, so dy/dx = 1
    y.backward()
    assert math.isclose(y.data, 0.3, rel_tol=1e-12)
    assert math.isclose(x.grad, 1.0, rel_tol=1e-12)
    x2 = Value(1.0)
    y2 = x2
    for _ in range(100_000):
        y2 = y2 * 1.00001
    y2.backward()
    assert math.isclose(x2.grad, 1.00001**100_000, rel_tol=1e-9)  # about e


def test_second_backward_doubles_leaves_and_resets_intermediates():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c.tanh() + c
    d.backward()
    first = (a.grad, b.grad, c.grad, d.grad)
    d.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])  # leaves accumulate
    assert (c.grad, d.grad) == (first[2], 1.0)  # intermediates are recomputed, not doubled


def test_zero_grad_then_backward_is_the_same_as_the_first():
    model = MLP(2, [3, 1], seed=0)
    loss = model([0.5, -1.0]) ** 2
    loss.backward()
    first = [p.grad for p in model.parameters()]
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    loss.backward()
    assert [p.grad for p in model.parameters()] == first


def test_intermediates_never_carry_a_stale_gradient():
    x = Value(1.5)
    z = x * x  # shared by two losses
    loss1 = z * 10.0
    loss2 = z.exp()
    loss1.backward()
    assert z.grad == 10.0
    x.grad = 0.0
    loss2.backward()  # z.grad must be d loss2/dz only
    assert math.isclose(z.grad, math.exp(2.25), rel_tol=1e-14)
    assert math.isclose(x.grad, math.exp(2.25) * 3.0, rel_tol=1e-14)
    x.grad = 0.0
    z.backward()  # backward from an intermediate: it is the output now
    assert (z.grad, x.grad) == (1.0, 3.0)


def test_backward_on_a_leaf_accumulates_one():
    v = Value(4.0)
    v.backward()
    v.backward()
    assert v.grad == 2.0


def test_hand_built_node_cannot_be_differentiated():
    a, b = Value(1.0), Value(2.0)
    c = Value(3.0, (a, b), "+")  # micrograd's constructor form is accepted ...
    assert c._prev == (a, b) and c._op == "+" and c.data == 3.0
    with pytest.raises(GraphError, match="local derivatives are unknown"):
        c.backward()  # ... but its derivative is unknown
    with pytest.raises(GraphError, match="op '\\+'"):
        (c * 2.0).backward()


def _train_steps(model, xs, ys, steps):
    for _ in range(steps):
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.01 * p.grad


def test_graphs_have_no_reference_cycles():
    xs, ys = [[0.1, 0.2], [0.5, -0.3], [-1.0, 0.4]], [1.0, -1.0, 0.5]
    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    gc.collect()
    gc.disable()  # otherwise the collector could clean cycles before we count them
    try:
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
        loss.backward()
        probe = weakref.ref(loss._prev[0])
        del loss
        assert probe() is None  # freed by reference counting alone
        _train_steps(model, xs, ys, 3)
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


def test_memory_is_flat_across_training_steps():
    xs, ys = [[0.1, 0.2], [0.5, -0.3], [-1.0, 0.4], [0.7, 0.7]], [1.0, -1.0, 0.5, 0.0]
    model = MLP(2, [8, 8, 1], seed=0)
    gc.disable()
    tracemalloc.start()
    try:
        _train_steps(model, xs, ys, 3)
        before = tracemalloc.get_traced_memory()[0]
        _train_steps(model, xs, ys, 30)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert after - before < 20_000  # bytes; one step's graph alone is about 45 kB
