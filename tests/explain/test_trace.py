"""glassnet.explain.trace on a known network: rows, shapes, FLOPs, gradients, export, scope.

The network is MLP([4, 16, 3]) on a batch of 32: every expected shape and FLOP count below
is written out from the counting rule by hand, and every gradient norm is compared with
the gradient that backward() left in .grad and with a NumPy backprop written here.
"""

import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from glassnet import Tensor, losses, nn
from glassnet.errors import GraphError
from glassnet.explain import Trace, trace
from glassnet.tensor.tensor import _trace_hook

N, D, H, C = 32, 4, 16, 3


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)).astype(np.float32), rng.integers(0, C, size=N)


def _traced_step(model=None):
    model = model or nn.MLP([D, H, C], seed=0)
    x, y = _batch()
    with trace() as t:
        loss = losses.cross_entropy(model(x), y)
        loss.backward()
    return t, model, x, y, loss


def _norm(a):
    return float(np.sqrt(np.sum(np.square(np.asarray(a, dtype=np.float64)))))


def _numpy_backprop(model, x, y):
    """Forward and backward of the MLP by hand, in float64."""
    W1, b1 = (p.data.astype(np.float64) for p in (model.layers[0].weight, model.layers[0].bias))
    W2, b2 = (p.data.astype(np.float64) for p in (model.layers[2].weight, model.layers[2].bias))
    z1 = x @ W1.T + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2.T + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz2 = (p - np.eye(C)[y]) / N
    da1 = dz2 @ W2
    dz1 = da1 * (z1 > 0)
    return {
        "dz2": dz2,
        "da1": da1,
        "dW2": dz2.T @ a1,
        "db2": dz2.sum(0),
        "dz1": dz1,
        "dW1": dz1.T @ x,
        "db1": dz1.sum(0),
    }


def test_forward_rows_read_like_the_math():
    t, *_ = _traced_step()
    fwd = [r for r in t.rows if r["pass"] == "forward"]
    assert [r["op"] for r in fwd] == ["linear", "relu", "linear", "cross_entropy"]
    assert [r["module"] for r in fwd] == ["layers.0", "layers.1", "layers.2", ""]
    assert [r["layer"] for r in fwd] == [1, 1, 2, None]
    assert [r["math"] for r in fwd] == [
        "z1 = x @ W1.T + b1",
        "a1 = relu(z1)",
        "z2 = a1 @ W2.T + b2",
        "loss = cross_entropy(z2, y)",
    ]
    assert [r["shapes"] for r in fwd] == [
        "(32, 4) @ (4, 16) + (16,) -> (32, 16)",
        "(32, 16) -> (32, 16)",
        "(32, 16) @ (16, 3) + (3,) -> (32, 3)",
        "(32, 3), y (32,) -> ()",
    ]
    assert [r["index"] for r in t.rows] == list(range(1, 9))


def test_forward_shapes_and_parameters():
    t, model, *_ = _traced_step()
    fwd = [r for r in t.rows if r["pass"] == "forward"]
    assert [(i["name"], i["shape"], i["parameter"]) for i in fwd[0]["inputs"]] == [
        ("x", [N, D], None),
        ("W1", [H, D], "layers.0.weight"),
        ("b1", [H], "layers.0.bias"),
    ]
    assert fwd[0]["output"] == {"name": "z1", "shape": [N, H], "parameter": None}
    assert fwd[2]["parameters"] == {"layers.2.weight": [C, H], "layers.2.bias": [C]}
    assert fwd[1]["parameters"] == {} and fwd[3]["parameters"] == {}
    assert fwd[3]["inputs"] == [
        {"name": "z2", "shape": [N, C], "parameter": None},
        {"name": "y", "shape": [N], "parameter": None},
    ]
    shapes = {name: list(p.shape) for name, p in model.named_parameters()}
    for r in fwd:
        for name, shape in r["parameters"].items():
            assert shapes[name] == shape


def test_flop_counts_follow_the_rule():
    t, *_ = _traced_step()
    fwd = [r["flops"] for r in t.rows if r["pass"] == "forward"]
    bwd = [r["flops"] for r in t.rows if r["pass"] == "backward"]
    # forward: 2NKM + NM per dense layer; one per entry for relu; 4NC + 2N + N for the
    # averaged cross-entropy.
    assert fwd == [
        2 * 32 * 4 * 16 + 32 * 16,
        32 * 16,
        2 * 32 * 16 * 3 + 32 * 3,
        4 * 32 * 3 + 2 * 32 + 32,
    ]
    # backward: 3NC + N for the loss; 2NKM for dx, 2NKM for dW, NM for db (the first layer's
    # x needs no gradient); one per entry for relu.
    assert bwd == [
        3 * 32 * 3 + 32,
        2 * (2 * 32 * 16 * 3) + 32 * 3,
        32 * 16,
        2 * 32 * 4 * 16 + 32 * 16,
    ]
    s = t.summary()
    assert s["forward"] == {"ops": 4, "flops": sum(fwd), "seconds": s["forward"]["seconds"]}
    assert s["backward"]["flops"] == sum(bwd) and s["backward"]["ops"] == 4


