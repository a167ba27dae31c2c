"""Record every operation of a forward and backward pass: ``with glassnet.trace() as t:``.

Inside the ``with`` block, each Tensor operation is recorded as it runs, with the layer it
belongs to (the module being called, by its dotted name such as ``layers.0``), its formula
written as the math writes it, its operands' and result's shapes, the parameters it reads,
its FLOPs and its time; each step of ``backward()`` is recorded with the shapes and L2 norms
of the gradient it receives and of the gradients it sends to its operands. Outside the
block nothing is recorded and nothing is paid beyond one check per operation. The trace is
per thread; traces do not nest.

Names follow the notation of the tutorials (docs/01 and docs/02): layer ``l`` computes
``zl = a(l-1) @ Wl.T + bl`` and ``al = f(zl)``, starting from the input ``x``; the fused
losses' results are ``loss``, as is the tensor ``backward()`` starts from (a second one in
the same pass is ``loss2``); gradients are ``dW1``, ``dz2``, ...; any other intermediate is
``t1``, ``t2``, ... A layer's number is the order in which its weight is first used by
``linear`` (or by ``@`` with a Parameter). Every formula is a Python expression that runs on
the recorded arrays (its vocabulary is listed in :mod:`glassnet.explain.notation`).

FLOPs are counted by a fixed rule (one multiply or add, exp, log, comparison... is one):

- ``linear`` ``x (N, K) @ W.T (K, M) + b``: ``2 N K M`` (a multiply and an add per term),
  plus ``N M`` for the bias; ``@``: ``2 K`` per output entry.
- element-wise ops (``+ - * / ** neg exp log tanh sigmoid relu leaky_relu abs sqrt clip``):
  one per output entry.
- reductions (``sum mean max``): one per input entry.
- moving entries (``reshape transpose index concatenate stack``): none.
- fused ``cross_entropy`` of logits (N, C) and class indices: ``4 N C + 2 N`` (the row max,
  the shift, exp and sum per logit; log and the target's logit per row), ``7 N C + 3 N``
  for probability rows; plus ``N`` when averaged or summed to one number. Fused
  ``binary_cross_entropy`` of n logits: ``8 n`` (plus ``n`` when reduced).

Backward, for each operand that receives a gradient: ``linear`` ``2 N K M`` for x and for
W and ``N M`` for b; ``@`` ``2 K`` per output entry; element-wise ops one per output entry,
two when the operand was broadcast (the gradient is then summed back to its shape);
reductions one per input entry; moves none; ``cross_entropy`` ``3 N C + N`` (``5 N C`` for
probability rows); ``binary_cross_entropy`` ``6 n``.

Times are wall-clock seconds. A backward row's time is that of its chain rule alone; a
forward row's is the time since the previous recorded event (the previous operation, or
the start or end of a module's call), so it includes the Python that prepared the
operation, such as a layer's input checks.

A trace keeps every tensor it saw, so that its rows and its drawing (:meth:`Trace.draw`,
which keeps the graph even after ``backward()`` has freed it) can show their values and
gradients: trace a step or two, not a whole training run.
"""

from __future__ import annotations

import json
import time

import numpy as np

from .._order import topological_order
from ..errors import GraphError
from ..nn.module import Parameter
from ..tensor.tensor import _trace_hook
from . import notation as info
from .naming import Names

__all__ = ["Trace", "trace"]


class _Op:
    """One forward operation as it ran."""

    __slots__ = ("out", "parents", "module", "in_model", "seconds", "extra", "hidden")

    def __init__(self, out, parents, module, in_model, seconds, extra, hidden=False):
        self.out, self.parents, self.module, self.in_model = out, tuple(parents), module, in_model
        self.seconds, self.extra, self.hidden = seconds, extra, hidden


class _Step:
    """One node's chain rule in backward: the gradient in, the gradients out."""

    __slots__ = ("op", "g_out", "grads", "seconds", "root")

    def __init__(self, op, g_out, grads, seconds, root):
        self.op, self.g_out, self.grads, self.seconds, self.root = op, g_out, grads, seconds, root


