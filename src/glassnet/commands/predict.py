"""``glassnet predict``: predictions of a saved model for new rows, with the original labels."""

from __future__ import annotations

import csv
import io as _stringio
import sys

from .. import io, saved
from ..errors import DataError


def run(args) -> int:
    model = saved.load(args.model)
    if args.proba and model.task != "classify":
        raise DataError("--proba applies to classification models; this one does regression")
    X = model.read_features(args.data)
    header, rows = ["prediction"], [[_cell(p)] for p in model.predict(X).tolist()]
    if args.proba:
        header += [f"p_{name}" for name in model.label_names]
        rows = [r + [f"{v:.6f}" for v in p] for r, p in zip(rows, model.predict_proba(X))]
    buf = _stringio.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    if args.out:
        io.files.atomic_write_text(args.out, buf.getvalue())
        print(f"{len(rows)} predictions written to {args.out}")
    else:
        sys.stdout.write(buf.getvalue())
    return 0


def _cell(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)
