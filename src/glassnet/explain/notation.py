"""The trace's notation: what each tensor-engine operation means and what its tensors are called.

The first half is the table of operations: each one's formula, shapes and cost, which the
trace and the graph drawings read to write an operation the way the math does
(``z1 = x @ W1.T + b1``, ``dW1 = dz1.T @ x``) and to count its floating-point operations
(FLOPs) by the rule of :mod:`glassnet.explain.trace`. Shapes are tuples; names are the
symbols the trace gave the operands (``x``, ``W1``, ``z1``). ``extra`` carries what a fused
loss records beside its operands: the target's shape, whether the targets are class indices
or probability rows, and the reduction.

The second half, :class:`Names`, gives the tensors of a trace their symbols in the
tutorials' notation (docs/01 and docs/02): x, W1, b1, z1, a1, ..., loss. Names are given
per forward pass (a second step's input is ``x`` again); parameters keep their symbol
across passes.
"""

from __future__ import annotations

import math

from ..nn.module import Parameter

ELEMENTWISE = (
    "+",
    "-",
    "*",
    "/",
    "**",
    "neg",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "abs",
    "sqrt",
    "clip",
)
REDUCTIONS = ("sum", "mean", "max")
MOVES = ("reshape", "transpose", "index", "concatenate", "stack")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
LOSSES = ("cross_entropy", "binary_cross_entropy")
_INFIX = ("+", "-", "*", "/", "**", "@")
_FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "abs", "sqrt", "clip")


def shape_text(shape) -> str:
    """NumPy's spelling of a shape: ``(32, 4)``, ``(16,)``, ``()``."""
    return str(tuple(int(n) for n in shape))


def _size(shape) -> int:
    return math.prod(shape)


# --- FLOPs ------------------------------------------------------------------------------------


def forward_flops(op: str, out: tuple, ins: list[tuple], extra: dict) -> int:
    """FLOPs of the forward computation (the rule is in the trace module's docstring)."""
    if op == "linear":
        rows, k, m = _size(ins[0]) // max(ins[0][-1], 1), ins[1][1], ins[1][0]
        return 2 * rows * k * m + (rows * m if len(ins) == 3 else 0)
    if op == "@":
        return 2 * ins[0][-1] * _size(out)
    if op in ELEMENTWISE:
        return _size(out)
    if op in REDUCTIONS:
        return _size(ins[0])
    if op == "cross_entropy":
        n, c = ins[0]
        per_logit, per_row = (7, 3) if extra.get("soft") else (4, 2)
        return per_logit * n * c + per_row * n + (n if _size(out) == 1 and n > 1 else 0)
    if op == "binary_cross_entropy":
        n = _size(ins[0])
        return 8 * n + (n if _size(out) == 1 and n > 1 else 0)
    return 0  # MOVES: entries are moved, not computed


def backward_flops(op: str, out: tuple, ins: list[tuple], produced: list[bool], extra) -> int:
    """FLOPs of the backward computation, counting only the gradients actually produced."""
    total = 0
    for i, (shape, made) in enumerate(zip(ins, produced)):
        if not made:
            continue
        if op == "linear":
            rows, k, m = _size(ins[0]) // max(ins[0][-1], 1), ins[1][1], ins[1][0]
            total += rows * m if i == 2 else 2 * rows * k * m
        elif op == "@":
            total += 2 * ins[0][-1] * _size(out)
        elif op in ELEMENTWISE:
            total += _size(out) * (2 if tuple(shape) != tuple(out) else 1)
        elif op in REDUCTIONS:
            total += _size(shape)
        elif op == "cross_entropy":
            n, c = shape
            total += 5 * n * c if extra.get("soft") else 3 * n * c + n
        elif op == "binary_cross_entropy":
            total += 6 * _size(shape)
    return total


# --- shapes --------------------------------------------------------------------------------------


def shapes_line(op: str, out: tuple, ins: list[tuple], extra: dict) -> str:
    """``(32, 4) @ (4, 16) + (16,) -> (32, 16)``: the operands as the formula uses them."""
    s = [shape_text(x) for x in ins]
    if op == "linear":
        w = ins[1]
        left = f"{s[0]} @ {shape_text((w[1], w[0]))}" + (f" + {s[2]}" if len(s) == 3 else "")
    elif op in _INFIX and len(s) == 2:
        left = f"{s[0]} {op} {s[1]}"
    elif op in LOSSES and "target_shape" in extra:
        left = f"{s[0]}, y {shape_text(extra['target_shape'])}"
    else:
        left = ", ".join(s)
    return f"{left} -> {shape_text(out)}"


# --- formulas ------------------------------------------------------------------------------------


def forward_math(op: str, out: str, ins: list[str], extra: dict) -> str:
    """The forward formula, e.g. ``z1 = x @ W1.T + b1`` or ``a1 = relu(z1)``."""
    if op == "linear":
        rhs = f"{ins[0]} @ {ins[1]}.T" + (f" + {ins[2]}" if len(ins) == 3 else "")
    elif op in _INFIX and len(ins) == 2:
        rhs = f"{ins[0]} {op} {ins[1]}"
    elif op == "neg":
        rhs = f"-{ins[0]}"
    elif op == "transpose":
        rhs = f"{ins[0]}.T"
    elif op == "index":
        rhs = f"{ins[0]}[...]"
    elif op in LOSSES:
        rhs = f"{op}({ins[0]}, y)"
    else:
        rhs = f"{op}({', '.join(ins)})"
    return f"{out} = {rhs}"


