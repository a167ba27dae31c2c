"""Undoing broadcasting: the one place where it happens.

When a forward op broadcasts an operand of shape ``shape`` up to the output's shape, the
chain rule sends back a gradient of the output's shape. Every copy of an entry received a
share of that gradient, so the operand's gradient is the sum over the broadcast axes:
the leading axes NumPy prepended and the axes where the operand had length 1.
"""

from __future__ import annotations

import numpy as np


def sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes that broadcasting added, so that it has ``shape``.

    Examples
    --------
    >>> import numpy as np
    >>> sum_to(np.ones((4, 3)), (3,)).tolist()
    [4.0, 4.0, 4.0]
    >>> sum_to(np.ones((4, 3)), (4, 1)).tolist()
    [[3.0], [3.0], [3.0], [3.0]]
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)  # (..., n, ...) -> (..., 1, ...)
    return g.reshape(shape)
