"""Central-difference gradient checking for both engines.

The analytic gradient comes from ``backward()``; the numerical one from the central
difference ``(f(x + eps) - f(x - eps)) / (2 eps)``, whose error is O(eps**2). The two must
agree to ``atol + rtol * |numeric|`` in every entry. The checker works on scalar
:class:`~glassnet.scalar.Value` inputs (``data`` a Python float) and on
:class:`~glassnet.Tensor` inputs (``data`` a NumPy array), which it promotes to float64
for the duration of the check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import GradcheckError

__all__ = ["gradcheck", "GradcheckReport"]


@dataclass
class GradcheckReport:
    """What :func:`gradcheck` measured: one analytic and one numeric array per input.

    ``bool(report)`` is True when every entry agrees within tolerance.
    """

    analytic: list[np.ndarray]
    numeric: list[np.ndarray]
    atol: float
    rtol: float
    mismatches: list[tuple[int, tuple[int, ...], float, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def __bool__(self) -> bool:
        return self.ok

    @property
    def max_abs_error(self) -> float:
        errs = [np.max(np.abs(a - n), initial=0.0) for a, n in zip(self.analytic, self.numeric)]
        return float(max(errs, default=0.0))

    def __str__(self) -> str:
        if self.ok:
            return f"gradcheck passed: max |analytic - numeric| = {self.max_abs_error:.3g}"
        lines = [
            f"gradcheck failed: {len(self.mismatches)} entries differ by more than "
            f"atol={self.atol:g} + rtol={self.rtol:g} * |numeric|",
            f"{'input':>5}  {'index':<14}{'analytic':>16}{'numeric':>16}{'difference':>14}",
        ]
        for k, idx, a, n in self.mismatches[:20]:
            lines.append(f"{k:>5}  {str(idx):<14}{a:>16.8g}{n:>16.8g}{a - n:>14.3g}")
        if len(self.mismatches) > 20:
            lines.append(f"... and {len(self.mismatches) - 20} more")
        shapes = ", ".join(str(a.shape) for a in self.analytic)
        lines.append(f"input shapes: {shapes}")
        return "\n".join(lines)


def _is_tensor(x) -> bool:
    return isinstance(x.data, np.ndarray)


def _reset_grad(x) -> None:
    x.grad = None if _is_tensor(x) else 0.0


def gradcheck(
    f: Callable,
    inputs: Sequence,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    seed: int = 0,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Compare ``backward()`` gradients of ``f(*inputs)`` with central differences.

    Parameters
    ----------
    f : callable
        Takes the inputs and returns a ``Value`` or a ``Tensor``. A non-scalar tensor
        output is reduced to ``sum(out * w)`` with a fixed random ``w``, so every output
        entry is checked at once.
    inputs : sequence of Value or Tensor
        The points at which to differentiate. Tensors are promoted to float64 for the
        check and restored afterwards.
    eps : float
        Step of the central difference.
    atol, rtol : float
        An entry passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    seed : int
        Seed of the projection ``w`` for non-scalar outputs.
    raise_exception : bool
        Raise :class:`~glassnet.errors.GradcheckError` on a mismatch (default) instead of
        returning a failed report.

    Returns
    -------
    GradcheckReport
        Truthy when the gradients agree.

    Raises
    ------
    GradcheckError
        When they disagree and ``raise_exception`` is True; the message lists the
        analytic and numeric values side by side.

    Examples
    --------
    >>> from glassnet.scalar import Value
    >>> x = Value(0.5)
    >>> bool(gradcheck(lambda x: (x * x).tanh(), [x]))
    True
    """
    inputs = list(inputs)
    saved = [x.data for x in inputs]
    for x in inputs:
        if _is_tensor(x):
            x.data = np.array(x.data, dtype=np.float64)
    try:
        analytic, numeric = _analytic(f, inputs, seed), _numeric(f, inputs, eps, seed)
    finally:
        for x, d in zip(inputs, saved):
            x.data = d
    report = GradcheckReport(analytic, numeric, atol, rtol)
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        for idx in zip(*np.nonzero(bad)) if a.ndim else ([()] if bad else []):
            idx = tuple(int(i) for i in idx)
            report.mismatches.append((k, idx, float(a[idx]), float(n[idx])))
    if raise_exception and not report.ok:
        raise GradcheckError(str(report))
    return report


def _projection(out, seed: int):
    """The weights ``w`` that reduce a non-scalar output to ``sum(out * w)``."""
    if not _is_tensor(out) or out.data.size == 1:
        return None
    return np.random.default_rng(seed).standard_normal(out.data.shape)


def _scalar_of(out, w) -> float:
    if w is None:
        return float(np.sum(out.data))
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * w))


def _analytic(f, inputs, seed) -> list[np.ndarray]:
    for x in inputs:
        _reset_grad(x)
    out = f(*inputs)
    w = _projection(out, seed)
    if w is None:
        out.backward()
    else:
        out.backward(w.astype(out.data.dtype))
    grads = []
    for x in inputs:
        g = x.grad
        shape = np.shape(x.data)
        grads.append(np.zeros(shape) if g is None else np.array(g, dtype=np.float64).reshape(shape))
    return grads


def _numeric(f, inputs, eps, seed) -> list[np.ndarray]:
    w = _projection(f(*inputs), seed)
    grads = []
    for x in inputs:
        if not _is_tensor(x):
            x0 = x.data
            x.data = x0 + eps
            fp = _scalar_of(f(*inputs), w)
            x.data = x0 - eps
            fm = _scalar_of(f(*inputs), w)
            x.data = x0
            grads.append(np.array((fp - fm) / (2 * eps)))
            continue
        g = np.zeros(x.data.shape)
        flat = x.data.reshape(-1)  # a view: writes reach x.data
        for i in range(flat.size):
            x0 = flat[i]
            flat[i] = x0 + eps
            fp = _scalar_of(f(*inputs), w)
            flat[i] = x0 - eps
            fm = _scalar_of(f(*inputs), w)
            flat[i] = x0
            g.reshape(-1)[i] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads
