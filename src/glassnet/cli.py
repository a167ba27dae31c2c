"""The ``glassnet`` command: train, evaluate, predict, explain, datasets.

Every command exits 0 on success and 2 with a one-line ``error: ...`` (no traceback) when the
input is at fault: a missing file, a bad CSV, an unknown column, features that do not match
the model, a file that is not a model.
"""

from __future__ import annotations

import argparse
import sys

from .errors import GlassnetError

EXAMPLES = {
    "train": """examples:
  glassnet train                                   # a small MLP on the bundled Iris data
  glassnet train --data moons --hidden 32,32 --epochs 200
  glassnet train --data houses.csv --target price --task regress --out runs/houses
  glassnet train --resume runs/iris-20261122-101500 --epochs 200""",
    "evaluate": """examples:
  glassnet evaluate --model runs/iris-20261122-101500
  glassnet evaluate --model runs/houses/model.safetensors --data test.csv""",
    "predict": """examples:
  glassnet predict --model runs/iris-20261122-101500 --data new_flowers.csv
  glassnet predict --model runs/iris-20261122-101500 --data new.csv --out preds.csv --proba""",
    "datasets": """examples:
  glassnet datasets""",
    "explain": """examples:
  glassnet explain                                  # the default Iris model
  glassnet explain --model runs/iris-20261122-101500 --sample 0
  glassnet explain --graph graph.svg""",
}


def _hidden(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden takes sizes like 16,16, got {text!r}") from None
    if any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden sizes must be positive, got {text!r}")
    return sizes


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text}")
    return value


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train an MLP and save it", epilog=EXAMPLES["train"],
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument(
        "--data", default="iris", help="a built-in dataset name or a CSV path (default: iris)"
    )
    p.add_argument("--target", help="the CSV column to predict (default: the last)")
    p.add_argument(
        "--task", choices=["classify", "regress"], help="inferred from the target if left out"
    )
    p.add_argument(
        "--hidden", type=_hidden, default=None, help="hidden layer sizes (default: 32,32)"
    )
    p.add_argument("--activation", choices=["relu", "tanh", "sigmoid"], default="relu")
    p.add_argument("--epochs", type=_positive(int), default=None, help="default: 100")
    p.add_argument("--batch-size", type=_positive(int), default=32)
    p.add_argument(
        "--lr", type=_positive(float), default=None, help="default: 0.01 (adam), 0.1 (sgd)"
    )
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="adam")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--val-split", type=_fraction, default=0.15, help="fraction for validation (default 0.15)"
    )
    p.add_argument(
        "--test-split",
        type=_fraction,
        default=0.2,
        help="fraction held out for the test (default 0.2)",
    )
    p.add_argument("--early-stopping", type=_positive(int), metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a better validation loss")  # fmt: skip
    p.add_argument("--out", help="the run folder (default: runs/<data>-<time>)")
    p.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR")
    p.add_argument("--quiet", action="store_true", help="print only the final result")
    p.set_defaults(func=_run("train"))


def _add_others(sub) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "evaluate", help="score a saved model", epilog=EXAMPLES["evaluate"], formatter_class=fmt
    )
    p.add_argument("--model", required=True, help="a run folder or a .safetensors model file")
    p.add_argument("--data", help="a dataset name or CSV (default: the run's own test split)")
    p.add_argument("--out", help="where to write the metrics JSON (default: print only)")
    p.set_defaults(func=_run("evaluate"))

    p = sub.add_parser(
        "predict",
        help="predict with a saved model",
        epilog=EXAMPLES["predict"],
        formatter_class=fmt,
    )
    p.add_argument("--model", required=True, help="a run folder or a .safetensors model file")
    p.add_argument("--data", required=True, help="a CSV with the model's feature columns")
    p.add_argument("--out", help="write the predictions to this CSV (default: print them)")
    p.add_argument("--proba", action="store_true", help="add one probability column per class")
    p.set_defaults(func=_run("predict"))

    p = sub.add_parser(
        "datasets",
        help="list the built-in datasets",
        epilog=EXAMPLES["datasets"],
        formatter_class=fmt,
    )
    p.set_defaults(func=_run("datasets"))

    p = sub.add_parser("explain", help="show a model's forward and backward pass step by step",
                       epilog=EXAMPLES["explain"], formatter_class=fmt)  # fmt: skip
    p.add_argument("--model", help="a run folder or model file (default: a quick Iris model)")
    p.add_argument(
        "--sample", type=int, metavar="N", help="walk sample N through the network neuron by neuron"
    )
    p.add_argument(
        "--graph", metavar="PATH", help="draw the computation graph to PATH (.svg, .png or .dot)"
    )
    p.add_argument(
        "--batch-size", type=_positive(int), default=8, help="rows in the traced mini-batch"
    )
    p.set_defaults(func=_run("explain"))


def _run(name: str):
    def call(args):
        from . import _commands  # the heavy imports happen only when a command runs

        return getattr(_commands, name)(args)

    return call


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Train, inspect and use small neural networks whose every step you can see.",
        epilog="Run 'glassnet COMMAND --help' for a command's options and examples.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train(sub)
    _add_others(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``glassnet`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except GlassnetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
