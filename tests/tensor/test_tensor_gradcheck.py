"""Every primitive and composite against float64 central differences (glassnet.gradcheck)."""

import numpy as np
import pytest
from tensor_cases import PARAMS

from glassnet import gradcheck
from glassnet.tensor import Tensor


@pytest.mark.parametrize("case", PARAMS)
def test_gradient_matches_central_differences(case):
    inputs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in case.inputs]
    report = gradcheck(case.f, inputs, eps=case.eps, atol=case.atol)
    assert report.ok
    assert all(np.all(np.isfinite(g)) for g in report.analytic)


def test_a_wrong_derivative_would_be_caught(monkeypatch):
    """The check has teeth: a tanh whose derivative is off by a factor fails it."""
    from glassnet.errors import GradcheckError
    from glassnet.tensor import ops

    def bad_tanh(a):
        t = np.tanh(a.data)
        return ops._result(t, (a,), "tanh", lambda g: (g * (1 - t * t) * 1.01,))

    monkeypatch.setattr(ops, "tanh", bad_tanh)
    x = Tensor(np.array([0.3, -0.8]), requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(lambda a: a.tanh(), [x])
