"""The ``glassnet`` command: train, evaluate, predict, explain, info, datasets, playground.

Every command exits 0 on success and 2 with a one-line ``error: ...`` on standard error (no
traceback) when the input is at fault: a missing file, a bad CSV, an unknown column,
features that do not match the model, a file that is not a model, a bad option, a file
that cannot be written.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
import warnings
from functools import partial

from . import checks
from .errors import GlassnetError, GlassnetWarning, SettingError

EXAMPLES = {
    "train": """examples:
  glassnet train                                   # a small MLP on the bundled Iris data
  glassnet train --data moons --hidden 32,32 --epochs 200
  glassnet train --data examples/data/houses.csv --target price --out runs/houses
  glassnet train --data table.csv --drop notes --categorical zip --missing drop
  glassnet train --data moons --hidden none     # no hidden layer: logistic regression
  glassnet train --data wine --early-stopping 10 --quiet
  glassnet train --resume runs/iris-20261122-101500   # continue an interrupted run
  glassnet train --data moons --early-stopping 0 --out runs/moons
  glassnet train --resume runs/moons --epochs 200  # then train it longer""",
    "evaluate": """examples:
  glassnet evaluate --model runs/iris-20261122-101500          # on the run's test split
  glassnet evaluate --model runs/houses/model.safetensors --data test.csv --out scores.json""",
    "info": """examples:
  glassnet info --model runs/houses                # the columns it needs, classes, layers, scores
  glassnet info --model runs/houses --json""",
    "predict": """examples:
  glassnet predict --model runs/iris-20261122-101500 --data new_flowers.csv
  glassnet predict --model runs/iris-20261122-101500 --data new.csv --out preds.csv --proba
  glassnet predict --model runs/houses --data examples/data/new_houses.csv --keep id""",
    "datasets": """examples:
  glassnet datasets
  glassnet train --data spirals                    # then train on one of them""",
    "explain": """examples:
  glassnet explain                                  # the default Iris model
  glassnet explain --model runs/iris-20261122-101500 --sample 0
  glassnet explain --graph graph.svg""",
    "playground": """examples:
  glassnet playground                              # spirals, in the browser
  glassnet playground --data moons --port 8765
  glassnet playground --data houses.csv --no-browser  # print the address only""",
}
MAIN_EPILOG = """examples:
  glassnet train                                   # learn Iris in a few seconds
  glassnet evaluate --model runs/iris-20261122-101500
  glassnet predict --model runs/iris-20261122-101500 --data new_flowers.csv
  glassnet info --model runs/iris-20261122-101500
  glassnet datasets
  glassnet playground                              # watch a network learn, in the browser

Run 'glassnet COMMAND --help' for a command's options and examples."""


MAX_MESSAGE = 1000  # characters of an error line; a longer one is cut, its length said


def one_line(message: str) -> str:
    """A message on one line: its lines stripped and joined by spaces, control characters
    escaped (an ANSI code in a CSV header must not reach the terminal raw), and at most
    :data:`MAX_MESSAGE` characters.

    Examples
    --------
    >>> one_line("bad column '\\x1b[31mred'\\n  in data.csv")
    "bad column '\\\\x1b[31mred' in data.csv"
    """
    text = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    if len(text) > MAX_MESSAGE:
        text = f"{text[: MAX_MESSAGE - 40]}... ({len(text)} characters in all)"
    return text


class _Parser(argparse.ArgumentParser):
    """Usage errors as one ``error:`` line pointing to ``--help``, exit code 2."""

    def error(self, message: str):
        self.exit(2, f"error: {one_line(message)} (see '{self.prog} --help')\n")


def _hidden(text: str) -> list[int]:
    if text.strip().lower() in ("", "none"):
        return []  # no hidden layer: logistic or linear regression
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes sizes like 16,16, got {text!r}") from None
    if any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"takes positive sizes like 16,16, got {text!r}")
    return sizes


