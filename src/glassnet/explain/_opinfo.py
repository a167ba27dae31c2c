"""What each tensor-engine operation means: its formula, its shapes and its cost.

The trace and the graph drawings read this table to write an operation the way the math
does (``z1 = x @ W1.T + b1``, ``dW1 = dz1.T @ x``) and to count its floating-point
operations (FLOPs) by the rule of :mod:`glassnet.explain.trace`.

Shapes are tuples; names are the symbols the trace gave the operands (``x``, ``W1``, ``z1``).
``extra`` carries what a fused loss keeps out of its operands: the target's shape, whether
the targets are class indices or probability rows, and the reduction.
"""

from __future__ import annotations

import math

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
