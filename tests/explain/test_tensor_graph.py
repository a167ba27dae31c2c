"""Drawing Tensor graphs and traces: one box per tensor, values and gradients when small.

The expected numbers are the tensors' own .data and .grad arrays (checked elsewhere against
NumPy and autograd), written with the documented 4-significant-digit format.
"""

import re
import shutil
import sys

import numpy as np
import pytest

from glassnet import Tensor, losses, nn
from glassnet.errors import DomainError, GraphError, GraphvizNotFoundError
from glassnet.explain import Drawing, draw, to_dot, trace

NODE = re.compile(r"^  n(\d+) \[label=<(.*)>\];$")
EDGE = re.compile(r"^  n(\d+) -> n(\d+);$")


def _parse(text):
    """{index: label} and [(from, to)] of a Tensor graph's DOT text."""
    nodes, edges = {}, []
    lines = text.splitlines()
    assert lines[0] == "digraph glassnet {" and lines[-1] == "}"
    for line in lines[3:-1]:
        if m := NODE.match(line):
            nodes[int(m[1])] = m[2]
        else:
            m = EDGE.match(line)
            assert m, line
            edges.append((int(m[1]), int(m[2])))
    return nodes, edges


def _name(label):
    return re.search(r"<B>(.*?)</B>", label)[1]


def _grid(label, which):
    """The entries shown under 'data' or 'grad', as strings, or None if not shown."""
    parts = re.split(r"<I>(data|grad)</I>", label)
    if which not in parts:
        return None
    block = parts[parts.index(which) + 1]
    return re.findall(r"<TD>([^<]*)</TD>", block)


def _fmt(a):
    return [f"{float(v) + 0.0:.4g}" for v in np.asarray(a).reshape(-1)]


