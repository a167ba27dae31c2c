"""The small MLP regressor (layers 4-6-4-2, ReLU, MSE, SGD) trains as expected."""

import numpy as np

from glassnet.losses import mse
from glassnet.nn import MLP
from glassnet.optim import SGD


def _toy_problem(dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 4))
    Y = np.stack([np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2], X[:, 3] - 0.3 * X[:, 0] ** 2], 1)
    return X.astype(dtype), Y.astype(dtype)


def test_full_batch_sgd_lowers_the_loss_at_every_one_of_200_steps():
    X, Y = _toy_problem(np.float32)
    model = MLP([4, 6, 4, 2], activation="relu", seed=0)
    opt = SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = mse(model(X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.1 * losses[0]


def _numpy_sgd_steps(params, X, Y, lr, steps):
    """Forward and backward written out by hand: z = a @ W.T + b, a = relu(z)."""
    params = [p.copy() for p in params]
    for _ in range(steps):
        Ws, bs = params[0::2], params[1::2]
        acts, zs = [X], []
        for i, (W, b) in enumerate(zip(Ws, bs)):
            zs.append(acts[-1] @ W.T + b)  # (N, in) @ (in, out) -> (N, out)
            acts.append(np.maximum(zs[-1], 0) if i < len(Ws) - 1 else zs[-1])
        dz = 2 * (acts[-1] - Y) / Y.size  # d mean((out - Y)**2) / d out
        grads = []
        for i in reversed(range(len(Ws))):
            grads = [dz.T @ acts[i], dz.sum(axis=0)] + grads  # dW (out, in), db (out,)
            if i > 0:
                dz = (dz @ Ws[i]) * (zs[i - 1] > 0)  # back through the previous ReLU
        params = [p - lr * g for p, g in zip(params, grads)]
    return params


def test_training_matches_hand_written_numpy_backpropagation():
    X, Y = _toy_problem(np.float64)
    model = MLP([4, 6, 4, 2], seed=3, dtype=np.float64)
    expected = _numpy_sgd_steps([p.data for p in model.parameters()], X, Y, 0.05, 5)
    opt = SGD(model.parameters(), lr=0.05)
    for _ in range(5):
        opt.zero_grad()
        mse(model(X), Y).backward()
        opt.step()
    for p, e in zip(model.parameters(), expected):
        np.testing.assert_allclose(p.data, e, rtol=1e-12, atol=1e-14)