def _norm(g: np.ndarray) -> float:
    """The L2 norm, accumulated in float64 so that a float32 gradient cannot overflow it."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))


class Trace:
    """A record of the operations run inside ``with glassnet.trace() as t:``.

    Create it with :func:`trace`. After (or during) the block, ``t.rows`` holds one dict
    per operation in the order they ran, forward and backward; ``print(t)`` shows them as
    tables, ``t.to_json()`` exports them and ``t.draw()`` draws the computation graph
    with values and gradients.

    Attributes
    ----------
    rows : list of dict
        One dict per recorded step, with the keys ``index``, ``pass`` (``"forward"`` or
        ``"backward"``), ``layer`` (int, or None outside the model's layers), ``module``
        (dotted name, ``""`` for none), ``op``, ``math``, ``shapes``, ``inputs`` and
        ``output`` (``{"name", "shape", "parameter"}``), ``parameters`` (name -> shape),
        ``flops``, ``seconds``, and for backward rows ``grad_output``
        (``{"name", "shape", "norm"}``) and ``grads`` (one ``{"name", "of", "shape",
        "norm", "parameter", "math"}`` per operand that received a gradient).

    Examples
    --------
    >>> import numpy as np, glassnet
    >>> from glassnet import nn, losses
    >>> model = nn.MLP([4, 16, 3], seed=0)
    >>> x, y = np.ones((32, 4), np.float32), np.zeros(32, dtype=int)
    >>> with glassnet.explain.trace() as t:
    ...     loss = losses.cross_entropy(model(x), y)
    ...     loss.backward()
    >>> [r["math"] for r in t.rows if r["pass"] == "forward"]
    ['z1 = x @ W1.T + b1', 'a1 = relu(z1)', 'z2 = a1 @ W2.T + b2', 'loss = cross_entropy(z2, y)']
    >>> t.rows[0]["shapes"], t.rows[0]["flops"]  # 2*32*4*16 + 32*16
    ('(32, 4) @ (4, 16) + (16,) -> (32, 16)', 4608)
    >>> [g["math"] for g in t.rows[-1]["grads"]]  # the first layer: x needs no gradient
    ['dW1 = dz1.T @ x', 'db1 = sum(dz1, axis=0)']
    """

    def __init__(self, model=None):
        self._events: list[tuple[str, object]] = []
        self._ops: dict[int, _Op] = {}
        self._stack: list = []
        self._module_names: dict[int, str] = {}
        self._param_names: dict[int, str] = {}
        self._root = None
        self._seen_module = False
        self._state = "new"
        self._last = 0.0
        self._next_is_root = False
        self._cache: tuple[int, list, Names] | None = None
        self._outputs: tuple[int, ...] = ()  # a captured graph's one-entry root: "loss"
        if model is not None:
            self._set_root(model)

    # -- recording (called by the engine's hooks) ----------------------------------------------
    def __enter__(self) -> Trace:
        if _trace_hook.tracer is not None:
            raise GraphError(
                "trace(): a trace is already recording in this thread; traces do not nest "
                "(end the outer `with glassnet.trace()` block first)"
            )
        if self._state != "new":
            raise GraphError("trace(): a Trace records once; start a new glassnet.trace()")
        self._state = "recording"
        _trace_hook.tracer = self
        self._last = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        _trace_hook.tracer = None
        self._state = "done"
        self._stack.clear()

    def _set_root(self, module) -> None:
        self._root = module
        self._module_names = {id(m): name for name, m in module.named_modules()}
        self._param_names = {id(p): name for name, p in module.named_parameters()}

    def call_module(self, module, args, kwargs):
        """Run ``module.forward`` with ``module`` marked as the current layer."""
        if not self._stack:
            self._seen_module = True
            if self._root is None:
                self._set_root(module)
        self._stack.append(module)
        self._last = time.perf_counter()
        try:
            return module.forward(*args, **kwargs)
        finally:
            self._stack.pop()
            self._last = time.perf_counter()

    def forward_op(self, out, parents, backward) -> None:
        """Record an operation's result (called by the engine as each result is made)."""
        seconds = time.perf_counter() - self._last
        module = self._stack[-1] if self._stack else None
        if self._stack:
            in_model = id(self._stack[0]) in self._module_names
        else:
            in_model = not self._seen_module  # no module at all: the whole program is the model
        op = _Op(out, parents, module, in_model, seconds, out.attrs or {})
        self._ops[id(out)] = op
        self._events.append(("forward", op))
        self._last = time.perf_counter()

    def backward_begins(self, root) -> None:
        """Mark the start of a ``backward()`` from ``root``."""
        self._next_is_root = True

    def backward_node(self, node, g_out):
        """Run and record one node's chain rule; returns its gradients for the engine."""
        op = self._ops.get(id(node)) or self._adopt(node)
        start = time.perf_counter()
        grads = node._backward(g_out)
        seconds = time.perf_counter() - start
        summary = [None if g is None else (tuple(g.shape), _norm(g)) for g in grads]
        step = _Step(op, (tuple(g_out.shape), _norm(g_out)), summary, seconds, self._next_is_root)
        self._next_is_root = False
        self._events.append(("backward", step))
        self._last = time.perf_counter()
        return grads

    def _adopt(self, node) -> _Op:
        """A node made before the trace began: known by its shapes only."""
        op = _Op(node, node._prev, None, True, 0.0, node.attrs or {}, hidden=True)
        self._ops[id(node)] = op
        return op

    # -- reading --------------------------------------------------------------------------------
    def _built(self) -> tuple[list, Names]:
        if self._cache is None or self._cache[0] != len(self._events):
            names = Names(
                self._events, self._param_names, self._module_names, self._root, self._outputs
            )
            rows = [self._row(i, kind, ev, names) for i, (kind, ev) in enumerate(self._events)]
            rows = [r for r in rows if r is not None]
            for k, r in enumerate(rows, start=1):
                r["index"] = k
            self._cache = (len(self._events), rows, names)
        return self._cache[1], self._cache[2]

    @property
    def rows(self) -> list[dict]:
        """One dict per recorded step (see the class docstring)."""
        return self._built()[0]

    def _row(self, i: int, kind: str, ev, names: Names) -> dict | None:
        op = ev if kind == "forward" else ev.op
        if kind == "forward" and op.hidden:
            return None
        out_shape = tuple(op.out.shape)
        in_shapes = [tuple(p.shape) for p in op.parents]
        ins = [names.of(p) for p in op.parents]
        extra = dict(op.extra)
        row = {
            "index": 0,
            "pass": kind,
            "layer": names.layer(op.out),
            "module": names.module(op.module),
            "op": op.out._op,
            "math": info.forward_math(op.out._op, names.of(op.out), ins, extra),
            "shapes": info.shapes_line(op.out._op, out_shape, in_shapes, extra),
            "inputs": [self._operand(p, names) for p in op.parents],
            "output": self._operand(op.out, names),
            "parameters": {
                self._param_label(p, names): list(p.shape)
                for p in op.parents
                if isinstance(p, Parameter)
            },
            "flops": info.forward_flops(op.out._op, out_shape, in_shapes, extra),
            "seconds": op.seconds,
            "grad_output": None,
            "grads": [],
        }
        if "target_shape" in extra:
            row["inputs"].append(
                {"name": "y", "shape": list(extra["target_shape"]), "parameter": None}
            )
        if kind == "backward":
            self._fill_backward(row, ev, ins, in_shapes, out_shape, names)
        return row

    def _fill_backward(self, row, step: _Step, ins, in_shapes, out_shape, names) -> None:
        op = step.op
        extra = dict(op.extra, root=step.root)
        out_name = names.of(op.out)
        grads = []
        for k, (p, made) in enumerate(zip(op.parents, step.grads)):
            if made is None:
                continue
            grads.append(
                {
                    "name": f"d{ins[k]}",
                    "of": ins[k],
                    "shape": list(made[0]),
                    "norm": made[1],
                    "parameter": self._param_label(p, names) if isinstance(p, Parameter) else None,
                    "math": info.backward_math(
                        op.out._op, k, out_name, ins, (out_shape, in_shapes), extra
                    ),
                }
            )
        produced = [g is not None for g in step.grads]
        row["math"] = "\n".join(g["math"] for g in grads)
        row["shapes"] = ", ".join(
            f"d{ins[k]} {info.shape_text(in_shapes[k])}" for k in range(len(ins)) if produced[k]
        )
        row["grad_output"] = {
            "name": f"d{out_name}",
            "shape": list(step.g_out[0]),
            "norm": step.g_out[1],
        }
        row["grads"] = grads
        row["flops"] = info.backward_flops(op.out._op, out_shape, in_shapes, produced, op.extra)
        row["seconds"] = step.seconds

    def _operand(self, t, names: Names) -> dict:
        pname = self._param_label(t, names) if isinstance(t, Parameter) else None
        return {"name": names.of(t), "shape": list(t.shape), "parameter": pname}

    def _param_label(self, p, names: Names) -> str:
        return self._param_names.get(id(p)) or p.label or names.of(p)

    def to_dicts(self) -> list[dict]:
        """The rows as plain dicts (copies), ready for JSON or a DataFrame."""
        return json.loads(self.to_json())

    def to_json(self, indent: int | None = 2) -> str:
        """The rows as a JSON array."""
        return json.dumps(self.rows, indent=indent)

    def summary(self) -> dict:
        """Totals per pass: ``{"forward": {"ops", "flops", "seconds"}, "backward": {...}}``."""
        out = {}
        for kind in ("forward", "backward"):
            rows = [r for r in self.rows if r["pass"] == kind]
            out[kind] = {
                "ops": len(rows),
                "flops": sum(r["flops"] for r in rows),
                "seconds": sum(r["seconds"] for r in rows),
            }
        return out

    def __len__(self) -> int:
        return len(self.rows)

    # -- showing --------------------------------------------------------------------------------
    def table(self, width: int = 150) -> str:
        """The rows as plain-text tables (forward, then backward), ``width`` columns wide."""
        from ._table import render_text

        return render_text(self, width)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"<Trace: {s['forward']['ops']} forward and {s['backward']['ops']} backward "
            "operations; print() it for the tables>"
        )

    def _repr_pretty_(self, p, cycle) -> None:  # IPython and Jupyter show the tables
        p.text(self.table())

    def __rich_console__(self, console, options):
        from ._table import renderables

        yield from renderables(self)

    def graph_nodes(self) -> list[dict]:
        """The recorded graph, operands first: one dict per tensor with ``tensor``,
        ``name``, ``title``, ``math``, ``kind`` (``"op"``, ``"parameter"``, ``"input"``) and
        ``inputs`` (indices of earlier entries). Used by :func:`glassnet.explain.to_dot`."""
        return self._built()[1].graph_nodes()

    def to_dot(self, **kwargs) -> str:
        """The recorded graph in Graphviz's DOT language (see :func:`glassnet.explain.to_dot`)."""
        from .drawing import to_dot

        return to_dot(self, **kwargs)

    def draw(self, path=None, **kwargs):
        """Draw the recorded graph with values and gradients (see :func:`glassnet.explain.draw`)."""
        from .drawing import draw

        return draw(self, path, **kwargs)