def _tiny_step(batch=2):
    model = nn.MLP([2, 3, 2], seed=0)
    x = np.array([[0.5, -1.0], [2.0, 0.25]] * (batch // 2), dtype=np.float32)
    y = np.array([0, 1] * (batch // 2))
    with trace() as t:
        loss = losses.cross_entropy(model(x), y)
        loss.backward()  # frees the graph: the trace keeps it
    return t, model, loss


def test_one_box_per_tensor_and_one_edge_per_operand():
    t, _, _ = _tiny_step()
    nodes, edges = _parse(to_dot(t))
    names = {i: _name(label) for i, label in nodes.items()}
    assert list(names.values()) == ["x", "W1", "b1", "z1", "a1", "W2", "b2", "z2", "loss"]
    idx = {n: i for i, n in names.items()}
    expected = [
        ("x", "z1"),
        ("W1", "z1"),
        ("b1", "z1"),
        ("z1", "a1"),
        ("a1", "z2"),
        ("W2", "z2"),
        ("b2", "z2"),
        ("z2", "loss"),
    ]
    assert sorted(edges) == sorted((idx[a], idx[b]) for a, b in expected)
    assert "z1 = x @ W1.T + b1" in nodes[idx["z1"]] and "layers.0.weight" in nodes[idx["W1"]]
    assert "(2, 3) float32" in nodes[idx["z1"]] and "() float32" in nodes[idx["loss"]]


def test_small_tensors_show_values_and_gradients():
    t, model, loss = _tiny_step()
    nodes, _ = _parse(to_dot(t))
    tensors = {n["name"]: n["tensor"] for n in t.graph_nodes()}
    labels = {_name(label): label for label in nodes.values()}
    for name in ["W1", "b1", "z1", "a1", "W2", "b2", "z2", "loss"]:
        assert _grid(labels[name], "data") == _fmt(tensors[name].data), name
        assert _grid(labels[name], "grad") == _fmt(tensors[name].grad), name
    assert _grid(labels["x"], "grad") is None  # an input needs no gradient
    assert tensors["W1"] is model.layers[0].weight and tensors["loss"] is loss
    assert _grid(labels["loss"], "grad") == ["1"]


def test_large_tensors_show_the_gradient_norm_instead():
    t, _, _ = _tiny_step(batch=10)  # x (10, 2) and z1 (10, 3): more than 16 entries
    labels = {_name(label): label for label in _parse(to_dot(t))[0].values()}
    tensors = {n["name"]: n["tensor"] for n in t.graph_nodes()}
    assert _grid(labels["x"], "data") is None and _grid(labels["z1"], "data") is None
    norm = float(np.linalg.norm(tensors["z1"].grad.astype(np.float64)))
    assert f"grad norm {norm:.4g}" in labels["z1"]
    assert _grid(labels["W1"], "data") == _fmt(tensors["W1"].data)  # 6 entries: shown
    small = {_name(label): label for label in _parse(to_dot(t, max_values=4))[0].values()}
    assert _grid(small["W1"], "data") is None and "grad norm" in small["W1"]


def test_a_live_graph_is_drawn_before_backward_and_with_retain_graph():
    model = nn.MLP([2, 3, 2], seed=0)
    x = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    loss = losses.cross_entropy(model(x), np.array([0, 1]))
    before, _ = _parse(to_dot(loss))
    assert [_name(v) for v in before.values()][-1] == "loss"
    assert all(_grid(v, "grad") is None for v in before.values())  # no gradients yet
    loss.backward(retain_graph=True)
    after, edges = _parse(to_dot(loss))
    assert len(after) == len(before) == 9 and len(edges) == 8
    labels = {_name(v): v for v in after.values()}
    assert _grid(labels["W2"], "grad") == _fmt(model.layers[2].weight.grad)


def test_a_freed_graph_cannot_be_drawn_and_the_error_says_what_to_do():
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(GraphError, match=r"retain_graph=True.*glassnet\.trace\(\)"):
        to_dot(loss)
    leaf_only, _ = _parse(to_dot(w))  # a leaf is a graph of one box
    assert len(leaf_only) == 1 and _grid(leaf_only[0], "grad") == ["2", "4"]


def test_labels_are_escaped():
    a = Tensor([1.0], requires_grad=True, label='a<b&"c">')
    nodes, _ = _parse(to_dot(a * 2))
    assert "<B>a&lt;b&amp;&quot;c&quot;&gt;</B>" in nodes[0]
    assert "t1 = a&lt;b&amp;&quot;c&quot;&gt; * 2" in nodes[2]


def test_dot_files_need_no_graphviz(tmp_path, monkeypatch):
    t, _, _ = _tiny_step()
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setitem(sys.modules, "graphviz", None)
    path = draw(t, tmp_path / "graph.dot")
    assert path.read_text() == to_dot(t) + "\n"
    d = draw(t)
    assert isinstance(d, Drawing) and d.source == to_dot(t)
    assert d.save(tmp_path / "again.dot").read_text() == path.read_text()
    bundle = d._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "apt-get install graphviz" in bundle["text/plain"]
    with pytest.raises(GraphvizNotFoundError, match="pip install glassnet"):
        d.svg()
    with pytest.raises(GraphvizNotFoundError):
        draw(t, tmp_path / "graph.svg")
    assert (tmp_path / "graph.svg.dot").read_text() == to_dot(t) + "\n"
    assert repr(d).startswith("<Drawing: 9 nodes;")


def test_unknown_suffixes_are_refused(tmp_path):
    t, _, _ = _tiny_step()
    with pytest.raises(DomainError, match=r"\.svg, \.png, \.pdf, \.dot"):
        draw(t, tmp_path / "graph.jpeg")
    with pytest.raises(DomainError, match=r"\.dot"):
        draw(t).save(tmp_path / "graph.txt")


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<svg"), (".png", b"\x89PNG")])
def test_a_trace_renders_to_an_image(tmp_path, suffix, magic, graphviz_or_skip):
    t, _, _ = _tiny_step()
    path = draw(t, tmp_path / f"graph{suffix}")
    content = path.read_bytes()
    assert magic in content[:400]
    if suffix == ".svg":
        text = content.decode()
        for needle in ["z1 = x @ W1.T + b1", "layers.0.weight", "cross_entropy", "grad"]:
            assert needle in text, needle


def test_a_drawing_shows_as_svg_in_a_notebook(tmp_path, graphviz_or_skip):
    t, _, _ = _tiny_step()
    d = t.draw()
    svg = d._repr_svg_()
    assert "<svg" in svg and "a1 = relu(z1)" in svg
    bundle = d._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg and bundle["text/plain"] == repr(d)
    assert d.save(tmp_path / "g.svg").read_text() == svg
    assert t.to_dot() == to_dot(t)
