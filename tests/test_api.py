"""The top-level API: small enough to hold in one's head, and every name in it real."""

import subprocess
import sys

import glassnet


def test_the_top_level_names_at_most_35_things_and_each_exists():
    assert len(glassnet.__all__) <= 35, glassnet.__all__
    assert len(set(glassnet.__all__)) == len(glassnet.__all__)
    missing = [name for name in glassnet.__all__ if not hasattr(glassnet, name)]
    assert not missing


def test_importing_glassnet_imports_no_optional_or_heavy_package():
    heavy = ["matplotlib", "sklearn", "pandas", "dask", "onnx", "graphviz", "rich"]
    code = f"import sys, glassnet; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
