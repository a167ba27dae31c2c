"""The scalar engine: automatic differentiation one number at a time.

:class:`Value` records how each number was computed; :meth:`Value.backward` carries
gradients back through that graph by the chain rule. :class:`Neuron`, :class:`Layer` and
:class:`MLP` build networks from Values, with the same interface as micrograd.
:func:`glassnet.draw` draws a Value's graph with every value's data and gradient.
"""

from .engine import Value, weighted_sum
from .nn import MLP, Layer, Module, Neuron

__all__ = ["Value", "Neuron", "Layer", "MLP", "Module", "weighted_sum"]
