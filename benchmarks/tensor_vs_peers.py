"""glassnet's tensor engine beside PyTorch (CPU), scikit-learn and hand-written NumPy.

Three MLP workloads, run in one process with the frameworks interleaved epoch by epoch, so
that each sees the same machine state:

- A (small): scikit-learn digits, 64-128-64-10, SGD lr 0.1 momentum 0.9, batch 32, 20 epochs
- B (large): 60,000 x 784 standard-normal inputs labelled by a fixed random teacher network,
  784-256-128-10, SGD lr 0.05 momentum 0.9, batch 128, 3 epochs
- C (tiny): Iris, 4-16-3, SGD lr 0.1 momentum 0.9, batch 16, 200 epochs

glassnet, PyTorch and the NumPy floor start from the same weights and see the same batches in
the same order; scikit-learn uses its own initialisation (its MLPClassifier cannot be seeded
with given weights) and the same optimiser settings. Run with the ``bench`` extra installed::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/tensor_vs_peers.py

Ratios are time ratios: ``torch/glassnet = 2.0`` means glassnet took half PyTorch's time.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import time
import tracemalloc
import warnings
from dataclasses import dataclass

import numpy as np

import glassnet as gn
from glassnet import losses, nn, optim


@dataclass
class Workload:
    name: str
    sizes: list[int]
    lr: float
    batch: int
    epochs: int
    X: np.ndarray
    y: np.ndarray
    Xt: np.ndarray
    yt: np.ndarray


def _standardise(X, Xt):
    mu, sd = X.mean(0), X.std(0) + 1e-8
    return ((X - mu) / sd).astype(np.float32), ((Xt - mu) / sd).astype(np.float32)


def workload_a() -> Workload:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    X, Xt, y, yt = train_test_split(d.data, d.target, test_size=0.25, random_state=0)
    # Pixels are 0..16: scale them to [0, 1]. (Standardising would blow up the nearly
    # constant border pixels of the test rows.)
    X, Xt = (X / 16).astype(np.float32), (Xt / 16).astype(np.float32)
    return Workload("A digits", [64, 128, 64, 10], 0.1, 32, 20, X, y, Xt, yt)


def workload_b(n_train: int = 60_000, n_test: int = 10_000) -> Workload:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_train + n_test, 784), dtype=np.float32)
    W1 = rng.standard_normal((784, 64), dtype=np.float32) / 28
    W2 = rng.standard_normal((64, 10), dtype=np.float32) / 8
    y = np.argmax(np.tanh(X @ W1) @ W2, axis=1)  # a fixed random teacher network
    return Workload(
        "B synthetic",
        [784, 256, 128, 10],
        0.05,
        128,
        3,
        X[:n_train],
        y[:n_train],
        X[n_train:],
        y[n_train:],
    )


def workload_c() -> Workload:
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    d = load_iris()
    X, Xt, y, yt = train_test_split(
        d.data, d.target, test_size=0.25, random_state=0, stratify=d.target
    )
    X, Xt = _standardise(X, Xt)
    return Workload("C iris", [4, 16, 3], 0.1, 16, 200, X, y, Xt, yt)


def initial_weights(sizes, seed=0):
    """He-normal weights (out, in) and zero biases, shared by every framework but sklearn."""
    rng = np.random.default_rng(seed)
    # NumPy 2 promotes float32 * np.float64 to float64: scale first, then cast.
    return [
        (
            (rng.standard_normal((o, i)) * np.sqrt(2.0 / i)).astype(np.float32),
            np.zeros(o, np.float32),
        )
        for i, o in zip(sizes[:-1], sizes[1:])
    ]


# --- the frameworks: each has .epoch(perm) and .accuracy(X, y) ----------------------------


class Glassnet:
    label = "glassnet"

    def __init__(self, w: Workload, init):
        self.w = w
        self.model = nn.MLP(w.sizes, activation="relu")
        state = {}
        for k, (W, b) in enumerate(init):
            state[f"layers.{2 * k}.weight"], state[f"layers.{2 * k}.bias"] = W, b
        self.model.load_state_dict(state)
        self.opt = optim.SGD(self.model.parameters(), lr=w.lr, momentum=0.9)

    def epoch(self, perm):
        X, y, bs, model, opt = self.w.X, self.w.y, self.w.batch, self.model, self.opt
        for i in range(0, len(perm), bs):
            idx = perm[i : i + bs]
            loss = losses.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()

    def accuracy(self, X, y):
        with gn.no_grad():
            return float((self.model(X).data.argmax(1) == y).mean())


class Torch:
    label = "PyTorch"

    def __init__(self, w: Workload, init):
        import torch

        self.torch, self.w = torch, w
        layers = []
        for W, b in init:
            lin = torch.nn.Linear(W.shape[1], W.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
            layers += [lin, torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*layers[:-1])
        self.opt = torch.optim.SGD(self.model.parameters(), lr=w.lr, momentum=0.9)
        self.X, self.y = torch.from_numpy(w.X), torch.from_numpy(w.y.astype(np.int64))
        self.loss = torch.nn.CrossEntropyLoss()

    def epoch(self, perm):
        X, y, bs, model, opt = self.X, self.y, self.w.batch, self.model, self.opt
        perm = self.torch.from_numpy(perm)
        for i in range(0, len(perm), bs):
            idx = perm[i : i + bs]
            loss = self.loss(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()

    def accuracy(self, X, y):
        with self.torch.no_grad():
            out = self.model(self.torch.from_numpy(X)).numpy()
        return float((out.argmax(1) == y).mean())


class NumpyFloor:
    """The floor: a hand-written forward and backward pass with no autograd at all."""

    label = "NumPy by hand"

    def __init__(self, w: Workload, init):
        self.w = w
        self.params = [a.copy() for Wb in init for a in Wb]
        self.vel = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.empty_like(p) for p in self.params]  # no fresh large arrays per step

    def forward(self, x):
        acts = [x]
        for k in range(0, len(self.params), 2):
            W, b = self.params[k], self.params[k + 1]
            z = acts[-1] @ W.T  # (N, in) @ (in, out) -> (N, out)
            z += b
            if k + 2 < len(self.params):
                np.maximum(z, 0, out=z)
            acts.append(z)
        return acts

    def epoch(self, perm):
        X, y, bs, lr = self.w.X, self.w.y, self.w.batch, self.w.lr
        params, vel = self.params, self.vel
        for i in range(0, len(perm), bs):
            idx = perm[i : i + bs]
            acts = self.forward(X[idx])
            z = acts[-1]
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1
            dz = p / len(idx)  # d loss / d logits, (N, C)
            for k in range(len(params) - 2, -1, -2):
                a = acts[k // 2]
                gW, gb = dz.T @ a, dz.sum(0)  # (out, N) @ (N, in) -> (out, in)
                if k:
                    dz = dz @ params[k]  # (N, out) @ (out, in) -> (N, in)
                    dz *= a > 0
                for j, g in ((k, gW), (k + 1, gb)):
                    vel[j] *= 0.9
                    vel[j] += g
                    params[j] -= np.multiply(vel[j], lr, out=self.tmp[j])

    def accuracy(self, X, y):
        return float((self.forward(X)[-1].argmax(1) == y).mean())


class Sklearn:
    label = "scikit-learn"

    def __init__(self, w: Workload, init):
        from sklearn.neural_network import MLPClassifier

        self.w = w
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(w.sizes[1:-1]),
            solver="sgd",
            learning_rate_init=w.lr,
            momentum=0.9,
            nesterovs_momentum=False,
            batch_size=w.batch,
            alpha=0.0,
            shuffle=True,
            random_state=0,
        )
        self.classes = np.arange(w.sizes[-1])

    def epoch(self, perm):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.partial_fit(self.w.X, self.w.y, classes=self.classes)

    def accuracy(self, X, y):
        return float((self.model.predict(X) == y).mean())


FRAMEWORKS = [Glassnet, Torch, Sklearn, NumpyFloor]


def run(w: Workload, seed: int = 0) -> dict:
    init = initial_weights(w.sizes, seed)
    runners = [F(w, init) for F in FRAMEWORKS]
    rng = np.random.default_rng(seed)
    times = {r.label: [] for r in runners}
    for e in range(w.epochs):
        perm = rng.permutation(len(w.X))
        order = runners[e % len(runners) :] + runners[: e % len(runners)]  # rotate who goes first
        for r in order:
            gc.collect()
            t0 = time.perf_counter()
            r.epoch(perm)
            times[r.label].append(time.perf_counter() - t0)
    return {
        r.label: {"epoch_s": statistics.median(times[r.label]), "acc": r.accuracy(w.Xt, w.yt)}
        for r in runners
    }


def peak_memory(w: Workload, n_batches: int = 50) -> dict:
    """Peak traced (NumPy/Python) allocation over part of an epoch, after a warm-up batch."""
    init = initial_weights(w.sizes)
    out = {}
    for F in (Glassnet, NumpyFloor):
        r = F(w, init)
        perm = np.arange(min(w.batch * n_batches, len(w.X)))
        r.epoch(perm[: w.batch])
        gc.collect()
        tracemalloc.start()
        r.epoch(perm)
        out[r.label] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out


def gemm_fraction(w: Workload, glassnet_epoch_s: float, repeats: int = 200) -> tuple[float, float]:
    """The matmuls of one training step alone (forward, and backward without the first
    layer's input gradient), timed on their own: the GEMM limit of a step."""
    rng = np.random.default_rng(1)
    n, s = w.batch, w.sizes
    Ws = [rng.standard_normal((o, i), dtype=np.float32) for i, o in zip(s[:-1], s[1:])]
    acts = [rng.standard_normal((n, i), dtype=np.float32) for i in s[:-1]]
    gs = [rng.standard_normal((n, o), dtype=np.float32) for o in s[1:]]
    t0 = time.perf_counter()
    for _ in range(repeats):
        for k, (W, a, g) in enumerate(zip(Ws, acts, gs)):
            a @ W.T  # forward
            g.T @ a  # dW
            if k:
                g @ W  # dx
    gemm_step = (time.perf_counter() - t0) / repeats
    flops = sum(2 * n * i * o * (3 if k else 2) for k, (i, o) in enumerate(zip(s[:-1], s[1:])))
    step = glassnet_epoch_s / (len(w.X) // w.batch)
    return gemm_step / step, flops / gemm_step / 1e9


def machine() -> str:
    from threadpoolctl import threadpool_info

    blas = ", ".join(
        f"{i['internal_api']} {i.get('version')} {i.get('architecture')} x{i['num_threads']}"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if "model name" in ln), "?"
    )
    import torch

    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy "
        f"{np.__version__} ({blas}), PyTorch {torch.__version__} "
        f"({torch.get_num_threads()} threads)"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workloads", default="A,B,C", help="comma-separated subset of A,B,C")
    p.add_argument("--quick", action="store_true", help="fewer epochs and samples, to smoke-test")
    args = p.parse_args()
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    print(machine(), "\n")
    makers = {"A": workload_a, "B": workload_b, "C": workload_c}
    print("| workload | framework | s/epoch | samples/s | test acc | time vs glassnet |")
    print("|---|---|---:|---:|---:|---:|")
    for key in args.workloads.split(","):
        w = makers[key]() if not (args.quick and key == "B") else workload_b(6000, 1000)
        if args.quick:
            w.epochs = min(w.epochs, 3)
        res = run(w)
        g = res["glassnet"]["epoch_s"]
        for label, r in res.items():
            print(
                f"| {w.name} | {label} | {r['epoch_s']:.4f} | {len(w.X) / r['epoch_s']:,.0f} "
                f"| {r['acc']:.3f} | {r['epoch_s'] / g:.2f}x |"
            )
        if key == "B":
            mem = peak_memory(w)
            frac, gflops = gemm_fraction(w, g)
            ratio = mem["glassnet"] / mem["NumPy by hand"]
            print(
                f"\nB peak traced memory over 50 batches: glassnet {mem['glassnet'] / 2**20:.1f} "
                f"MiB, NumPy by hand {mem['NumPy by hand'] / 2**20:.1f} MiB ({ratio:.2f}x); "
                f"glassnet reaches {frac:.0%} of the GEMM limit ({gflops:.0f} GFLOP/s on "
                "these shapes)\n"
            )


if __name__ == "__main__":
    main()
