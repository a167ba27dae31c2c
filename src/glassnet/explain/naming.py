"""The symbols of a trace's tensors, in the tutorials' notation (docs/01 and docs/02).

:class:`Names` calls the tensors of a trace x, W1, b1, z1, a1, ..., loss: layer ``l``
computes ``zl`` with its weight ``Wl`` and bias ``bl`` and ``al`` with its activation; other
intermediates are ``t1``, ``t2``, ...; the fused losses' results and the tensor
``backward()`` starts from are ``loss`` (a second one in the same pass is ``loss2``, as in
``loss2 = loss + t3`` for a penalty added to a loss). Names are given per forward pass (a
second step's input is ``x`` again); parameters keep their symbol across passes.
"""

from __future__ import annotations

from ..nn.module import Parameter
from .notation import ACTIVATIONS, LOSSES, forward_math, number_text


class Names:
    """The symbol and layer of every tensor in a list of trace events."""

    def __init__(self, events, param_names: dict, module_names: dict, root, outputs=()):
        self._param_names, self._module_names, self._root = param_names, module_names, root
        self._sym: dict[int, str] = {}
        self._layer: dict[int, int | None] = {}
        self._weights: dict[int, int] = {}  # id(weight) -> layer number
        self._ops: list = []  # every operation, in the order they were named
        ops = [ev if kind == "forward" else ev.op for kind, ev in events]
        self._produced = {id(op.out) for op in ops}
        self._roots = {id(ev.op.out) for kind, ev in events if kind == "backward" and ev.root}
        self._roots.update(outputs)  # ids of scalar results drawn as "the loss"
        self._counts = {"t": 0, "c": 0, "x": 0, "p": 0, "loss": 0}
        previous, done = None, set()
        for kind, ev in events:
            op = ev if kind == "forward" else ev.op
            if kind == "forward" and previous != "forward":
                self._counts.update(t=0, c=0, x=0, loss=0)  # a new forward pass
            if id(op) not in done:
                done.add(id(op))
                self._name_op(op)
            previous = kind

    # -- naming ----------------------------------------------------------------------------------
    def _weight_of(self, op):
        """The weight of a layer's affine map, or None if ``op`` is not one."""
        kind, ps = op.out._op, op.parents
        if kind == "linear":
            return ps[1]
        if kind == "@":
            for p in (ps[1], ps[0]):
                if p.requires_grad and id(p) not in self._produced:
                    return p
        return None

    def _name_op(self, op) -> None:
        out, kind = op.out, op.out._op
        w = self._weight_of(op) if op.in_model else None
        if w is not None:
            layer = self._weights.setdefault(id(w), len(self._weights) + 1)
            self._leaf_symbol(w, f"W{layer}", layer)
            if kind == "linear" and len(op.parents) == 3:
                self._leaf_symbol(op.parents[2], f"b{layer}", layer)
        for p in op.parents:
            if id(p) not in self._sym:
                self._name_leaf(p)
        if w is not None:
            layer = self._weights[id(w)]
        elif not op.in_model or kind in LOSSES:
            layer = None
        else:
            known = [self._layer.get(id(p)) for p in op.parents]
            layer = max([n for n in known if n is not None], default=0)
        self._layer[id(out)] = layer
        if id(out) not in self._sym:  # else named already as the operand of a later-adopted op
            self._sym[id(out)] = self._op_symbol(op, w, layer)
        self._ops.append(op)

    def _op_symbol(self, op, w, layer) -> str:
        out, kind = op.out, op.out._op
        if out.label:
            return out.label
        if id(out) in self._roots or kind in LOSSES:
            n = self._counts["loss"] = self._counts["loss"] + 1
            return "loss" if n == 1 else f"loss{n}"  # a second loss of one pass: loss2
        if w is not None:
            return f"z{layer}"
        if kind in ACTIVATIONS and layer and self._sym.get(id(op.parents[0])) == f"z{layer}":
            return f"a{layer}"
        return self._next("t")

    def _leaf_symbol(self, p, symbol: str, layer: int) -> None:
        if id(p) not in self._sym:
            self._sym[id(p)] = p.label or symbol
            self._layer[id(p)] = layer

    def _name_leaf(self, p) -> None:
        """An operand no recorded operation produced: a parameter, an input or a constant."""
        self._layer[id(p)] = 0
        if p.label:
            self._sym[id(p)] = p.label
        elif isinstance(p, Parameter) or (p.requires_grad and id(p) not in self._produced):
            dotted = self._param_names.get(id(p), "")
            self._sym[id(p)] = dotted.rsplit(".", 1)[-1] if dotted else self._next("p")
        elif p.size == 1 and id(p) not in self._produced:
            self._sym[id(p)] = number_text(p.data.reshape(-1)[0])
        elif id(p) in self._produced:  # made before the trace began
            self._sym[id(p)] = self._next("t")
        else:
            self._sym[id(p)] = "x" if self._counts["x"] == 0 else self._next("c")
            self._counts["x"] += 1

    def _next(self, prefix: str) -> str:
        self._counts[prefix] += 1
        return f"{prefix}{self._counts[prefix]}"

    # -- reading ---------------------------------------------------------------------------------
    def of(self, t) -> str:
        """The symbol of tensor ``t`` (``?`` for one the trace never saw)."""
        return self._sym.get(id(t), "?")

    def layer(self, t) -> int | None:
        """The layer number of ``t``: 1, 2, ...; 0 before the first layer; None outside."""
        return self._layer.get(id(t))

    def module(self, module) -> str:
        """The dotted name of a module (its class name for the model itself or a stranger)."""
        if module is None:
            return ""
        name = self._module_names.get(id(module))
        return name if name else type(module).__name__

    def graph_nodes(self) -> list[dict]:
        """Every tensor of the recorded graph, operands before results (see Trace)."""
        index: dict[int, int] = {}
        nodes: list[dict] = []

        def add(t, **fields) -> int:
            if id(t) not in index:
                index[id(t)] = len(nodes)
                nodes.append({"tensor": t, "name": self.of(t), **fields})
            return index[id(t)]

        for op in self._ops:
            for p in op.parents:
                if id(p) not in self._produced:
                    kind = "parameter" if p.requires_grad else "input"
                    title = self._param_names.get(id(p)) or ("" if kind == "input" else p.label)
                    add(p, title=title, math="", kind=kind, inputs=[], layer=self.layer(p))
            ins = [self.of(p) for p in op.parents]
            add(
                op.out,
                title=op.out._op,
                kind="op",
                layer=self.layer(op.out),
                math=forward_math(op.out._op, self.of(op.out), ins, op.extra),
                inputs=list(op.parents),
            )
        for node in nodes:  # operands to indices, now that every tensor has one
            node["inputs"] = [index[id(p)] for p in node["inputs"]]
        return nodes