def test_backward_rows_match_the_gradients():
    t, model, x, y, _ = _traced_step()
    bwd = [r for r in t.rows if r["pass"] == "backward"]
    assert [r["op"] for r in bwd] == ["cross_entropy", "linear", "relu", "linear"]
    assert [r["layer"] for r in bwd] == [None, 2, 1, 1]
    by_name = {g["name"]: g for r in bwd for g in r["grads"]}
    assert list(by_name) == ["dz2", "da1", "dW2", "db2", "dz1", "dW1", "db1"]
    # parameters: against what backward() left in .grad
    params = {
        "dW1": model.layers[0].weight,
        "db1": model.layers[0].bias,
        "dW2": model.layers[2].weight,
        "db2": model.layers[2].bias,
    }
    for name, p in params.items():
        assert by_name[name]["shape"] == list(p.grad.shape)
        assert by_name[name]["norm"] == pytest.approx(_norm(p.grad), rel=1e-12)
    # every gradient: against a NumPy backprop in float64
    expected = _numpy_backprop(model, x, y)
    for name, g in by_name.items():
        assert g["shape"] == list(expected[name].shape), name
        assert g["norm"] == pytest.approx(_norm(expected[name]), rel=1e-5), name
    # the gradient each node receives is the one its result was sent
    assert bwd[0]["grad_output"] == {"name": "dloss", "shape": [], "norm": 1.0}
    assert bwd[1]["grad_output"]["norm"] == by_name["dz2"]["norm"]
    assert bwd[3]["grad_output"]["norm"] == by_name["dz1"]["norm"]


def test_backward_rows_name_parameters_and_formulas():
    t, *_ = _traced_step()
    bwd = [r for r in t.rows if r["pass"] == "backward"]
    grads = [(g["math"], g["parameter"]) for r in bwd for g in r["grads"]]
    assert grads == [
        ("dz2 = (softmax(z2) - onehot(y)) / 32", None),
        ("da1 = dz2 @ W2", None),
        ("dW2 = dz2.T @ a1", "layers.2.weight"),
        ("db2 = sum(dz2, axis=0)", "layers.2.bias"),
        ("dz1 = da1 * (z1 > 0)", None),
        ("dW1 = dz1.T @ x", "layers.0.weight"),
        ("db1 = sum(dz1, axis=0)", "layers.0.bias"),
    ]
    assert bwd[1]["shapes"] == "da1 (32, 16), dW2 (3, 16), db2 (3,)"


def test_the_graph_keeps_the_intermediate_gradients():
    t, model, x, y, _ = _traced_step()
    expected = _numpy_backprop(model, x, y)
    nodes = {n["name"]: n["tensor"] for n in t.graph_nodes()}
    for name in ("z1", "a1", "z2"):
        np.testing.assert_allclose(nodes[name].grad, expected["d" + name], rtol=1e-4, atol=1e-7)


def test_tracing_changes_no_result_and_no_gradient():
    x, y = _batch()
    plain = nn.MLP([D, H, C], seed=0)
    loss = losses.cross_entropy(plain(x), y)
    loss.backward()
    t, traced, _, _, traced_loss = _traced_step(nn.MLP([D, H, C], seed=0))
    assert traced_loss.data.tobytes() == loss.data.tobytes()
    for (name, p), q in zip(plain.named_parameters(), traced.parameters()):
        assert p.grad.tobytes() == q.grad.tobytes(), name


def test_json_export_round_trips():
    t, *_ = _traced_step()
    rows = json.loads(t.to_json())
    assert rows == t.to_dicts() == json.loads(t.to_json(indent=None))
    assert len(rows) == len(t) == 8
    assert rows[0]["flops"] == t.rows[0]["flops"] and rows[-1]["grads"][0]["name"] == "dW1"
    rows[0]["math"] = "changed"  # a copy: the trace is unchanged
    assert t.rows[0]["math"] == "z1 = x @ W1.T + b1"
    keys = {
        "index",
        "pass",
        "layer",
        "module",
        "op",
        "math",
        "shapes",
        "inputs",
        "output",
        "parameters",
        "flops",
        "seconds",
        "grad_output",
        "grads",
    }
    assert all(set(r) == keys for r in rows)
    assert all(r["seconds"] >= 0 for r in rows)