def backward_math(op: str, i: int, out: str, ins: list[str], shapes, extra: dict) -> str:
    """The formula of the gradient sent to operand ``i``, e.g. ``dW1 = dz1.T @ x``.

    ``shapes`` is ``(out_shape, in_shapes)``; ``extra["root"]`` says whether the result is
    the tensor ``backward()`` started from (its gradient is then 1 and left out).
    """
    out_shape, in_shapes = shapes
    g, a = f"d{out}", ins
    lhs = f"d{ins[i]}"
    rhs = _local_rule(op, i, g, out, a, in_shapes, out_shape, extra)
    if op in ELEMENTWISE and tuple(in_shapes[i]) != tuple(out_shape):
        rhs = _summed(rhs, in_shapes[i], out_shape)
    return f"{lhs} = {rhs}"


def _local_rule(op, i, g, out, a, in_shapes, out_shape, extra) -> str:
    rules = {
        "+": (lambda: g, lambda: g),
        "-": (lambda: g, lambda: f"-{g}"),
        "*": (lambda: f"{g} * {a[1]}", lambda: f"{g} * {a[0]}"),
        "/": (lambda: f"{g} / {a[1]}", lambda: f"-{g} * {out} / {a[1]}"),
        "**": (lambda: _power_rule(g, a), lambda: f"{g} * {out} * log({a[0]})"),
        "@": (lambda: f"{g} @ {a[1]}.T", lambda: f"{a[0]}.T @ {g}"),
        "linear": (lambda: f"{g} @ {a[1]}", lambda: f"{g}.T @ {a[0]}", lambda: f"sum({g}, axis=0)"),
    }
    if op in rules:
        return rules[op][i]()
    unary = {
        "neg": f"-{g}",
        "exp": f"{g} * {out}",
        "log": f"{g} / {a[0]}",
        "tanh": f"{g} * (1 - {out}**2)",
        "sigmoid": f"{g} * {out} * (1 - {out})",
        "relu": f"{g} * ({a[0]} > 0)",
        "leaky_relu": f"{g} * where({a[0]} > 0, 1, slope)",
        "abs": f"{g} * sign({a[0]})",
        "sqrt": f"{g} / (2 * {out})",
        "clip": f"{g} * (min <= {a[0]} <= max)",
        "sum": f"broadcast({g}, {shape_text(in_shapes[0])})",
        "mean": f"broadcast({g}, {shape_text(in_shapes[0])}) / "
        f"{_size(in_shapes[0]) // max(_size(out_shape), 1)}",
        "max": f"{g} at the maxima of {a[0]}",
        "reshape": f"reshape({g}, {shape_text(in_shapes[0])})",
        "transpose": f"{g}.T",
        "index": f"{g} put back at the indexed entries",
        "concatenate": f"{g}[part {i + 1}]",
        "stack": f"{g}[part {i + 1}]",
    }
    if op in unary:
        return unary[op]
    if op in LOSSES:
        return _loss_rule(op, g, a[0], in_shapes[0], out_shape, extra)
    return f"({op})'({', '.join(a)}) * {g}"


def _power_rule(g: str, a: list[str]) -> str:
    try:
        e = float(a[1])
    except ValueError:
        return f"{g} * {a[1]} * {a[0]}**({a[1]} - 1)"
    return f"{g} * {a[1]} * {a[0]}**{e - 1:g}"


def _loss_rule(op, g, z, z_shape, out_shape, extra) -> str:
    if op == "cross_entropy":
        diff = f"softmax({z}) - " + ("y" if extra.get("soft") else "onehot(y)")
    else:
        diff = f"sigmoid({z}) - y"
    if _size(out_shape) != 1 or extra.get("reduction") == "none":
        return f"({diff}) * {g}" + ("[:, None]" if op == "cross_entropy" else "")
    factor = "" if extra.get("root") else f"{g} * "
    n = z_shape[0] if op == "cross_entropy" else _size(z_shape)
    if extra.get("reduction") == "sum" or n == 1:
        return f"{factor}({diff})" if factor else diff
    return f"{factor}({diff}) / {n}"


def _summed(expr: str, shape, out_shape) -> str:
    """Undo broadcasting in words: sum over the axes that broadcasting added."""
    lead = len(out_shape) - len(shape)
    axes = list(range(lead)) + [
        lead + k for k, n in enumerate(shape) if n == 1 and out_shape[lead + k] != 1
    ]
    if not axes:
        return expr
    ax = axes[0] if len(axes) == 1 else tuple(axes)
    return f"sum({expr}, axis={ax})"


def _number(v: float) -> str:
    return f"{v:g}"


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
        self._counts = {"t": 0, "c": 0, "x": 0, "p": 0}
        previous, done = None, set()
        for kind, ev in events:
            op = ev if kind == "forward" else ev.op
            if kind == "forward" and previous != "forward":
                self._counts.update(t=0, c=0, x=0)  # a new forward pass
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
            return "loss"
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
            self._sym[id(p)] = _number(p.data.reshape(-1)[0])
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
