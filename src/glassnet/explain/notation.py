"""The trace's notation: what each tensor-engine operation means, written as the math does.

This is the table of operations: each one's formula, shapes and cost, which the trace and
the graph drawings read to write an operation the way the math does (``z1 = x @ W1.T + b1``,
``dW1 = dz1.T @ x``) and to count its floating-point operations (FLOPs) by the rule of
:mod:`glassnet.explain.trace`. Shapes are tuples; names are the symbols the trace gave the
operands (``x``, ``W1``, ``z1``; see :mod:`glassnet.explain.naming`). ``extra`` carries what
an operation records beside its operands (``Tensor.attrs``): a fused loss's target shape,
whether its targets are class indices or probability rows, and its reduction; a
reduction's axis; an index; the axis of a join; a permutation; a slope; clip bounds.
"""

from __future__ import annotations

import math

import numpy as np

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
#
# Every formula is a Python expression over NumPy arrays that a reader can run: its symbols are
# the trace's tensors (x, W1, dz1, ...) and y, a loss's targets. Besides NumPy's operators, .T
# and .mT, it calls only exp, log, sign, where, outer, transpose, sum(e, axis=) and
# reshape(e, shape), as NumPy does, and
#   softmax(z), sigmoid(z)       along the last axis
#   onehot(y)                    one row per class index
#   broadcast(g, shape, axis=)   g spread to shape; axis: the axes a reduction removed
#   max_share(x, axis=)          1 at each slice's maximum, 1/k at each of k tied maxima, else 0
#   scatter(g, s_[i], like=x)    zeros shaped like x, with g added at x[i] (s_ is NumPy's)


def forward_math(op: str, out: str, ins: list[str], extra: dict) -> str:
    """The forward formula, e.g. ``z1 = x @ W1.T + b1`` or ``a1 = relu(z1)``."""
    if op == "linear":
        rhs = f"{ins[0]} @ {ins[1]}.T" + (f" + {ins[2]}" if len(ins) == 3 else "")
    elif op in _INFIX and len(ins) == 2:
        rhs = f"{ins[0]} {op} {ins[1]}"
    elif op == "neg":
        rhs = f"-{ins[0]}"
    elif op == "transpose" and extra.get("axes") is not None:
        rhs = f"transpose({ins[0]}, {extra['axes']})"
    elif op == "transpose":
        rhs = f"{ins[0]}.T"
    elif op == "index":
        rhs = f"{ins[0]}[{_index_text(extra['index'])}]"
    elif op in LOSSES:
        rhs = f"{op}({ins[0]}, y)"
    elif op in ("concatenate", "stack"):
        rhs = f"{op}([{', '.join(ins)}], axis={extra['axis']})"
    else:
        rhs = f"{op}({', '.join(ins + _settings(op, extra))})"
    return f"{out} = {rhs}"


def _settings(op: str, extra: dict) -> list[str]:
    """The arguments beside the operands: a reduction's axis, a slope, the clip bounds."""
    if op in REDUCTIONS:
        keep = ["keepdims=True"] if extra.get("keepdims") else []
        return ([] if extra.get("axis") is None else [f"axis={extra['axis']}"]) + keep
    if op == "leaky_relu":
        return [number_text(extra["negative_slope"])]
    if op == "clip":
        return [number_text(extra[k]) if extra[k] is not None else "None" for k in ("min", "max")]
    return []


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
    if op == "**" and i == 0:
        return _power_rule(g, a)
    if op in _BINARY:
        return _BINARY[op][i].format(g=g, out=out, x=a[0], y=a[1])
    if op == "@":
        return _matmul_rule(i, g, a, in_shapes, out_shape)
    if op == "linear":
        return _linear_rule(i, g, a, in_shapes[0], out_shape)
    if op in _UNARY:
        return _unary_rule(op, g, out, a[0], extra)
    if op in REDUCTIONS:
        return _reduction_rule(op, g, a[0], in_shapes[0], out_shape, extra)
    if op in MOVES:
        return _move_rule(op, i, g, a[0], in_shapes, extra)
    if op in LOSSES:
        return _loss_rule(op, g, a[0], in_shapes[0], out_shape, extra)
    return f"({op})'({', '.join(a)}) * {g}"


# The arithmetic of two operands x and y: g is the result's gradient, out the result.
_BINARY = {
    "+": ("{g}", "{g}"),
    "-": ("{g}", "-{g}"),
    "*": ("{g} * {y}", "{g} * {x}"),
    "/": ("{g} / {y}", "-{g} * {out} / {y}"),
    "**": ("", "{g} * {out} * log({x})"),  # x's gradient: _power_rule
}

# The element-wise functions of one operand: g is the result's gradient, out the result.
_UNARY = {
    "neg": "-{g}",
    "exp": "{g} * {out}",
    "log": "{g} / {x}",
    "tanh": "{g} * (1 - {out}**2)",
    "sigmoid": "{g} * {out} * (1 - {out})",
    "relu": "{g} * ({x} > 0)",
    "leaky_relu": "{g} * where({x} > 0, 1, {slope})",
    "abs": "{g} * sign({x})",
    "sqrt": "{g} / (2 * {out})",
    "clip": "{g} * {inside}",
}


def _unary_rule(op, g, out, x, extra) -> str:
    fill = {"g": g, "out": out, "x": x}
    if op == "leaky_relu":
        fill["slope"] = number_text(extra["negative_slope"])
    if op == "clip":
        fill["inside"] = _inside(x, extra)
    return _UNARY[op].format(**fill)