def test_nothing_is_recorded_outside_the_block():
    model = nn.MLP([D, H, C], seed=0)
    x, y = _batch()
    before = model(x)  # not recorded
    with trace() as t:
        assert _trace_hook.tracer is t
        out = model(x)
    after = losses.cross_entropy(out, y)  # not recorded either
    after.backward()
    assert _trace_hook.tracer is None
    assert [r["op"] for r in t.rows] == ["linear", "relu", "linear"]
    assert before.shape == out.shape


def test_an_error_inside_the_block_stops_the_recording():
    with pytest.raises(ZeroDivisionError):
        with trace():
            Tensor([1.0]) * 2
            raise ZeroDivisionError
    assert _trace_hook.tracer is None


def test_traces_do_not_nest_and_record_once():
    with trace() as t:
        with pytest.raises(GraphError, match="do not nest"):
            with trace():
                pass
        assert _trace_hook.tracer is t  # the outer one still records
    with pytest.raises(GraphError, match="records once"):
        with t:
            pass


def test_other_threads_are_not_recorded():
    seen = []

    def work():
        seen.append(_trace_hook.tracer)
        Tensor([1.0, 2.0]) * 3

    with trace() as t:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        Tensor([1.0]) + 1
    assert seen == [None]
    assert [r["op"] for r in t.rows] == ["+"]


def test_two_steps_give_two_forward_and_two_backward_passes():
    model = nn.MLP([D, H, C], seed=0)
    x, y = _batch()
    with trace(model) as t:
        for _ in range(2):
            model.zero_grad()
            losses.cross_entropy(model(x), y).backward()
    passes = [r["pass"] for r in t.rows]
    assert passes == ["forward"] * 4 + ["backward"] * 4 + ["forward"] * 4 + ["backward"] * 4
    assert [r["math"] for r in t.rows[8:12]] == [r["math"] for r in t.rows[:4]]
    text = t.table()
    assert text.count("forward pass") == 2 and text.count("backward pass") == 2


def test_loss_module_and_regression_loss_are_named():
    model = nn.MLP([D, 5, 1], seed=0)
    x, _ = _batch()
    target = np.linspace(-1, 1, N, dtype=np.float32)
    with trace() as t:
        losses.mse(model(x), target).backward()
    fwd = [r for r in t.rows if r["pass"] == "forward"]
    assert fwd[-1]["output"]["name"] == "loss"  # the tensor backward() started from
    assert all(r["layer"] is None for r in fwd[3:]) and fwd[2]["math"] == "z2 = a1 @ W2.T + b2"
    with trace() as t2:
        nn_loss = losses.CrossEntropyLoss()
        nn_loss(nn.MLP([D, 3], seed=0)(x), np.zeros(N, int)).backward()
    assert [(r["module"], r["layer"]) for r in t2.rows[:2]] == [
        ("layers.0", 1),
        ("CrossEntropyLoss", None),
    ]


def test_a_graph_built_before_the_trace_is_still_shown_in_backward():
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with trace() as t:
        loss.backward()
    assert [r["pass"] for r in t.rows] == ["backward", "backward"]
    assert t.rows[1]["grads"][0]["norm"] == pytest.approx(_norm(w.grad / 2))  # each share
    assert "backward pass" in t.table()


def test_table_is_plain_text_with_every_row():
    t, *_ = _traced_step()
    text = str(t)
    assert text == t.table() and "\x1b[" not in text  # no colour codes without a terminal
    for needle in [
        "forward pass",
        "backward pass",
        "z1 = x @ W1.T + b1",
        "(32, 4) @ (4, 16) + (16,) -> (32, 16)",
        "layers.0.weight (16, 4)",
        "dW1 = dz1.T @ x",
        "4,608",
        "loss",
    ]:
        assert needle in text, needle
    assert max(len(line) for line in t.table(width=200).splitlines()) <= 200
    assert repr(t) == "<Trace: 4 forward and 4 backward operations; print() it for the tables>"
    assert str(Trace()) == "(nothing was recorded)"


def test_rich_is_imported_only_to_print():
    code = (
        "import sys, glassnet, glassnet.explain; print('rich' in sys.modules); "
        "import numpy as np\n"
        "with glassnet.explain.trace() as t: glassnet.Tensor([1.0]) * 2\n"
        "str(t); print('rich' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
