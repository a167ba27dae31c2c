"""The README's code runs too: its python blocks execute, and its glassnet commands parse."""

import shlex
from pathlib import Path

import pytest
from test_tutorials import _SHELLS, TutorialError, code_blocks, run_python_blocks

from glassnet.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        assert run_python_blocks(README) >= 3
    except TutorialError as e:
        pytest.fail(str(e), pytrace=False)


def test_readme_glassnet_commands_parse():
    commands = [
        line.split(" #")[0].strip()
        for _, code in code_blocks(README.read_text(encoding="utf-8"), _SHELLS)
        for line in code.splitlines()
        if line.strip().startswith("glassnet ")
    ]
    assert len(commands) >= 5
    for command in commands:
        args = build_parser().parse_args(shlex.split(command)[1:])
        assert args.command, command


def test_readme_set_up_commands_are_the_ones_ci_runs():
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = 'python -m pip install -e ".[dev]" && python -m pytest'
    assert test_command in text and test_command in ci
    assert "pip install . && glassnet train" in text