def _number(kind, check):
    """An argparse type: ``kind(text)``, checked by a rule of :mod:`glassnet.checks`."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        try:
            return check(value, "it", "option")
        except SettingError as e:  # "option: it must be ..." -> "must be ..."
            raise argparse.ArgumentTypeError(str(e).removeprefix("option: it ")) from None

    return parse


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"takes column names like a,b, got {text!r}")
    return names


_positive_int = _number(int, checks.positive_int)
_positive_float = _number(float, checks.positive_float)
_count = _number(int, checks.nonnegative_int)
_fraction = _number(float, partial(checks.probability, below_one=True))


def _sub(sub, name: str, help: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help,
        description=help[0].upper() + help[1:] + ".",
        epilog=EXAMPLES[name],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_train(sub) -> None:
    p = _sub(sub, "train", "train an MLP and save it with its history, metrics and curves")
    p.add_argument(
        "--data", help="a built-in dataset (see 'glassnet datasets') or a CSV path (default: iris)"
    )
    p.add_argument("--target", help="the CSV column to predict (default: the last)")
    p.add_argument(
        "--task", choices=["classify", "regress"], help="inferred from the target when left out"
    )
    p.add_argument(
        "--hidden",
        type=_hidden,
        metavar="SIZES",
        help="hidden layer sizes (default: 32,32); '' or none for no hidden layer",
    )
    _add_columns(p)
    p.add_argument(
        "--activation",
        choices=["relu", "tanh", "sigmoid"],
        help="hidden activation (default: tanh)",
    )
    p.add_argument("--epochs", type=_positive_int, help="passes over the data (default: 100)")
    p.add_argument("--batch-size", type=_positive_int, help="rows per step (default: 32)")
    p.add_argument(
        "--lr",
        type=_positive_float,
        help="learning rate (default: 0.01 adam and adamw, 0.1 sgd, 0.05 momentum, 0.001 rmsprop)",
    )
    p.add_argument(
        "--optimizer",
        choices=["sgd", "momentum", "adam", "adamw", "rmsprop"],
        help="default: adam",
    )
    p.add_argument(
        "--seed", type=_count, help="seed of the weights, splits and batches (default 0)"
    )
    p.add_argument("--val-split", type=_fraction, help="fraction for validation (default 0.15)")
    p.add_argument(
        "--test-split", type=_fraction, help="fraction held out for the test (default 0.2)"
    )
    p.add_argument(
        "--early-stopping",
        type=_count,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without a better validation loss (the "
        "training loss when there is no validation split), keeping the best "
        "weights (default 20; 0 trains every epoch)",
    )
    p.add_argument("--out", metavar="DIR", help="the run folder (default: runs/<data>-<time>)")
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the run saved in DIR (with --epochs to train longer)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the final result")
    p.set_defaults(func=_run("train"))


def _add_columns(p) -> None:
    """The options that choose and encode a table's columns."""
    p.add_argument("--features", type=_names, metavar="COLS", help="use only these columns (a,b,c)")
    p.add_argument("--drop", type=_names, metavar="COLS", help="use every column but these")
    p.add_argument(
        "--categorical",
        type=_names,
        metavar="COLS",
        help="one-hot encode these numeric columns as categories (text columns always are)",
    )
    p.add_argument(
        "--missing",
        choices=["impute", "drop", "error"],
        help="a missing feature cell: fill it with the training median or most frequent "
        "category (default), drop its row, or stop",
    )
    p.add_argument(
        "--force",
        action="store_true",
        default=None,
        help="--task classify even with more classes than a tenth of the rows",
    )


def _add_predict(sub) -> None:
    p = _sub(sub, "predict", "predict with a saved model, with the original class names")
    p.add_argument("--model", required=True, help="a run folder or a .safetensors model file")
    p.add_argument(
        "--data",
        required=True,
        help="a CSV with the model's feature columns, or a built-in dataset",
    )
    p.add_argument("--out", help="write the predictions to this CSV (default: print them)")
    p.add_argument("--proba", action="store_true", help="add one probability column per class")
    p.add_argument(
        "--keep", metavar="COLS", help="copy these input columns (an id, say) into the output"
    )
    p.add_argument(
        "--precision",
        type=_count,
        metavar="N",
        help="decimals of regression predictions (default: as many as the target had)",
    )
    p.add_argument("--strict", action="store_true", help="refuse categories not seen in training")
    p.set_defaults(func=_run("predict"))

    p = _sub(sub, "info", "describe a saved model: its columns, classes, layers and scores")
    p.add_argument("--model", required=True, help="a run folder or a .safetensors model file")
    p.add_argument("--json", action="store_true", help="print it as JSON, for scripts")
    p.set_defaults(func=_run("info"))


