"""See inside a computation: traced forward and backward passes, their notation, their drawing.

:func:`trace` records every operation of a forward and backward pass on the tensor engine
(layer, formula, shapes, parameters, FLOPs, time, gradient norms); the resulting
:class:`Trace` prints as tables, exports to JSON and draws its computation graph.
:func:`to_dot` and :func:`draw` draw any graph (scalar Values, Tensors, traces) with
Graphviz; :mod:`~glassnet.explain.notation` says how each operation is written;
:func:`~glassnet.explain.neurons.sample_arithmetic` walks one sample through an MLP neuron by
neuron. This package hooks into the engines; they never call it.

Examples
--------
>>> import numpy as np
>>> from glassnet import explain, losses, nn
>>> model = nn.MLP([2, 3, 2], seed=0)
>>> with explain.trace() as t:
...     losses.cross_entropy(model(np.ones((5, 2), np.float32)), np.zeros(5, int)).backward()
>>> t.summary()["forward"]["flops"]  # (2*5*2*3 + 5*3) + 15 + (2*5*3*2 + 5*2) + (4*5*2 + 3*5)
215
"""

from .drawing import Drawing, draw, to_dot
from .trace import Trace, trace

__all__ = ["trace", "Trace", "to_dot", "draw", "Drawing"]
