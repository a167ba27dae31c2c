"""Fit four points with a small network of scalar Values, by plain gradient descent.

The dataset is the classic four-sample toy problem: three inputs per sample, one target.
The targets (-4 .. 2) lie outside tanh's range (-1, 1), so the network uses tanh only
in its hidden layers and a linear output neuron, which can reach any value.

Every training step is the same four stages:

1. forward: predictions for all samples, and the summed squared error
   ``L = sum_i (yhat_i - y_i) ** 2``;
2. zero_grad: clear the gradients left by the previous step (they accumulate);
3. backward: ``dL/dp`` for every parameter ``p``, by the chain rule;
4. update: ``p <- p - lr * dL/dp``.

Run it with ``python examples/scalar_regression.py``.
"""

from __future__ import annotations

from glassnet.scalar import MLP

XS = [[1.0, 2.0, -1.0], [6.0, -4.0, 1.0], [2.0, 1.0, -1.0], [4.0, 3.0, -2.0]]
YS = [2.0, -4.0, -3.0, 2.0]


def main(
    seed: int = 0,
    lr: float = 0.01,
    target: float = 0.01,
    max_steps: int = 20_000,
    every: int = 10,
    verbose: bool = True,
) -> dict:
    """Train until the summed squared error is below ``target``; return what happened."""
    model = MLP(3, [4, 4, 1], activation="tanh", seed=seed)
    say = print if verbose else (lambda *a, **k: None)
    say(
        f"MLP(3, [4, 4, 1], activation='tanh'): {len(model.parameters())} parameters, "
        f"lr={lr}, stop when loss < {target}"
    )
    for step in range(max_steps + 1):
        preds = [model(x) for x in XS]  # 1. forward
        loss = sum((yhat - y) ** 2 for yhat, y in zip(preds, YS))
        if loss.data < target or step == max_steps:
            break
        if step % every == 0:
            say(f"step {step:5d}  loss {loss.data:.6f}")
        model.zero_grad()  # 2. zero_grad
        loss.backward()  # 3. backward
        for p in model.parameters():  # 4. update
            p.data -= lr * p.grad
    converged = loss.data < target
    say(f"step {step:5d}  loss {loss.data:.6f}  ({'converged' if converged else 'not converged'})")
    say("targets:     " + "  ".join(f"{y:7.3f}" for y in YS))
    say("predictions: " + "  ".join(f"{p.data:7.3f}" for p in preds))
    return {
        "steps": step,
        "loss": loss.data,
        "predictions": [p.data for p in preds],
        "converged": converged,
    }


if __name__ == "__main__":
    main()
