"""One sample through the network being trained: its forward pass and one backward pass.

The forward lines are :func:`glassnet.explain.neurons.sample_arithmetic`'s, the very lines
``glassnet explain --sample`` prints for a saved model. The backward pass is the engine's:
the sample's loss is back-propagated through the layers kept as tensors, and each
gradient is listed with the chain-rule factor it came from.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..errors import DataError
from ..explain.neurons import sample_arithmetic
from ..tensor import Tensor
from .plane import expand

__all__ = ["sample_view", "LOCAL_DERIVATIVE"]

# d activation / dz, written with the activation's output a where that is shorter
LOCAL_DERIVATIVE = {
    "relu": ("1 if z > 0 else 0", lambda z, a: (z > 0).astype(np.float64)),
    "leaky_relu": ("1 if z > 0 else 0.01", lambda z, a: np.where(z > 0, 1.0, 0.01)),
    "tanh": ("1 - a**2", lambda z, a: 1.0 - a * a),
    "sigmoid": ("a * (1 - a)", lambda z, a: a * (1.0 - a)),
    "identity": ("1", lambda z, a: np.ones_like(z)),
}
_NAMES = {nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}
MAX_LISTED = 8  # neurons per layer listed in the backward pass


def _f(v) -> str:
    return f"{float(v):.6g}"


def _blocks(model):
    """(Linear, activation name) for each dense layer; the output layer's is 'identity'."""
    out = []
    for m in model.layers:
        if isinstance(m, nn.Linear):
            out.append([m, "identity"])
        elif type(m) in _NAMES:
            out[-1][1] = _NAMES[type(m)]
    return out


def _forward(session, index: int):
    """The sample's pass, each layer's z and a kept as tensors, and its loss."""
    x = session.plane.X[index : index + 1]  # (1, n_features)
    layers, a = [], Tensor(x)
    for lin, name in _blocks(session.model):
        z = lin(a)
        a = z if name == "identity" else nn.ACTIVATIONS[name]()(z)
        layers.append({"linear": lin, "name": name, "z": z, "a": a})
    loss = session._loss(a, np.array([index]))
    return x[0], layers, loss


def _backward_lines(layers, x, loss_name: str) -> list[str]:
    lines, K = [], len(layers)
    for k in range(K, 0, -1):
        L = layers[k - 1]
        z = L["z"].data[0]
        dz, da = L["z"].grad[0], L["a"].grad[0]
        prev = "x" if k == 1 else f"a{k - 1}"
        lines.append(f"layer {k}, backward:")
        for j in range(min(len(z), MAX_LISTED)):
            if k == K:
                how = "p[j] - onehot[j]" if loss_name == "cross_entropy" else "from the loss"
                lines.append(f"  dL/dz{k}[{j}] = {how} = {_f(dz[j])}")
            else:
                formula, _ = LOCAL_DERIVATIVE[L["name"]]
                lines.append(
                    f"  dL/dz{k}[{j}] = dL/da{k}[{j}] * {L['name']}'(z{k}[{j}]) = "
                    f"{_f(da[j])} * ({formula} = {_f(L['local'][j])}) = {_f(dz[j])}"
                )
            lines.append(
                f"      dL/db{k}[{j}] = dL/dz{k}[{j}] = {_f(dz[j])}; dL/dW{k}[{j}, i] = "
                f"dL/dz{k}[{j}] * {prev}[i]"
            )
        if len(z) > MAX_LISTED:
            lines.append(f"  ... {len(z) - MAX_LISTED} more neurons, the same way")
        if k > 1:
            lines.append(
                f"  dL/da{k - 1} = W{k}.T @ dL/dz{k} = "
                f"[{', '.join(_f(v) for v in layers[k - 2]['a'].grad[0])}]"
            )
    return lines


def sample_view(session, index) -> dict:
    """Row ``index`` of the data through the network: forward numbers, the lines of
    ``glassnet explain --sample``, and one backward pass with its chain-rule factors.

    The network is left as it was: no weight changes and no gradient stays behind.
    """
    plane, model = session.plane, session.model
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(plane.y):
        raise DataError(
            f"sample: index must be a row number from 0 to {len(plane.y) - 1}, got {index!r:.40}"
        )
    model.eval()
    model.zero_grad()
    x, layers, loss = _forward(session, index)
    loss.backward()  # every tensor of the pass keeps its grad: the listing reads them
    for L in layers:
        L["local"] = LOCAL_DERIVATIVE[L["name"]][1](L["z"].data[0], L["a"].data[0])
    target = plane.y[index]
    lines = sample_arithmetic(
        model,
        x,
        task=plane.task,
        label_names=plane.label_names,
        target=target,
        target_scale=plane.y_scale,
    )
    view = {
        "index": index,
        "split": "test" if index in set(plane.test.tolist()) else "train",
        "point": [float(v) for v in plane.P[index]],
        "raw": [float(v) for v in expand(plane.P[index : index + 1], plane.features)[0]],
        "input": [float(v) for v in x],
        "standardised": "standardised, (value - training mean) / training std: "
        f"x = [{', '.join(f'{v:.3f}' for v in x)}]",
        "forward": lines,
        "backward": _backward_lines(layers, x, session.settings["loss"]),
        "loss": float(loss.item()),
        "layers": [_layer_numbers(L) for L in layers],
    }
    model.zero_grad()  # the view leaves no gradient behind
    return view


def _layer_numbers(L) -> dict:
    lin = L["linear"]
    return {
        "activation": L["name"],
        "z": L["z"].data[0].tolist(),
        "a": L["a"].data[0].tolist(),
        "dz": L["z"].grad[0].tolist(),
        "da": L["a"].grad[0].tolist(),
        "local": L["local"].tolist(),
        "db": lin.bias.grad.tolist(),
        "dW": lin.weight.grad.tolist(),
    }
