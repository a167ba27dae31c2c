"""``Parameter`` and ``Module``: the containers every layer and model is built from.

A :class:`Module` registers every :class:`Parameter` and sub-module assigned to one of its
attributes, in assignment order, as PyTorch does. That single rule gives the rest:
``parameters()`` walks the tree depth-first (a module's own parameters, then its
sub-modules'), names are the attribute paths joined by dots (``layers.0.weight``), and
``state_dict()`` / ``load_state_dict()`` move the arrays in and out under those names.

Registered objects also stay ordinary instance attributes, so ``self.weight`` in a
``forward`` costs one dictionary lookup and nothing more.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import GlassnetError, ShapeError
from ..tensor import Tensor, no_grad
from ..tensor.tensor import _trace_hook

__all__ = ["Parameter", "Module", "IncompatibleKeys", "predict_logits"]


class Parameter(Tensor):
    """A :class:`~glassnet.Tensor` that a :class:`Module` learns: ``requires_grad=True``.

    Assigning a Parameter to a Module attribute registers it, so that ``parameters()``,
    ``state_dict()`` and the optimizers find it.

    Parameters
    ----------
    data : array_like
        The initial values (float arrays are used as they are, not copied).
    requires_grad : bool
        Set to False to freeze the parameter (optimizers skip it: it gets no gradient).
    dtype : numpy dtype, optional
        Convert the data to this dtype.

    Examples
    --------
    >>> w = Parameter([1.0, 2.0])
    >>> w.requires_grad, w.dtype
    (True, dtype('float32'))
    """

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, dtype=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: names missing from the state, and
    names in the state that the model does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers and models.

    Subclasses call ``super().__init__()`` first, assign their Parameters and sub-modules
    as attributes, and define ``forward``. Calling the module calls ``forward``.

    Attributes
    ----------
    training : bool
        True in training mode (the default), False after ``eval()``. Only layers that
        behave differently in the two modes (``Dropout``) read it.

    Examples
    --------
    >>> from glassnet.nn import Linear, ReLU
    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = Linear(3, 4, seed=0)
    ...         self.act = ReLU()
    ...         self.out = Linear(4, 1, seed=1)
    ...
    ...     def forward(self, x):
    ...         return self.out(self.act(self.hidden(x)))
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> model.num_parameters()  # 3*4 + 4 + 4*1 + 1
    21
    >>> model(np.ones((2, 3))).shape
    (2, 1)
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # -- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        registry = self.__dict__.get("_parameters")
        if registry is None and isinstance(value, (Parameter, Module)):
            raise GlassnetError(
                f"{type(self).__name__}: call super().__init__() in __init__ before assigning "
                f"the {type(value).__name__} '{name}'"
            )
        if registry is not None:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
            if isinstance(value, Parameter):
                self._parameters[name] = value
            elif isinstance(value, Module):
                self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def add_module(self, name: str, module: Module) -> None:
        """Register ``module`` under ``name`` (for names that are not identifiers, e.g. "0")."""
        setattr(self, name, module)

    # -- the forward pass ------------------------------------------------------------------
    def forward(self, *args):
        """The computation of this module; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        tracer = _trace_hook.tracer
        if tracer is None:
            return self.forward(*args, **kwargs)
        return tracer.call_module(self, args, kwargs)  # inside glassnet.trace(): name the ops

    # -- walking the tree ------------------------------------------------------------------
    def named_children(self) -> list[tuple[str, Module]]:
        """The direct sub-modules with their attribute names, in assignment order."""
        return list(self._modules.items())

    def children(self) -> list[Module]:
        """The direct sub-modules, in assignment order."""
        return list(self._modules.values())

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """This module (named ``prefix``) and every module below it, depth-first."""
        out = [(prefix, self)]
        for name, child in self._modules.items():
            out.extend(child.named_modules(f"{prefix}.{name}" if prefix else name))
        return out

    def modules(self) -> list[Module]:
        """This module and every module below it, depth-first."""
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Parameter]]:
        """Every parameter with its dotted name (``layers.0.weight``).

        The order is PyTorch's: a module's own parameters in assignment order, then those of
        each sub-module, depth-first. A parameter shared by two modules is listed once, under
        its first name.
        """
        seen: dict[int, None] = {}  # identity memo only; the order comes from the walk
        out = []
        for mod_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen[id(p)] = None
                    out.append((f"{mod_name}.{name}" if mod_name else name, p))
        return out

    def parameters(self) -> list[Parameter]:
        """Every parameter, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self, trainable_only: bool = False) -> int:
        """The number of learned numbers (entries of all parameters)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    # -- modes and gradients -----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and all below."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad`` becomes None)."""
        for p in self.parameters():
            p.grad = None

    # -- saving and loading ------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, keyed by dotted name, in parameter order."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state, strict: bool = True) -> IncompatibleKeys:
        """Copy the arrays of ``state`` into this module's parameters, in place.

        Each array is converted to the dtype of the parameter it replaces. Nothing is
        copied unless every entry fits.

        Parameters
        ----------
        state : mapping of str to array_like
            Typically the result of ``state_dict()``.
        strict : bool
            If True, a name missing from ``state`` or a name the module does not have is an
            error; if False, those are skipped and reported in the return value. A shape
            mismatch is an error either way.

        Returns
        -------
        IncompatibleKeys
            ``(missing_keys, unexpected_keys)``, empty lists when everything matched.

        Raises
        ------
        ShapeError
            Naming every missing, unexpected and mis-shaped entry (with both shapes).
        GlassnetError
            If an array's dtype cannot be converted to its parameter's (e.g. complex).

        Examples
        --------
        >>> from glassnet.nn import Linear
        >>> a, b = Linear(2, 3, seed=0), Linear(2, 3, seed=1)
        >>> b.load_state_dict(a.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool(np.array_equal(a.weight.data, b.weight.data))
        True
        """
        params = dict(self.named_parameters())
        arrays = {k: np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in state.items()}
        missing = [k for k in params if k not in arrays]
        unexpected = [k for k in arrays if k not in params]
        misshaped = [
            f"{k}: the model has shape {params[k].shape}, the state {arrays[k].shape}"
            for k in params
            if k in arrays and arrays[k].shape != params[k].shape
        ]
        if misshaped or (strict and (missing or unexpected)):
            raise ShapeError(_mismatch_message(type(self).__name__, missing, unexpected, misshaped))
        uncastable = [
            f"{k} ({arrays[k].dtype} into {p.dtype})"
            for k, p in params.items()
            if k in arrays and not np.can_cast(arrays[k].dtype, p.dtype, casting="same_kind")
        ]
        if uncastable:
            raise GlassnetError(
                f"load_state_dict: cannot convert the dtype of {', '.join(uncastable)}"
            )
        for k, p in params.items():
            if k in arrays:
                np.copyto(p.data, arrays[k], casting="same_kind")
        return IncompatibleKeys(missing, unexpected)

    # -- printing ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown between the parentheses of this module's repr."""
        return ""

    def _own_parameters_note(self) -> str:
        if not self._parameters:
            return ""
        shapes = ", ".join(f"{n} {p.shape}" for n, p in self._parameters.items())
        count = sum(p.size for p in self._parameters.values())
        return f"  # {shapes}: {count:,} parameters"

    def _repr_lines(self) -> list[str]:
        head, extra = f"{type(self).__name__}(", self.extra_repr()
        if not self._modules:
            return [f"{head}{extra}){self._own_parameters_note()}"]
        lines = [head + self._own_parameters_note()]
        if extra:
            lines.append(f"  {extra}")
        for name, child in self._modules.items():
            sub = child._repr_lines()
            lines.append(f"  ({name}): {sub[0]}")
            lines.extend(f"  {s}" for s in sub[1:])
        lines.append(")")
        return lines

    def __repr__(self) -> str:
        lines = self._repr_lines()
        if self._modules:
            total, trainable = self.num_parameters(), self.num_parameters(trainable_only=True)
            frozen = f" ({trainable:,} trainable)" if trainable != total else ""
            lines.append(f"Total parameters: {total:,}{frozen}")
        return "\n".join(lines)


def _mismatch_message(owner: str, missing, unexpected, misshaped) -> str:
    parts = [f"load_state_dict: the state does not fit this {owner}:"]
    if missing:
        parts.append(f"  missing (in the model, not in the state): {', '.join(missing)}")
    if unexpected:
        parts.append(f"  unexpected (in the state, not in the model): {', '.join(unexpected)}")
    parts.extend(f"  mis-shaped {line}" for line in misshaped)
    return "\n".join(parts)


def predict_logits(model, X, batch_size: int = 1024) -> np.ndarray:
    """The model's raw outputs for ``X``, in eval mode and without recording a graph.

    Examples
    --------
    >>> from glassnet import nn
    >>> nn.predict_logits(nn.MLP([4, 3], seed=0), np.zeros((5, 4), np.float32)).shape
    (5, 3)
    """
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outs = [model(X[i : i + batch_size]).data for i in range(0, max(len(X), 1), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outs)
