"""The optimizers: a base class holding parameters and state, and SGD, Adam, AdamW, RMSprop.

Each ``_update`` works in place on the parameter's array with per-parameter buffers
allocated once, and reads the gradient without modifying it.
"""

from __future__ import annotations

import math

import numpy as np

from ..checks import nonnegative_float, probability
from ..errors import DomainError, GlassnetError, ShapeError
from ..tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop"]


def _named_tensors(params, owner: str) -> tuple[list[str], list[Tensor]]:
    """Keys and tensors from an iterable of tensors or of (name, tensor) pairs."""
    items = list(params)
    named = bool(items) and all(isinstance(it, tuple) and len(it) == 2 for it in items)
    keys = [str(it[0]) for it in items] if named else [str(i) for i in range(len(items))]
    tensors = [it[1] for it in items] if named else items
    for key, p in zip(keys, tensors):
        if not isinstance(p, Tensor):
            raise GlassnetError(f"{owner}: parameter {key} is a {type(p).__name__}, not a Tensor")
    return keys, tensors


class Optimizer:
    """Base class: parameters, per-parameter state, ``step()``, ``zero_grad()`` and saving.

    Subclasses set their hyper-parameters as attributes, list their names in ``_hyper``,
    and define ``_update(w, g, state, key)``, which changes ``w`` (a parameter's data) in
    place given its gradient ``g`` and its state dict.

    Attributes
    ----------
    params : list of Tensor
    keys : list of str
        The parameter names, or their positions as strings.
    state : dict
        Per-parameter buffers, by key.
    steps : int
        The number of ``step()`` calls so far.
    """

    _hyper: tuple[str, ...] = ("lr",)

    def __init__(self, params):
        owner = type(self).__name__
        self.keys, self.params = _named_tensors(params, owner)
        if not self.params:
            raise GlassnetError(f"{owner}: got an empty list of parameters")
        first: dict[int, str] = {}
        for key, p in zip(self.keys, self.params):
            if id(p) in first:
                raise GlassnetError(f"{owner}: parameter {key} is the same as {first[id(p)]}")
            first[id(p)] = key
        if len(set(self.keys)) != len(self.keys):
            raise GlassnetError(f"{owner}: two parameters share a name")
        self.state: dict[str, dict] = {key: {} for key in self.keys}
        self.steps = 0
        self._scratch: dict[tuple[str, int], np.ndarray] = {}  # work arrays, not state

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for key, p in zip(self.keys, self.params):
            if p.grad is not None:
                self._update(p.data, p.grad, self.state[key], key)
        self.steps += 1

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, key: str) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad`` becomes None)."""
        for p in self.params:
            p.grad = None

    def _tmp(self, key: str, w: np.ndarray, i: int = 0) -> np.ndarray:
        """Work array number ``i`` for parameter ``key``, allocated on first use."""
        t = self._scratch.get((key, i))
        if t is None or t.shape != w.shape or t.dtype != w.dtype:
            t = self._scratch[(key, i)] = np.empty_like(w)
        return t

    def _decayed(self, key: str, w: np.ndarray, g: np.ndarray, weight_decay: float):
        """``g + weight_decay * w`` (L2 regularisation), in a work array; ``g`` if no decay."""
        if not weight_decay:
            return g
        t = self._tmp(key, w, 1)
        np.multiply(w, weight_decay, out=t)
        t += g
        return t

    # -- saving and loading ------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The optimizer's type, hyper-parameters, step count and copied buffers."""
        return {
            "type": type(self).__name__,
            "hyper": {name: getattr(self, name) for name in self._hyper},
            "step": self.steps,
            "state": {
                key: {name: np.array(v, copy=True) for name, v in s.items()}
                for key, s in self.state.items()
            },
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned; checked in full before anything changes.

        Raises
        ------
        GlassnetError
            For a state of another optimizer type, missing or unknown hyper-parameters, or
            parameter keys that differ from this optimizer's.
        ShapeError
            For a buffer whose shape is not its parameter's.
        """
        owner = type(self).__name__
        if state_dict.get("type") != owner:
            raise GlassnetError(
                f"{owner}.load_state_dict: the state is of a {state_dict.get('type')}"
            )
        hyper, saved = dict(state_dict["hyper"]), dict(state_dict["state"])
        if sorted(hyper) != sorted(self._hyper) or sorted(saved) != sorted(self.keys):
            raise GlassnetError(
                f"{owner}.load_state_dict: expected hyper-parameters {list(self._hyper)} and "
                f"parameters {self.keys}, got {list(hyper)} and {list(saved)}"
            )
        new_state = {
            key: self._restore(key, p, saved[key]) for key, p in zip(self.keys, self.params)
        }
        for name in self._hyper:
            setattr(self, name, type(getattr(self, name))(hyper[name]))
        self.steps = int(state_dict["step"])
        self.state = new_state

    def _restore(self, key: str, p: Tensor, buffers: dict) -> dict:
        out = {}
        for name, v in buffers.items():
            v = np.asarray(v)
            if v.ndim == 0 and np.issubdtype(v.dtype, np.integer):
                out[name] = int(v)  # a counter
            elif v.shape != p.shape:
                raise ShapeError(
                    f"{type(self).__name__}.load_state_dict: {key}.{name} has shape {v.shape}, "
                    f"the parameter {p.shape}"
                )
            else:
                out[name] = np.array(v, dtype=p.dtype, copy=True)
        return out

    def __repr__(self) -> str:
        hyper = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._hyper)
        return f"{type(self).__name__}({len(self.params)} parameters, {hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 decay.

    With ``g = grad + weight_decay * w``, PyTorch's rule::

        b = g                                  (first step)
        b = momentum * b + (1 - dampening) * g (later steps)
        d = g + momentum * b if nesterov else b   (d = g when momentum = 0)
        w = w - lr * d

    Parameters
    ----------
    params : iterable of Tensor, or of (name, Tensor) pairs
    lr : float
        Learning rate.
    momentum, dampening : float
        Momentum factor and the share of the new gradient it discounts.
    nesterov : bool
        Use Nesterov momentum (needs momentum > 0 and no dampening).
    weight_decay : float
        L2 penalty factor, added to the gradient.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> w = Parameter([1.0, -2.0], dtype="float64")
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()  # grad = 2 w
    >>> opt.step()
    >>> w.data.tolist()  # w - 0.1 * 2 w
    [0.8, -1.6]
    """

    _hyper = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params)
        self.lr = nonnegative_float(lr, "lr", "SGD")
        self.momentum = nonnegative_float(momentum, "momentum", "SGD")
        self.dampening = probability(dampening, "dampening", "SGD")
        self.weight_decay = nonnegative_float(weight_decay, "weight_decay", "SGD")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise DomainError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, w, g, state, key):
        g = self._decayed(key, w, g, self.weight_decay)
        t = self._tmp(key, w)
        if self.momentum:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = np.array(g, dtype=w.dtype)
            else:
                b *= self.momentum
                if self.dampening:
                    np.multiply(g, 1.0 - self.dampening, out=t)
                    b += t
                else:
                    b += g
            if self.nesterov:
                np.multiply(b, self.momentum, out=t)
                t += g
                g = t
            else:
                g = b
        np.multiply(g, self.lr, out=t)
        w -= t


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): steps scaled by running averages of the gradient and of
    its square, with bias correction.

    With ``g = grad + weight_decay * w`` and ``t`` the parameter's step number (from 1)::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        w = w - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Parameters
    ----------
    params : iterable of Tensor, or of (name, Tensor) pairs
    lr : float
    betas : (float, float)
        Decay rates of the two averages, in [0, 1).
    eps : float
        Added to the denominator, for stability.
    weight_decay : float
        L2 penalty factor, added to the gradient (see :class:`AdamW` for decoupled decay).

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> w = Parameter([1.0, -2.0], dtype="float64")
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()  # the first Adam step moves each entry by about lr
    >>> np.round(w.data, 4).tolist()
    [0.9, -1.9]
    """

    _hyper = ("lr", "beta1", "beta2", "eps", "weight_decay")
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        owner = type(self).__name__
        self.lr = nonnegative_float(lr, "lr", owner)
        self.beta1 = probability(betas[0], "betas[0]", owner, below_one=True)
        self.beta2 = probability(betas[1], "betas[1]", owner, below_one=True)
        self.eps = nonnegative_float(eps, "eps", owner)
        self.weight_decay = nonnegative_float(weight_decay, "weight_decay", owner)

    @property
    def betas(self) -> tuple[float, float]:
        """``(beta1, beta2)``, as given to the constructor."""
        return (self.beta1, self.beta2)

    def _update(self, w, g, state, key):
        if self._decoupled:
            w *= 1.0 - self.lr * self.weight_decay
        else:
            g = self._decayed(key, w, g, self.weight_decay)
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(w), exp_avg_sq=np.zeros_like(w))
        state["step"] += 1
        t, m, v, s = state["step"], state["exp_avg"], state["exp_avg_sq"], self._tmp(key, w)
        b1, b2 = self.beta1, self.beta2
        m *= b1
        np.multiply(g, 1.0 - b1, out=s)
        m += s
        v *= b2
        np.multiply(g, g, out=s)
        s *= 1.0 - b2
        v += s
        np.sqrt(v, out=s)
        s /= math.sqrt(1.0 - b2**t)
        s += self.eps  # s: the denominator
        np.divide(m, s, out=s)
        s *= self.lr / (1.0 - b1**t)
        w -= s


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Before the Adam step (on the plain gradient), the weights shrink:
    ``w = w * (1 - lr * weight_decay)``. Default ``weight_decay=1e-2``.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> w = Parameter([1.0])
    >>> w.grad = np.zeros(1, dtype=np.float32)  # no gradient: only the decay acts
    >>> AdamW([w], lr=0.5, weight_decay=0.1).step()
    >>> w.data.tolist()  # 1 * (1 - 0.5 * 0.1)
    [0.949999988079071]
    """

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): steps divided by a running root-mean-square of the gradient.

    With ``g = grad + weight_decay * w``, PyTorch's rule::

        v = alpha * v + (1 - alpha) * g**2
        a = g_avg = alpha * g_avg + (1 - alpha) * g       (centered only)
        d = sqrt(v - g_avg**2) if centered else sqrt(v)
        b = momentum * b + g / (d + eps);  w = w - lr * b  (momentum > 0)
        w = w - lr * g / (d + eps)                          (momentum = 0)

    Parameters
    ----------
    params : iterable of Tensor, or of (name, Tensor) pairs
    lr, alpha, eps, momentum, weight_decay : float
    centered : bool
        Divide by an estimate of the gradient's standard deviation instead of its RMS.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> w = Parameter([1.0], dtype="float64")
    >>> opt = RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()  # first step: 0.01 * 2 / sqrt(0.01 * 4) = 0.1
    >>> np.round(w.data, 6).tolist()
    [0.9]
    """

    _hyper = ("lr", "alpha", "eps", "momentum", "weight_decay", "centered")

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        momentum=0.0,
        weight_decay=0.0,
        centered=False,
    ):
        super().__init__(params)
        self.lr = nonnegative_float(lr, "lr", "RMSprop")
        self.alpha = probability(alpha, "alpha", "RMSprop")
        self.eps = nonnegative_float(eps, "eps", "RMSprop")
        self.momentum = nonnegative_float(momentum, "momentum", "RMSprop")
        self.weight_decay = nonnegative_float(weight_decay, "weight_decay", "RMSprop")
        self.centered = bool(centered)

    def _update(self, w, g, state, key):
        g = self._decayed(key, w, g, self.weight_decay)
        if not state:
            state["square_avg"] = np.zeros_like(w)
            if self.centered:
                state["grad_avg"] = np.zeros_like(w)
            if self.momentum:
                state["momentum_buffer"] = np.zeros_like(w)
        v, s, a = state["square_avg"], self._tmp(key, w), self.alpha
        v *= a
        np.multiply(g, g, out=s)
        s *= 1.0 - a
        v += s
        if self.centered:
            ga = state["grad_avg"]
            ga *= a
            np.multiply(g, 1.0 - a, out=s)
            ga += s
            np.multiply(ga, ga, out=s)
            np.subtract(v, s, out=s)
            np.sqrt(s, out=s)
        else:
            np.sqrt(v, out=s)
        s += self.eps
        np.divide(g, s, out=s)  # s: g / (d + eps)
        if self.momentum:
            b = state["momentum_buffer"]
            b *= self.momentum
            b += s
            np.multiply(b, self.lr, out=s)
        else:
            s *= self.lr
        w -= s
