"""Neurons, layers and multi-layer perceptrons built from scalar :class:`Value` objects.

A neuron computes ``a = g(w . x + b)``: the weighted sum of its inputs plus a bias,
passed through an activation ``g``. A layer is a list of neurons reading the same
inputs; an MLP is a list of layers, each reading the previous one's outputs. Hidden
layers use the chosen activation; the last layer is linear (``g(z) = z``), so a
regression output can take any value.
"""

from __future__ import annotations

import numpy as np

from ..checks import one_of, positive_int
from ..errors import ShapeError
from .engine import Value, weighted_sum

__all__ = ["Module", "Neuron", "Layer", "MLP"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
_METHODS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None}
_KIND = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


class Module:
    """Base class: something with parameters whose gradients can be reset.

    Examples
    --------
    >>> n = Neuron(2, seed=0)
    >>> n(([1.0, 2.0])).backward()
    >>> n.zero_grad()
    >>> [p.grad for p in n.parameters()]
    [0.0, 0.0, 0.0]
    """

    def parameters(self) -> list[Value]:
        """All trainable Values, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0.0 (call it before each backward)."""
        for p in self.parameters():
            p.grad = 0.0


def _resolve_activation(owner: str, activation, nonlin) -> str:
    """Map ``activation=`` (a name, or micrograd's bool) and ``nonlin=`` to one name."""
    if isinstance(activation, bool):  # Neuron(3, False), micrograd's positional nonlin
        activation, nonlin = "relu", activation
    if nonlin is not None:
        activation = "relu" if nonlin else "linear"
    if activation is None:
        activation = "linear"
    return one_of(activation, ACTIVATIONS, "activation", owner)


def _check_width(owner: str, **sizes) -> None:
    for name, n in sizes.items():
        positive_int(n, name, owner)


def _as_values(x, owner: str, nin: int) -> list[Value]:
    """Check the number of inputs and wrap plain numbers as Values."""
    x = list(x)
    if len(x) != nin:
        raise ShapeError(f"{owner} expects {nin} inputs, got {len(x)}")
    return [xi if isinstance(xi, Value) else Value(xi) for xi in x]


class Neuron(Module):
    """One neuron: ``g(w . x + b)`` with weights ``w`` ~ U(-1, 1) and bias ``b = 0``.

    Parameters
    ----------
    nin : int
        Number of inputs.
    activation : {'relu', 'tanh', 'sigmoid', 'linear'} or None
        The activation ``g``; None means linear.
    nonlin : bool, optional
        micrograd's switch: True is 'relu', False is 'linear'. Overrides ``activation``.
    seed : int, optional
        Seed of the weight initialisation; the same seed gives the same weights.
    rng : numpy.random.Generator, optional
        A generator to draw from instead of ``seed`` (layers share one among their
        neurons).

    Examples
    --------
    >>> n = Neuron(3, activation="tanh", seed=0)
    >>> y = n([1.0, -2.0, 0.5])
    >>> y._op, len(n.parameters())
    ('tanh', 4)
    """

    def __init__(self, nin: int, activation="relu", *, nonlin=None, seed=None, rng=None):
        _check_width(f"Neuron({nin!r})", nin=nin)
        self.activation = _resolve_activation(f"Neuron({nin})", activation, nonlin)
        rng = np.random.default_rng(seed) if rng is None else rng
        self.w = [Value(float(wi), label=f"w{i}") for i, wi in enumerate(rng.uniform(-1, 1, nin))]
        self.b = Value(0.0, label="b")
        self._g = _METHODS[self.activation]

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True when the activation is not linear."""
        return self.activation != "linear"

    def __call__(self, x) -> Value:
        """Output ``g(w . x + b)`` for inputs ``x`` (Values or numbers), one Value."""
        return self._forward(_as_values(x, repr(self), len(self.w)))

    def _forward(self, x: list[Value]) -> Value:
        z = weighted_sum(self.w, x, self.b)
        return z if self._g is None else self._g(z)

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def _relabel(self, prefix: str) -> None:
        for i, wi in enumerate(self.w):
            wi.label = f"{prefix}w{i}"
        self.b.label = f"{prefix}b"

    def __repr__(self) -> str:
        return f"{_KIND[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs.

    Parameters
    ----------
    nin, nout : int
        Number of inputs and of neurons (outputs).
    activation, nonlin, seed, rng
        As for :class:`Neuron`; one generator initialises all the neurons in turn.

    Examples
    --------
    >>> layer = Layer(3, 2, seed=0)
    >>> out = layer([1.0, 2.0, 3.0])
    >>> len(out), len(Layer(3, 1, seed=0)([1.0, 2.0, 3.0]))   # always a list
    (2, 1)
    """

    def __init__(self, nin: int, nout: int, activation="relu", *, nonlin=None, seed=None, rng=None):
        _check_width(f"Layer({nin!r}, {nout!r})", nin=nin, nout=nout)
        rng = np.random.default_rng(seed) if rng is None else rng
        act = _resolve_activation(f"Layer({nin}, {nout})", activation, nonlin)
        self.neurons = [Neuron(nin, act, rng=rng) for _ in range(nout)]
        self._relabel("")

    def __call__(self, x) -> list[Value]:
        """Outputs of all neurons for inputs ``x``: a list of ``nout`` Values."""
        x = _as_values(x, f"Layer({len(self.neurons[0].w)}, {len(self.neurons)})", self.nin)
        return [n._forward(x) for n in self.neurons]

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _relabel(self, prefix: str) -> None:
        for j, n in enumerate(self.neurons):
            n._relabel(f"{prefix}n{j}.")

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: hidden layers with ``activation``, a linear last layer.

    Parameters
    ----------
    nin : int
        Number of inputs.
    nouts : list of int
        Width of each layer, the last one being the output layer.
    activation : {'relu', 'tanh', 'sigmoid', 'linear'}
        Activation of the hidden layers.
    nonlin : bool, optional
        micrograd-style switch for the hidden layers (True is 'relu').
    seed : int, optional
        Seed of the initialisation; the same seed gives the same weights.

    Examples
    --------
    >>> model = MLP(2, [16, 16, 1], seed=0)      # micrograd's moons model
    >>> len(model.parameters())
    337
    >>> y = model([0.5, -1.0])                   # one output: a single Value
    >>> type(y).__name__
    'Value'
    >>> len(MLP(2, [4, 3], seed=0)([0.5, -1.0]))  # several outputs: a list
    3
    """

    def __init__(self, nin: int, nouts, activation="relu", *, nonlin=None, seed=None):
        nouts = list(nouts)
        if not nouts:
            raise ShapeError(f"MLP({nin}, {nouts}): needs at least one layer width")
        _check_width(f"MLP({nin!r}, {nouts!r})", nin=nin)
        act = _resolve_activation(f"MLP({nin}, {nouts})", activation, nonlin)
        rng = np.random.default_rng(seed)
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], act if i != last else "linear", rng=rng)
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers):
            layer._relabel(f"L{i}.")

    def __call__(self, x):
        """Forward pass: one Value if the last layer has one neuron, else a list."""
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
