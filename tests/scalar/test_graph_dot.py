"""to_dot() text and draw() rendering, including the path where Graphviz is missing."""

import re
import shutil
import sys

import numpy as np
import pytest

from glassnet.errors import DomainError, GraphvizNotFoundError
from glassnet.explain import draw, to_dot
from glassnet.scalar import MLP, Value

RECORD = re.compile(r'^  (v\d+) \[shape=record, label="\{ (.*) \}"\];$')
OP = re.compile(r'^  (v\d+)_op \[shape=ellipse, label="(.*)"\];$')
EDGE = re.compile(r"^  (v\d+(?:_op)?) -> (v\d+(?:_op)?);$")


def _parse(text):
    """Records {name: fields}, ops {name: label}, and edges [(a, b)] of to_dot's output."""
    records, ops, edges = {}, {}, []
    lines = text.splitlines()
    assert lines[0] == "digraph glassnet {" and lines[-1] == "}"
    for line in lines[1:-1]:
        if m := RECORD.match(line):
            records[m[1]] = m[2]
        elif m := OP.match(line):
            ops[m[1]] = m[2]
        elif m := EDGE.match(line):
            edges.append((m[1], m[2]))
        else:
            assert line in ("  rankdir=LR;", "  rankdir=TB;", '  node [fontname="Helvetica"];')
    return records, ops, edges


def _expression():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return d


def test_records_ops_and_edges_follow_the_graph():
    d = _expression()
    d.backward()
    records, ops, edges = _parse(to_dot(d))
    assert len(records) == 5 and len(ops) == 3  # a, b, c, c + a, d ; *, +, tanh
    assert sorted(ops.values()) == ["*", "+", "tanh"]
    by_label = {f.split(" | ")[0]: name for name, f in records.items()}
    a, b, c, d_ = by_label["a"], by_label["b"], by_label["c"], by_label["d"]
    # d = tanh(ab + a) = tanh(-4), 1 - tanh(-4)**2 = 0.00134: dd/da = 0.00134 (b + 1),
    # dd/db = 0.00134 a
    assert records[a] == "a | data 2.0000 | grad -0.0027"
    assert records[b] == "b | data -3.0000 | grad 0.0027"
    assert records[d_].startswith("d | data -0.9993 | grad 1.0000")
    assert (a, f"{c}_op") in edges and (b, f"{c}_op") in edges and (f"{c}_op", c) in edges
    assert (f"{d_}_op", d_) in edges
    assert len(edges) == 2 + 2 + 1 + 3  # operands of *, + and tanh, plus one edge per op


def test_operands_come_before_results_and_ids_are_deterministic():
    text1, text2 = to_dot(_expression()), to_dot(_expression())
    assert text1 == text2  # ids come from the walk, not from memory addresses
    records, _, edges = _parse(text1)
    for src, dst in edges:  # every edge runs from a smaller to a larger number
        assert int(src.split("_")[0][1:]) <= int(dst.split("_")[0][1:])
    assert list(records) == [f"v{i}" for i in range(len(records))]


def test_a_value_used_twice_gets_two_edges():
    a = Value(3.0, label="a")
    _, _, edges = _parse(to_dot(a * a))
    assert edges.count(("v0", "v1_op")) == 2


def test_special_characters_are_escaped():
    a = Value(1.0, label='x|{y}<z>"q"\\')
    records, _, _ = _parse(to_dot(a.relu()))
    assert records["v0"].startswith('x\\|\\{y\\}\\<z\\>\\"q\\"\\\\ | data')


def test_number_formats():
    for x, shown in [
        (2.0, "2.0000"),
        (-0.5, "-0.5000"),
        (0.0, "0.0000"),
        (1e-7, "1e-07"),
        (3.2e12, "3.2e+12"),
    ]:
        assert f"data {shown} |" in to_dot(Value(x))


class _ArrayNode:
    """A stand-in for a Tensor node: the same attribute names, ndarray data."""

    def __init__(self, data, grad=None, prev=(), op="", label=""):
        self.data, self.grad, self._prev, self._op, self.label = data, grad, prev, op, label


def test_array_nodes_show_shape_and_small_values():
    x = _ArrayNode(np.array([1.0, -2.0]), grad=np.array([0.5, 0.25]), label="x")
    W = _ArrayNode(np.zeros((3, 2), dtype=np.float32), label="W")
    y = _ArrayNode(np.ones((3,)), prev=(W, x), op="matmul", label="y")
    records, ops, _ = _parse(to_dot(y))
    assert records["v0"] == "W | data (3, 2) float32 | grad None"
    assert records["v1"] == "x | data (2,) [1.0000 -2.0000] | grad (2,) [0.5000 0.2500]"
    assert records["v2"] == "y | data (3,) [1.0000 1.0000 1.0000] | grad None"
    assert ops == {"v2": "matmul"}


def test_deep_graph_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    records, ops, _ = _parse(to_dot(y))
    assert len(records) == 1 + 2 * 20_000 and len(ops) == 20_000


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<svg"), (".png", b"\x89PNG")])
def test_draw_renders(tmp_path, suffix, magic, graphviz_or_skip):
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -1.0])
    out.backward()
    path = draw(out, tmp_path / f"graph{suffix}")
    content = path.read_bytes()
    assert path == tmp_path / f"graph{suffix}"
    assert magic in content[:400]
    if suffix == ".svg":
        text = content.decode()
        assert "L0.n0.w0" in text and "relu" in text and "grad" in text


def test_draw_without_dot_program_writes_the_dot_file(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    v = _expression()
    with pytest.raises(GraphvizNotFoundError) as info:
        draw(v, tmp_path / "g.svg")
    message = str(info.value)
    dot_file = tmp_path / "g.svg.dot"
    assert "pip install glassnet[graph]" in message and "apt-get install graphviz" in message
    assert "brew install graphviz" in message and str(dot_file) in message
    assert "`dot` program" in message and "Python package" not in message
    assert dot_file.read_text() == to_dot(v) + "\n"


def test_draw_without_graphviz_package(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    with pytest.raises(GraphvizNotFoundError, match="`graphviz` Python package"):
        draw(Value(1.0), tmp_path / "g.png")
    assert (tmp_path / "g.png.dot").exists()
    assert not (tmp_path / "g.png").exists()


def test_draw_rejects_unknown_formats(tmp_path):
    with pytest.raises(DomainError, match=r"\.svg, \.png, \.pdf"):
        draw(Value(1.0), tmp_path / "graph.jpeg")