def _inside(x, extra) -> str:
    """clip's derivative is 1 inside the bounds (the bounds included), 0 outside."""
    tests = [f"({x} >= {number_text(extra['min'])})"] if extra.get("min") is not None else []
    if extra.get("max") is not None:
        tests.append(f"({x} <= {number_text(extra['max'])})")
    return f"({tests[0]} & {tests[1]})" if len(tests) == 2 else tests[0]


def _power_rule(g: str, a: list[str]) -> str:
    try:
        e = float(a[1])
    except ValueError:
        return f"{g} * {a[1]} * {a[0]}**({a[1]} - 1)"
    return f"{g} * {a[1]} * {a[0]}**{e - 1:g}"


def _matmul_rule(i, g, a, in_shapes, out_shape) -> str:
    """``x @ y`` as NumPy reads it: 1-D operands are a row (left) or a column (right)."""
    (x, y), (nx, ny) = a, (len(in_shapes[0]), len(in_shapes[1]))
    if nx == 1 and ny == 1:
        return f"{g} * {y}" if i == 0 else f"{g} * {x}"
    if max(nx, ny) == 2:
        if i == 0:
            return f"outer({g}, {y})" if ny == 1 else f"{g} @ {y}.T"
        return f"outer({x}, {g})" if nx == 1 else f"{x}.T @ {g}"
    if nx == 1:  # a row against a stack of matrices: x's gradient sums over the stack
        if i == 1:
            return f"{x}[:, None] * {g}[..., None, :]"
        return f"sum({y} * {g}[..., None, :], axis={_axes_text((*range(ny - 2), ny - 1))})"
    if ny == 1:  # a stack of matrices against a column: y's gradient sums over the stack
        if i == 0:
            return f"{g}[..., None] * {y}"
        return f"sum({x} * {g}[..., None], axis={_axes_text(tuple(range(nx - 1)))})"
    full = tuple(out_shape[:-2]) + tuple(in_shapes[i][-2:])  # before undoing broadcasting
    rhs = f"{g} @ {y}.mT" if i == 0 else f"{x}.mT @ {g}"
    return _summed(rhs, in_shapes[i], full)


def _linear_rule(i, g, a, x_shape, out_shape) -> str:
    """``z = x @ W.T + b``; batch axes beyond the first are flattened into rows."""
    x, w = a[0], a[1]
    if i == 0:
        return f"{g} @ {w}"
    if len(x_shape) == 2:
        return f"{g}.T @ {x}" if i == 1 else f"sum({g}, axis=0)"
    if len(x_shape) == 1:
        return f"outer({g}, {x})" if i == 1 else g
    if i == 2:
        return f"sum({g}, axis={_axes_text(tuple(range(len(x_shape) - 1)))})"
    m, k = out_shape[-1], x_shape[-1]
    return f"reshape({g}, (-1, {m})).T @ reshape({x}, (-1, {k}))"


def _reduction_rule(op, g, x, x_shape, out_shape, extra) -> str:
    """sum, mean and max give the gradient back to the entries they read."""
    axis = extra.get("axis")
    if axis is None or extra.get("keepdims"):
        spread = f"broadcast({g}, {shape_text(x_shape)})"
    else:
        spread = f"broadcast({g}, {shape_text(x_shape)}, axis={axis})"
    if op == "sum":
        return spread
    if op == "mean":
        return f"{spread} / {_size(x_shape) // max(_size(out_shape), 1)}"
    share = f"max_share({x})" if axis is None else f"max_share({x}, axis={axis})"
    return f"{spread} * {share}"


def _move_rule(op, i, g, x, in_shapes, extra) -> str:
    """Moves send the gradient back to where each entry came from."""
    if op == "reshape":
        return f"reshape({g}, {shape_text(in_shapes[0])})"
    if op == "transpose" and extra.get("axes") is not None:
        inverse = tuple(sorted(range(len(extra["axes"])), key=extra["axes"].__getitem__))
        return f"transpose({g}, {inverse})"
    if op == "transpose":
        return f"{g}.T"
    if op == "index":
        return f"scatter({g}, s_[{_index_text(extra['index'])}], like={x})"
    axis = extra["axis"]
    if op == "stack":
        return f"{g}[{':, ' * axis}{i}]"
    start = sum(s[axis] for s in in_shapes[:i])
    return f"{g}[{':, ' * axis}{start}:{start + in_shapes[i][axis]}]"


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
    total = f"sum({expr}, axis={_axes_text(tuple(axes))})"
    if len(axes) > lead:  # a kept axis of length 1 comes back from the sum: restore the shape
        total = f"reshape({total}, {shape_text(shape)})"
    return total


def _axes_text(axes: tuple) -> str:
    return str(axes[0]) if len(axes) == 1 else str(axes)


def _index_text(index) -> str:
    """An index as it is written inside brackets: ``1:3, 0``, ``[0, 2, 2]``, ``...``."""
    items = index if isinstance(index, tuple) else (index,)
    return ", ".join(_index_item(i) for i in items)


def _index_item(i) -> str:
    if i is None:
        return "None"
    if i is Ellipsis:
        return "..."
    if isinstance(i, slice):
        text = ":".join("" if v is None else str(v) for v in (i.start, i.stop, i.step))
        return text[:-1] if i.step is None else text
    if isinstance(i, np.ndarray | list):
        values = np.asarray(i)
        return (
            str(values.tolist()) if values.size <= 12 else f"<{values.dtype} array {values.shape}>"
        )
    return str(i)


def number_text(v) -> str:
    """A number as short as it can be written and still read back as the same value."""
    v = np.asarray(v)[()]  # a NumPy scalar keeps its own precision (float32 0.1 is "0.1")
    short = f"{float(v):g}"
    return short if type(v)(short) == v else str(v)
