"""The package's layers: every module imports only from its own layer or the ones below it.

The order, bottom to top (README, "Architecture"):

0. errors, checks, _order: the exception family, the validation rules, the graph order
1. tensor, scalar, gradcheck: the two engines and the gradient checker
2. nn, losses, optim, reference: what is built on the tensor engine
3. explain: tracing, its notation and drawing (hooks into the engine, never called by it)
4. data, io, metrics: tables and datasets, files, scores
5. train: the Trainer and what it needs
6. saved, _model_config: a trained model with its preprocessing, and its config's checks
7. report, sklearn, export, playground: what shows or ships a model
8. commands: what each ``glassnet`` command does
9. cli, __main__: the argument parser and the entry point

Imports inside functions count too: a lazy import from a higher layer is still a dependency.
"""

import ast
from pathlib import Path

import pytest

import glassnet

LAYERS = [
    ["errors", "checks", "_order"],
    ["tensor", "scalar", "gradcheck"],
    ["nn", "losses", "optim", "reference"],
    ["explain"],
    ["data", "io", "metrics"],
    ["train"],
    ["saved", "_model_config"],
    ["report", "sklearn", "export", "playground"],
    ["commands"],
    ["cli", "__main__"],
]
LAYER_OF = {name: k for k, names in enumerate(LAYERS) for name in names}
ROOT = Path(glassnet.__file__).parent


def _part(path: Path) -> str:
    """The top-level part of glassnet that a source file belongs to."""
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def _imported_parts(path: Path) -> list[tuple[int, str]]:
    """(line, part of glassnet) for every import of glassnet in a file, relative or absolute."""
    package = ".".join(("glassnet", *path.relative_to(ROOT).with_suffix("").parts))
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names = [module] if node.module else [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "glassnet" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


SOURCES = sorted(p for p in ROOT.rglob("*.py") if p.name != "__init__.py" or p.parent != ROOT)


def test_every_part_of_the_package_has_a_layer():
    parts = {_part(p) for p in SOURCES}
    assert parts <= set(LAYER_OF), f"give these a layer: {sorted(parts - set(LAYER_OF))}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_from_a_layer_above_it(path):
    own = LAYER_OF[_part(path)]
    above = [
        f"line {line}: glassnet.{part} (layer {LAYER_OF[part]})"
        for line, part in _imported_parts(path)
        if part != "__version__" and LAYER_OF.get(part, -1) > own
    ]
    assert not above, f"{path.relative_to(ROOT)} (layer {own}) imports from above: {above}"


def test_the_rule_catches_an_import_from_above(tmp_path, monkeypatch):
    """The walker sees relative, absolute and lazy imports alike."""
    fake = ROOT / "nn" / "layers.py"
    source = "def f():\n    from ..train import Trainer\n    import glassnet.saved\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert _imported_parts(fake) == [(2, "train"), (3, "saved")]
