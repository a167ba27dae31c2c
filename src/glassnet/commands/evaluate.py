"""``glassnet evaluate``: score a saved model on labelled data, by default its run's test split."""

from __future__ import annotations

import json

from .. import io, saved
from ..errors import DataError
from ._common import (
    DEFAULTS,
    check_same_data,
    headline,
    interval,
    prepare_data,
    warn_training_rows,
)
from ._runfolder import check_output


def run(args) -> int:
    if args.out:
        check_output(args.out, args.model)
    model = saved.load(args.model)
    if args.data:
        X, y = model.read_data(args.data, target=args.target)
        where = args.data
    else:
        settings = model.config.get("settings")
        if not isinstance(settings, dict):
            raise DataError(
                f"{args.model}: the model does not record the data it was trained on; give --data"
            )
        check_same_data(
            str(settings.get("data")), model.config.get("data_sha256"), args.model, "give --data"
        )
        prep = prepare_data({**DEFAULTS, **settings})
        if len(prep.split.y_test) == 0:
            raise DataError(
                f"{args.model}: the run held out no test rows (--test-split 0); give --data"
            )
        X, y, where = prep.raw("test"), prep.split.y_test, "the run's test split"
    Z = model.encode(X, strict=args.strict)  # the model's preprocessing, applied once
    if args.data:
        warn_training_rows(args.model, Z, where)
    report = model.evaluate_outputs(model.outputs_encoded(Z), y)
    print(
        f"{headline(report, model.task, prefix='')} on {len(y)} rows of {where}{interval(report)}"
    )
    if model.task == "classify":
        _print_classes(report)
    if args.out:
        io.files.atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
        print(f"metrics written to {args.out}")
    return 0


def _print_classes(report: dict) -> None:
    width = min(42, max(12, *(len(n) + 2 for n in report["labels"])))
    print(f"{'class':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for name, r in report["per_class"].items():
        print(
            f"{name:<{width}}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1']:>10.3f}"
            f"{r['support']:>9}"
        )
    if len(report["labels"]) > 30:  # a grid of thousands of cells says nothing on a terminal
        print(f"confusion matrix of {len(report['labels'])} classes: give --out to keep it")
        return
    print("confusion matrix (rows: true class, columns: predicted class):")
    cell = max(6, *(len(n) + 1 for n in report["labels"]))
    print(" " * width + "".join(f"{n:>{cell}}" for n in report["labels"]))
    for name, row in zip(report["labels"], report["confusion_matrix"]):
        print(f"{name:<{width}}" + "".join(f"{c:>{cell}}" for c in row))
