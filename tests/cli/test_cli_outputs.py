"""An output never writes over a run's own files, nor through a symbolic link onto another."""

import pytest

from glassnet import cli


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    here = tmp_path_factory.mktemp("outputs")
    assert cli.main(["train", "--epochs", "2", "--quiet", "--out", str(here / "run")]) == 0
    return here / "run"


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize(
    "command, target",
    [
        ("predict", "best.safetensors"),
        ("predict", "run.json"),
        ("evaluate", "last.safetensors"),
        ("evaluate", "run.json"),
        ("evaluate", "report.html"),
        ("predict", "history.csv"),
    ],
)
def test_an_output_naming_a_file_of_the_run_is_refused(run, capsys, command, target):
    before = _files(run)
    capsys.readouterr()
    args = [command, "--model", str(run), "--data", "iris", "--out", str(run / target)]
    assert cli.main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"error: --out {run / target} would write over {target}, a file of the run folder "
        f"{run}; give a file of its own\n"
    )
    assert _files(run) == before


def test_an_output_naming_the_model_file_is_refused_even_through_a_link(run, capsys, tmp_path):
    before = _files(run)
    model = run / "model.safetensors"
    link = tmp_path / "preds.csv"
    link.symlink_to(model)
    for out in (model, link):
        args = ["predict", "--model", str(model), "--data", "iris", "--out", str(out)]
        assert cli.main(args) == 2
        assert capsys.readouterr().err.startswith(f"error: --out {out} ")
    assert _files(run) == before
    assert cli.main(["train", "--resume", str(run)]) == 0  # the run is whole


def test_a_new_file_in_the_run_folder_is_fine(run, capsys):
    args = ["predict", "--model", str(run), "--data", "iris", "--out", str(run / "preds.csv")]
    assert cli.main(args) == 0
    assert (run / "preds.csv").read_text().count("\n") == 151
    (run / "preds.csv").unlink()


def test_a_graph_is_never_written_through_a_link_onto_another_file(tmp_path, capsys):
    victim = tmp_path / "notes.txt"
    victim.write_text("mine\n")
    link = tmp_path / "graph.dot"
    link.symlink_to(victim)
    assert cli.main(["explain", "--graph", str(link)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {link}: a symbolic link") and err.count("\n") == 1
    assert victim.read_text() == "mine\n"


@pytest.mark.parametrize("target", ["model.safetensors", "last.safetensors", "run.json"])
def test_an_export_never_writes_over_the_run(run, capsys, target):
    before = _files(run)
    capsys.readouterr()
    assert cli.main(["export", "--model", str(run), "--out", str(run / target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out {run / target} ") and err.count("\n") == 1
    assert _files(run) == before
