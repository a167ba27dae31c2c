"""Every primitive and composite against the gradients of the ``autograd`` package.

The same function is written with glassnet and with ``autograd.numpy``; a non-scalar output
is reduced with fixed random weights ``w`` (``sum(out * w)``) so every entry is checked.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from tensor_cases import PARAMS

from glassnet.tensor import Tensor


def _autograd_grads(case, w):
    def scalar(*arrays):
        out = case.ref(anp, *arrays)
        return anp.sum(out * w) if w is not None else anp.sum(out)

    return [autograd.grad(scalar, i)(*case.inputs) for i in range(len(case.inputs))]


@pytest.mark.parametrize("case", PARAMS)
def test_gradient_matches_autograd(case):
    xs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in case.inputs]
    out = case.f(*xs)
    if out.size == 1:
        w = None
        out.backward(np.ones(out.shape))
    else:
        w = np.random.default_rng(1).standard_normal(out.shape)
        out.backward(w)
    for k, (x, expected) in enumerate(zip(xs, _autograd_grads(case, w))):
        assert x.grad is not None, f"input {k} got no gradient"
        assert x.grad.shape == x.shape and x.grad.dtype == np.float64
        np.testing.assert_allclose(x.grad, expected, rtol=1e-9, atol=0, err_msg=f"input {k}")
