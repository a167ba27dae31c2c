"""``glassnet export``: a saved model as one ONNX file, preprocessing and labels included."""

from __future__ import annotations

from .. import saved
from ..export import check_opset, export_onnx, require_onnx, signature
from ._common import echo
from ._runfolder import check_output


def run(args) -> int:
    check_opset(args.opset, "--opset", require_onnx())
    check_output(args.out, args.model)
    model = saved.load(args.model)
    out = export_onnx(model, args.out, opset=args.opset)
    echo(f"{model!r} exported to {out} (ONNX opset {args.opset})")
    if args.signature:
        echo(signature(out))
    return 0
