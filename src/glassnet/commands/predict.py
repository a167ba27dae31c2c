"""``glassnet predict``: predictions of a saved model for new rows, with the original labels."""

from __future__ import annotations

import csv
import io as _stringio
import sys

from .. import io, saved
from ..data.table import Table, did_you_mean
from ..errors import DataError
from ._common import warn_training_rows
from ._runfolder import check_output


def run(args) -> int:
    if args.out:
        check_output(args.out, args.model)
    model = saved.load(args.model)
    if args.proba and model.task != "classify":
        raise DataError("--proba applies to classification models; this one does regression")
    table = model.read_features(args.data)
    keep = _kept(table, args.keep)
    Z = model.encode(table, strict=args.strict)  # the model's preprocessing, applied once
    warn_training_rows(args.model, Z, str(args.data))
    out = model.outputs_encoded(Z)
    decimals = args.precision
    if decimals is None:
        decimals = model.config.get("target_decimals")
    cells = [_cell(p, decimals) for p in model.answers(out).tolist()]
    kept = [table.column(table.index[k]) for k in keep]
    header, rows = [*keep, "prediction"], [[*(c[i] for c in kept), p] for i, p in enumerate(cells)]
    if args.proba:
        header += [f"p_{name}" for name in model.label_names]
        rows = [r + [f"{v:.6f}" for v in p] for r, p in zip(rows, model.probabilities(out))]
    buf = _stringio.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    if args.out:
        io.files.atomic_write_text(args.out, buf.getvalue())
        print(f"{len(rows)} predictions written to {args.out}")
    else:
        sys.stdout.write(buf.getvalue())
    return 0


def _kept(table: Table, keep: str | None) -> list[str]:
    """The columns named by --keep, each one checked."""
    names = [k.strip() for k in (keep or "").split(",") if k.strip()]
    for name in names:
        if name not in table.index:
            raise DataError(
                f"--keep: no column '{name}' in {table.source}{did_you_mean(name, table.header)} "
                f"(the columns are {', '.join(table.header)})"
            )
    return names


def _cell(value, decimals: int | None) -> str:
    if isinstance(value, float):
        return repr(value) if decimals is None else f"{value:.{decimals}f}"
    return str(value)
