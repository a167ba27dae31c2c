"""Layers with parameters or state: ``Linear``, ``Dropout``, ``Sequential`` and ``MLP``.

A dense layer computes ``z = x @ W.T + b`` for a batch ``x`` of shape
(n_samples, in_features), with ``W`` of shape (out_features, in_features) as in PyTorch.
The affine map runs as one fused engine op (``glassnet.tensor.ops.linear``), whose
derivatives live in the engine.
"""

from __future__ import annotations

import numpy as np

from ..checks import nonnegative_int, one_of, positive_int, probability
from ..errors import GlassnetError, SettingError, ShapeError
from ..tensor import Tensor, ops
from .activations import ACTIVATIONS
from .init import INITS, glorot_uniform, he_normal, init_for_activation, make_rng
from .module import Module, Parameter

__all__ = ["Linear", "Dropout", "Sequential", "MLP"]


def _float_dtype(dtype, owner: str) -> np.dtype:
    return np.dtype(one_of(np.dtype(dtype).name, ("float32", "float64"), "dtype", owner))


class Linear(Module):
    """A dense (fully connected) layer: ``z = x @ W.T + b``.

    Parameters
    ----------
    in_features, out_features : int
        Width of the input and of the output.
    bias : bool
        Whether to add a learned bias ``b`` (initialised to zero).
    init : {'he', 'glorot'}
        Initialisation of ``W`` (``'kaiming'`` and ``'xavier'`` are accepted too): He
        normal suits ReLU-family activations, Glorot uniform tanh and sigmoid; see
        :mod:`glassnet.nn.init`.
    seed : int, optional
        Seed of the initialisation: the same seed gives the same weights.
    rng : numpy.random.Generator, optional
        A generator to draw the weights from instead (an MLP passes one to all its layers).
    dtype : {float32, float64}
        dtype of the parameters.

    Attributes
    ----------
    weight : Parameter of shape (out_features, in_features)
    bias : Parameter of shape (out_features,), or None

    Raises
    ------
    ShapeError
        When called on an input whose last dimension is not ``in_features``.

    Examples
    --------
    >>> layer = Linear(4, 16, seed=0)
    >>> layer.weight.shape, layer.bias.shape
    ((16, 4), (16,))
    >>> layer(np.ones((32, 4))).shape
    (32, 16)
    >>> Linear(4, 8, seed=0)(np.ones((2, 3)))
    Traceback (most recent call last):
    ...
    glassnet.errors.ShapeError: Linear(4 -> 8) got input of shape (2, 3): expected 4 features, got 3
    """

    def __init__(
        self,
        in_features,
        out_features,
        bias=True,
        init="he",
        seed=None,
        rng=None,
        dtype=np.float32,
    ):
        super().__init__()
        name = f"Linear({in_features} -> {out_features})"
        self.in_features = positive_int(in_features, "in_features", name)
        self.out_features = positive_int(out_features, "out_features", name)
        dtype = _float_dtype(dtype, name)
        self.init = INITS[one_of(init, INITS, "init", name)]
        gen = make_rng(seed, rng, name)
        shape = (self.out_features, self.in_features)
        if self.init == "he":
            W = he_normal(shape, self.in_features, gen, dtype)
        else:
            W = glorot_uniform(shape, self.in_features, self.out_features, gen, dtype)
        self.weight = Parameter(W)
        self.bias = Parameter(np.zeros(self.out_features, dtype=dtype)) if bias else None

    def forward(self, x) -> Tensor:
        """``x @ W.T + b``: (n_samples, in_features) -> (n_samples, out_features).

        A NumPy array input is converted to the layer's dtype first.
        """
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.data.dtype)
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear({self.in_features} -> {self.out_features}) got input of shape "
                f"{shape}: expected {self.in_features} features, "
                f"got {shape[-1] if shape else 'a scalar'}"
            )
        return ops.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Dropout(Module):
    """Inverted dropout: in training, zero each entry with probability ``p`` and scale the
    survivors by ``1 / (1 - p)``, so the expected output equals the input; in evaluation
    mode (``eval()``), return the input unchanged.

    Parameters
    ----------
    p : float in [0, 1]
        Probability of dropping an entry.
    seed : int, optional
        Seed of the masks.
    rng : numpy.random.Generator, optional
        A generator to draw the masks from instead.

    Attributes
    ----------
    rng : numpy.random.Generator
        The mask generator. Its state, ``rng.bit_generator.state`` (a dict), can be saved in
        a checkpoint and assigned back to resume with the same masks.

    Examples
    --------
    >>> drop = Dropout(0.5, seed=0)
    >>> y = drop(np.ones((2, 4)))
    >>> sorted(set(y.data.ravel().tolist()))  # dropped, or kept and doubled
    [0.0, 2.0]
    >>> drop.eval()(np.ones(3)).tolist()       # evaluation mode: the input itself
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, seed=None, rng=None):
        super().__init__()
        self.p = probability(p, "p", "Dropout")
        self.rng = make_rng(seed, rng, f"Dropout(p={p})")

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if not isinstance(x, Tensor):
            x = Tensor(x)
        keep = self.rng.random(x.data.shape, dtype=np.float32) >= self.p  # P(keep) = 1 - p
        mask = keep.astype(x.data.dtype)
        mask *= 1.0 / (1.0 - self.p) if self.p < 1.0 else 0.0
        return x * mask  # the engine's mul: d/dx = mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Sequential(Module):
    """Modules applied one after the other; their names are "0", "1", ...

    Also accepts a single dict of name -> module, to choose the names.

    Examples
    --------
    >>> from glassnet.nn import ReLU
    >>> net = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    >>> len(net), type(net[1]).__name__
    (3, 'ReLU')
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> net(np.ones((5, 2))).shape
    (5, 1)
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            if not isinstance(m, Module):
                raise GlassnetError(
                    f"Sequential: entry {name} is a {type(m).__name__}, not a Module"
                )
            self.add_module(name, m)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end, named by its position."""
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(dict(items[index]))
        return items[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules.values()))


def _per_layer(activation, n_hidden: int) -> list[str]:
    """One activation name per hidden layer (at least one, for the output layer's init)."""
    if not isinstance(activation, (list, tuple)):
        return [activation] * max(n_hidden, 1)
    if len(activation) != n_hidden or n_hidden == 0:
        raise SettingError(
            f"MLP: activation lists one name per hidden layer, {n_hidden} here; "
            f"got {len(activation)} ({', '.join(map(str, activation))})"
        )
    return list(activation)


_MLP_KEYS = ("sizes", "activation", "dropout", "seed", "dtype")


class MLP(Module):
    """A multi-layer perceptron: ``Linear`` layers with an activation between them and a
    linear output layer.

    ``MLP([4, 6, 4, 2])`` is Linear(4 -> 6), ReLU, Linear(6 -> 4), ReLU, Linear(4 -> 2),
    held in ``self.layers`` (a :class:`Sequential`). The parameters are named
    ``layers.0.weight``, ``layers.0.bias``, ``layers.2.weight``, ... (the activations take
    the odd positions); with ``dropout > 0`` each activation is followed by a
    :class:`Dropout`, so the Linear layers sit at positions 0, 3, 6, ...

    Parameters
    ----------
    sizes : list of int
        Widths from input to output, at least two: ``[n_inputs, hidden..., n_outputs]``.
    activation : {'relu', 'leaky_relu', 'tanh', 'sigmoid', 'identity'} or list of them
        Activation of the hidden layers: one name for all, or a list with one name per
        hidden layer. A Linear layer is initialised He normal when the activation after it
        is 'relu' or 'leaky_relu', Glorot uniform otherwise; the output layer as the last
        hidden layer.
    dropout : float
        Dropout probability after each hidden activation (0 for none).
    seed : int, optional
        Seed of the whole model: all weights are drawn in order from one generator made
        from it, and each Dropout layer gets an independent child generator.
    dtype : {float32, float64}
        dtype of the parameters.

    Attributes
    ----------
    sizes, activation, dropout, seed, dtype
        The settings, as given (``dtype`` as a string); ``config()`` returns them.
    layers : Sequential

    Examples
    --------
    >>> model = MLP([4, 6, 4, 2], seed=0)
    >>> [name for name, _ in model.named_parameters()][:3]
    ['layers.0.weight', 'layers.0.bias', 'layers.2.weight']
    >>> model.num_parameters()  # (4*6 + 6) + (6*4 + 4) + (4*2 + 2)
    68
    >>> model(np.ones((10, 4))).shape
    (10, 2)
    >>> MLP.from_config(model.config()).state_dict()["layers.0.weight"].shape
    (6, 4)
    >>> [type(m).__name__ for m in MLP([2, 3, 3, 1], activation=["tanh", "relu"]).layers]
    ['Linear', 'Tanh', 'Linear', 'ReLU', 'Linear']
    """

    def __init__(self, sizes, activation="relu", dropout=0.0, seed=None, dtype=np.float32):
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ShapeError(f"MLP: sizes needs an input and an output width, got {sizes}")
        self.sizes = [positive_int(n, "every size", f"MLP({sizes})") for n in sizes]
        per_layer = _per_layer(activation, len(self.sizes) - 2)
        inits = [init_for_activation(a) for a in per_layer]
        self.activation = list(activation) if isinstance(activation, (list, tuple)) else activation
        self.dropout = probability(dropout, "dropout", "MLP", below_one=True)
        self.seed = None if seed is None else nonnegative_int(seed, "seed", "MLP")
        self.dtype = _float_dtype(dtype, "MLP").name
        self.layers = Sequential(*self._build(per_layer, inits))

    def _build(self, activations: list[str], inits: list[str]) -> list[Module]:
        seq = np.random.SeedSequence(self.seed)
        n_hidden = len(self.sizes) - 2
        drop_seeds = seq.spawn(n_hidden) if self.dropout > 0 else []
        rng = np.random.default_rng(seq)  # draws the same numbers as default_rng(seed)
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            init = inits[min(i, len(inits) - 1)]  # the output layer: as the last hidden one
            layers.append(Linear(n_in, n_out, init=init, rng=rng, dtype=self.dtype))
            if i < n_hidden:
                layers.append(ACTIVATIONS[activations[i]]())
                if self.dropout > 0:
                    layers.append(Dropout(self.dropout, rng=np.random.default_rng(drop_seeds[i])))
        return layers

    def forward(self, x) -> Tensor:
        """(n_samples, sizes[0]) -> (n_samples, sizes[-1])."""
        return self.layers(x)

    def config(self) -> dict:
        """The settings that rebuild this architecture, as a JSON-serialisable dict."""
        return {key: getattr(self, key) for key in _MLP_KEYS} | {"sizes": list(self.sizes)}

    @classmethod
    def from_config(cls, config: dict) -> MLP:
        """A new MLP from the output of ``config()`` (weights freshly initialised)."""
        unknown = [k for k in config if k not in _MLP_KEYS]
        if unknown or "sizes" not in config:
            raise GlassnetError(
                f"MLP.from_config: expected the keys {', '.join(_MLP_KEYS)} (sizes required), "
                f"got {', '.join(config) or 'none'}"
            )
        return cls(**config)

    def extra_repr(self) -> str:
        drop = f", dropout={self.dropout}" if self.dropout else ""
        return f"sizes={self.sizes}, activation={self.activation!r}{drop}"
