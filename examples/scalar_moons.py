"""Classify two interleaving half-moons with an MLP of scalar Values.

This is micrograd's demo, unchanged except for the import: a 2-16-16-1 ReLU network,
the labels mapped to -1/+1, the max-margin ("hinge") loss
``mean_i relu(1 - y_i * score_i)`` plus an L2 penalty ``1e-4 * sum(p**2)``, and full-batch
gradient descent with a learning rate that decays from 1.0 to 0.1.

The data come from scikit-learn's ``make_moons`` when it is installed, otherwise from the
small generator below. Run it with ``python examples/scalar_moons.py``.
"""

from __future__ import annotations

import math

import numpy as np

from glassnet.scalar import MLP, Value


def moons(n_samples: int = 100, noise: float = 0.1, seed: int = 1):
    """Two half circles: X of shape (n_samples, 2), y in {0, 1} of shape (n_samples,)."""
    try:
        from sklearn.datasets import make_moons
    except ImportError:
        return moons_builtin(n_samples, noise, seed)
    return make_moons(n_samples=n_samples, noise=noise, random_state=seed)


def moons_builtin(n_samples: int = 100, noise: float = 0.1, seed: int = 1):
    """The same shape as ``make_moons`` without scikit-learn."""
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0.0, math.pi, n_out)
    t_in = np.linspace(0.0, math.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)  # (n_out, 2)
    inner = np.stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)  # (n_in, 2)
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])
    return X, y


def loss_and_accuracy(model, X, y):
    """Max-margin loss with L2 penalty, and the fraction of correctly signed scores."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (si.data > 0) for yi, si in zip(y, scores)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


def main(steps: int = 100, seed: int = 1337, every: int = 10, verbose: bool = True) -> dict:
    """Train for ``steps`` full-batch steps; return the final loss and accuracy."""
    X, y = moons(n_samples=100, noise=0.1, seed=1)
    y = (y * 2 - 1).tolist()  # labels -1 / +1
    model = MLP(2, [16, 16, 1], seed=seed)
    say = print if verbose else (lambda *a, **k: None)
    say(f"MLP(2, [16, 16, 1]): {len(model.parameters())} parameters, {len(y)} samples")
    for k in range(steps):
        total_loss, acc = loss_and_accuracy(model, X, y)
        model.zero_grad()
        total_loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        if k % every == 0 or k == steps - 1:
            say(f"step {k:3d}  loss {total_loss.data:.4f}  accuracy {acc:.0%}")
    total_loss, acc = loss_and_accuracy(model, X, y)
    say(f"final     loss {total_loss.data:.4f}  accuracy {acc:.0%}")
    return {"loss": total_loss.data, "accuracy": acc}


if __name__ == "__main__":
    main()