def _add_others(sub) -> None:
    p = _sub(sub, "evaluate", "score a saved model on labelled data")
    p.add_argument("--model", required=True, help="a run folder or a .safetensors model file")
    p.add_argument("--data", help="a dataset name or CSV (default: the run's own test split)")
    p.add_argument("--target", help="the CSV's target column (default: the model's)")
    p.add_argument("--out", help="also write the metrics to this JSON file")
    p.add_argument("--strict", action="store_true", help="refuse categories not seen in training")
    p.set_defaults(func=_run("evaluate"))
    _add_predict(sub)

    p = _sub(sub, "datasets", "list the built-in datasets with their sizes")
    p.set_defaults(func=_run("datasets"))

    p = _sub(sub, "explain", "show a model's forward and backward pass step by step")
    p.add_argument("--model", help="a run folder or model file (default: a quick Iris model)")
    p.add_argument(
        "--sample", type=int, metavar="N", help="walk sample N through the network neuron by neuron"
    )
    p.add_argument(
        "--graph",
        metavar="PATH",
        help="draw the computation graph to PATH (.svg, .png, .pdf or .dot)",
    )
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=8,
        help="rows in the traced mini-batch (default: 8)",
    )
    p.set_defaults(func=_run("explain"))


def _add_playground(sub) -> None:
    p = _sub(sub, "playground", "watch a network learn in the browser, neuron by neuron")
    p.add_argument(
        "--data", help="a built-in dataset or a CSV path, drawn in two columns (default: spirals)"
    )
    p.add_argument("--port", type=_count, default=0, help="the port (default: a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument(
        "--no-browser", action="store_true", help="print the address without opening a browser"
    )
    p.set_defaults(func=_run("playground"))


def _run(name: str):
    def call(args):
        # the heavy imports happen only when a command runs, and only that command's
        command = importlib.import_module(f"glassnet.commands.{name}")
        return command.run(args)

    return call


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``glassnet`` command and its subcommands."""
    parser = _Parser(
        prog="glassnet",
        description="Train, inspect and use small neural networks whose every step you can see.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.commands = sub.choices  # name -> the command's parser, for errors of its own
    _add_train(sub)
    _add_others(sub)
    _add_playground(sub)
    return parser


def _os_error(e: OSError) -> str:
    where = e.filename2 or e.filename
    if isinstance(e, FileExistsError) and where:
        return f"cannot make the folder {where}: a file of that name is in the way"
    return f"{where}: {e.strerror}" if where and e.strerror else str(e)


def _show_warning(message, category, *args, **kwargs) -> None:
    """A GlassnetWarning is one ``warning:`` line on standard error; others as Python
    shows them."""
    if issubclass(category, GlassnetWarning):
        print(f"warning: {one_line(message)}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, *args[:2]), end="", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``glassnet`` console script; returns the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # the command's own parser names its --help, not the top-level one
        where = parser.commands.get(args.command, parser)
        where.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        parser.print_help()
        print("error: no command given", file=sys.stderr)
        return 2
    from .commands._interrupts import ignore_further

    before = signal.getsignal(signal.SIGINT)
    try:
        return _command(args)
    finally:
        if argv is None:  # the process ends now: a late Ctrl-C must not turn exit 0 into a kill
            ignore_further()
        elif before is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, before)  # called from Python: leave Ctrl-C as it was


def _command(args) -> int:
    """The command, with every error a user can cause turned into one line and exit code 2."""
    from .commands._interrupts import ignore_further

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", GlassnetWarning)
            warnings.showwarning = _show_warning
            return args.func(args) or 0
    except GlassnetError as e:
        print(f"error: {one_line(e)}", file=sys.stderr)
        return 2
    except OSError as e:  # a file that cannot be read or written
        if isinstance(e, BrokenPipeError):  # e.g. `glassnet predict ... | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(f"error: {one_line(_os_error(e))}", file=sys.stderr)
        return 2
    except MemoryError:  # e.g. --hidden 100000,100000
        print(
            "error: not enough memory for this model or data; try smaller --hidden sizes "
            "or a smaller --batch-size",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        ignore_further()
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
