"""The tutorials in docs/ run: every ```python block of a file is executed in order, in one
namespace, in a temporary folder, so that the docs cannot drift away from the code."""

import argparse
import re
import shlex
import traceback
from pathlib import Path

import pytest

from glassnet.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))

# A fenced block: ```lang ... ``` at the start of lines; group 1 the language, 2 the code.
_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_SHELLS = ("shell", "bash", "sh", "console")


class TutorialError(Exception):
    """A code block of a tutorial failed."""


def code_blocks(text: str, languages) -> list[tuple[int, str]]:
    """(first line number of the code, code) of each fenced block in one of ``languages``."""
    return [
        (text.count("\n", 0, m.start(2)) + 1, m.group(2))
        for m in _FENCE.finditer(text)
        if m.group(1).lower() in languages
    ]


def run_python_blocks(path: Path) -> int:
    """Execute the python blocks of ``path`` in order in one namespace; return their number.

    Raises TutorialError naming the file, the block number and its first line.
    """
    namespace = {"__name__": f"docs.{path.stem}"}
    blocks = code_blocks(path.read_text(encoding="utf-8"), ("python", "py"))
    for number, (line, code) in enumerate(blocks, start=1):
        where = f"{path.name}, python block {number} (line {line})"
        try:
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - running our own docs
        except Exception as e:
            raise TutorialError(f"{where} failed:\n{traceback.format_exc()}") from e
    return len(blocks)


def _with_python(pages):
    return [p for p in pages if code_blocks(p.read_text(encoding="utf-8"), ("python",))]


TUTORIALS = _with_python(PAGES)


def test_the_docs_folder_holds_the_tutorials_and_an_index():
    names = [p.name for p in PAGES]
    assert "README.md" in names
    assert len(TUTORIALS) >= 5, f"only {len(TUTORIALS)} pages with python blocks in {DOCS}"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.name for p in TUTORIALS])
def test_tutorial_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files a tutorial writes land in a temporary folder
    try:
        run_python_blocks(path)
    except TutorialError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.name for p in TUTORIALS])
def test_tutorial_checks_its_claims_with_asserts(path):
    code = "\n".join(c for _, c in code_blocks(path.read_text(encoding="utf-8"), ("python",)))
    assert re.search(r"^\s*assert ", code, re.MULTILINE), f"{path.name} asserts nothing"


def test_the_index_links_every_tutorial_and_every_link_resolves():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in PAGES:
        if page.name != "README.md":
            assert f"]({page.name})" in index, f"docs/README.md does not link {page.name}"
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links a missing {target}"


def _glassnet_commands():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for line, code in code_blocks(text, _SHELLS):
            for k, command in enumerate(code.splitlines()):
                command = command.strip().removeprefix("$ ").split(" #")[0].strip()
                if command.startswith("glassnet "):
                    yield pytest.param(command, id=f"{page.name}:{line + k}")


COMMANDS = list(_glassnet_commands())


def test_the_tutorials_show_glassnet_commands():
    assert COMMANDS, "no `glassnet ...` command in any shell block of docs/"


@pytest.mark.parametrize("command", COMMANDS)
def test_shell_commands_are_valid_glassnet_commands(command, capsys):
    """Shell blocks are not run, but their commands and options must exist."""
    try:
        args = build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit as e:  # argparse exits: 0 after printing --help, 2 on a bad option
        out, err = capsys.readouterr()
        if e.code != 0:
            pytest.fail(f"`{command}` is not accepted: {err}", pytrace=False)
        assert "usage: glassnet" in out
        return
    assert isinstance(args, argparse.Namespace) and args.command


# -- the runner itself --------------------------------------------------------------------------


def test_code_blocks_finds_python_blocks_with_their_line_numbers():
    text = "# T\n\n```python\nx = 1\n```\n\ntext\n```shell\nls\n```\n```python\ny = x + 1\n```\n"
    assert code_blocks(text, ("python",)) == [(4, "x = 1\n"), (12, "y = x + 1\n")]
    assert code_blocks(text, _SHELLS) == [(9, "ls\n")]


def test_a_failing_block_is_named_by_file_and_number(tmp_path):
    page = tmp_path / "demo.md"
    page.write_text("```python\nx = 2\n```\n\nSome words.\n\n```python\nassert x == 3\n```\n")
    with pytest.raises(TutorialError, match=r"demo\.md, python block 2 \(line 8\) failed"):
        run_python_blocks(page)
    page.write_text("```python\nx = 2\n```\n```python\nassert x == 2\n```\n")
    assert run_python_blocks(page) == 2  # one namespace: block 2 sees block 1's x