def trace(model=None) -> Trace:
    """Record the operations run in a ``with`` block: ``with glassnet.trace() as t:``.

    Parameters
    ----------
    model : Module, optional
        Names layers and parameters after this model's attributes (``layers.0``,
        ``layers.0.weight``). By default the first module called in the block is the model.

    Returns
    -------
    Trace
        Use it as a context manager; read it after (or inside) the block.

    Raises
    ------
    GraphError
        On entering a trace while another one is recording in the same thread.

    Examples
    --------
    >>> import glassnet
    >>> w = glassnet.Tensor([1.0, -2.0, 3.0], requires_grad=True, label="w")
    >>> with glassnet.explain.trace() as t:
    ...     loss = (w * 2).sum()
    ...     loss.backward()
    >>> for r in t.rows:
    ...     print(r["pass"], "|", r["math"], "|", r["shapes"], "|", r["flops"])
    forward | t1 = w * 2 | (3,) * () -> (3,) | 3
    forward | loss = sum(t1) | (3,) -> () | 3
    backward | dt1 = broadcast(dloss, (3,)) | dt1 (3,) | 3
    backward | dw = dt1 * 2 | dw (3,) | 3
    >>> round(t.rows[-1]["grads"][0]["norm"], 4)  # |dw| = |(2, 2, 2)| = sqrt(12)
    3.4641
    """
    return Trace(model)


def capture(root) -> Trace:
    """A trace of the graph that produced ``root``, read from the graph itself (for drawing
    a Tensor that was computed outside any trace). Raises GraphError if it was freed."""
    from ..tensor.tensor import _freed

    t = Trace()
    for node in topological_order(root):  # operands before results, without recursion
        if node._backward is _freed:
            raise GraphError(
                f"to_dot(): the graph that produced this '{node._op}' result was freed by "
                "backward(); call backward(retain_graph=True) to keep it, or run the pass "
                "inside `with glassnet.trace() as t:` and draw t, which keeps its graph"
            )
        if node._prev:
            op = _Op(node, node._prev, None, True, 0.0, node.attrs or {})
            t._ops[id(node)] = op
            t._events.append(("forward", op))
    if root.ndim == 0:  # a scalar result, such as a loss, is drawn as "loss"
        t._outputs = (id(root),)
    if not t._events:  # a leaf alone
        t._events.append(("forward", _Op(root, (), None, True, 0.0, {}, hidden=True)))
    return t
