"""Error lines stay short and safe to print; numbers are ASCII numbers; a single class is not
a classification problem; "saved to" means every file is written."""

import errno

import pytest

import glassnet.report
from glassnet import cli


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _error(capsys) -> str:
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("error: "), err[:3000]
    return err


@pytest.mark.parametrize("cell", ["\u0661\u0662", "\uff11\uff12", "1_000"])
def test_a_number_in_other_digits_or_with_underscores_is_an_error_naming_the_cell(
    here, capsys, cell
):
    rows = [f"{i % 3},{i},{'a' if i % 2 else 'b'}" for i in range(20)]
    rows[4] = f"{cell},4,a"
    (here / "t.csv").write_text("x,y,label\n" + "\n".join(rows) + "\n")
    assert cli.main(["train", "--data", "t.csv", "--epochs", "1", "--quiet"]) == 2
    err = _error(capsys)
    assert err == (
        f"error: {here / 't.csv'}, line 6, column 'x': '{cell}' is not a number (numbers are "
        "written with the digits 0-9)\n"
    )
    assert not (here / "runs").exists()  # nothing was left behind


def test_a_single_class_target_is_refused(here, capsys):
    (here / "one.csv").write_text("x,y,label\n" + "".join(f"{i},{i % 5},rose\n" for i in range(30)))
    assert cli.main(["train", "--data", "one.csv", "--epochs", "1", "--quiet"]) == 2
    err = _error(capsys)
    assert "is the class 'rose'; a classifier needs at least two classes" in err


def test_an_error_naming_many_columns_lists_a_few_and_the_count(here, capsys):
    assert cli.main(["train", "--epochs", "1", "--quiet", "--out", "run"]) == 0
    capsys.readouterr()
    names = [f"column_{i}" for i in range(50_000)]
    (here / "wide.csv").write_text(",".join(names) + "\n" + ",".join("1" * 50_000) + "\n")
    assert cli.main(["predict", "--model", "run", "--data", "wide.csv"]) == 2
    err = _error(capsys)
    assert len(err) < 500
    assert "wide.csv: missing columns 'sepal_length', 'sepal_width'" in err
    assert "(the columns are column_0, column_1, column_2" in err
    assert "(50000 in all)" in err


def test_user_text_in_an_error_is_shortened_and_its_control_characters_escaped(here, capsys):
    (here / "ansi.csv").write_text("\x1b[2J\x1b[31mred,\x1b[2J\x1b[31mred,label\n1,2,a\n")
    assert cli.main(["train", "--data", "ansi.csv", "--epochs", "1", "--quiet"]) == 2
    err = _error(capsys)
    assert "\x1b" not in err and "\\x1b[2J\\x1b[31mred" in err
    long = "L" * 100_000
    (here / "long.csv").write_text(
        "x,y,label\n" + "".join(f"{i},{i % 3},{long}{i % 2}\n" for i in range(20))
    )
    assert (
        cli.main(["train", "--data", "long.csv", "--epochs", "1", "--quiet", "--out", "run"]) == 0
    )
    capsys.readouterr()
    (here / "other.csv").write_text(f"x,y,label\n1,2,{long}X\n")
    assert cli.main(["evaluate", "--model", "run", "--data", "other.csv"]) == 2
    err = _error(capsys)
    assert len(err) < 500 and "unknown class 'LLL" in err


def test_saved_to_is_printed_only_once_every_file_is_written(here, capsys, monkeypatch):
    def full_disk(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(glassnet.report, "write_report", full_disk)
    assert cli.main(["train", "--epochs", "2", "--quiet", "--out", "run"]) == 2
    out, err = capsys.readouterr()
    assert "saved to" not in out
    assert err == "error: run/report.html: No space left on device\n"
