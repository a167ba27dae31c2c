"""A run folder holds one run: claimed by one ``glassnet train`` for the run's whole life,
cleaned of the temporary files an earlier crash left, and never written over by the output of
another command.

The claim is an exclusive ``flock`` on the folder itself: the system releases it whenever the
process ends, by any path (a SIGKILL included), so it never goes stale and leaves no file
behind; a second process that asks for it is refused at once.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from ..errors import GlassnetError

# What a run leaves in its folder; each is the run's own, never another command's output.
RUN_OUTPUTS = (
    "run.json",
    "model.safetensors",
    "last.safetensors",
    "best.safetensors",
    "history.csv",
    "metrics.json",
    "curves.png",
    "report.html",
)
# The files that make a folder hold a run: a run with none of them stopped before its first
# checkpoint, and a new run may start there.
CHECKPOINTED = ("model.safetensors", "last.safetensors", "best.safetensors")
_TEMPORARY = re.compile(r"\..+\.[0-9a-f]{8}\.tmp")  # as glassnet.io.files names them


class FolderTaken(GlassnetError):
    """The folder holds another run, or another process is writing one there now."""


@contextlib.contextmanager
def claimed(out: Path, option: str):
    """Hold ``out`` for one run while the block runs; refuse at once if another holds it."""
    try:
        import fcntl  # POSIX
    except ImportError:  # elsewhere the folder is checked, not claimed
        yield out
        return
    made = [p for p in [out, *out.parents] if not p.exists()]  # to remove if nothing is run
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderTaken(
                f"{option} {out}: another glassnet train is running in that folder now; "
                "give another folder, or wait for it to finish"
            ) from None
        remove_temporaries(out)
        yield out
    except BaseException:
        with contextlib.suppress(OSError):  # a run that never began leaves no folders behind
            for folder in made:
                folder.rmdir()  # only if empty
        raise
    finally:
        os.close(fd)  # releases the claim


def remove_temporaries(folder: Path) -> list[str]:
    """Remove the half-written ``.NAME.xxxxxxxx.tmp`` files a crash left in ``folder``.

    Called only under the folder's claim, so no live write of glassnet's is among them.
    """
    removed = []
    for entry in os.scandir(folder):
        if _TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


def check_free(out: Path) -> None:
    """A new run starts only in a folder without another run's checkpoints or model; checked
    under the folder's claim, so that two runs cannot both find it free."""
    held = [name for name in CHECKPOINTED if (out / name).exists()]
    if held:  # files of two runs in one folder would be read as one run
        raise FolderTaken(
            f"--out {out} already holds a run ({', '.join(held)}); give "
            f"another folder, or continue that run with --resume {out}"
        )


def check_output(out: str | os.PathLike, model: str | os.PathLike, option: str = "--out") -> None:
    """Refuse an output path that names the model file or any file of a run folder.

    A new file in a run folder (``runs/iris/preds.csv``) is fine; the model given, a file the
    run writes, and any file already in a run folder are not.

    Raises
    ------
    GlassnetError
        Naming the option and the file it would have written over.
    """
    model_path = Path(model)
    model_file = model_path / "model.safetensors" if model_path.is_dir() else model_path
    target = Path(out)
    for path in dict.fromkeys([target, Path(os.path.realpath(target))]):
        if os.path.realpath(path) == os.path.realpath(model_file):
            raise GlassnetError(f"{option} {out} names the model file itself; give another file")
        held = _is_run_folder(path.parent)
        if held and (path.name in RUN_OUTPUTS or _TEMPORARY.fullmatch(path.name) or path.exists()):
            raise GlassnetError(
                f"{option} {out} would write over {path.name}, a file of the run folder "
                f"{path.parent}; give a file of its own"
            )


def _is_run_folder(folder: Path) -> bool:
    return (folder / "run.json").is_file() or any((folder / n).is_file() for n in CHECKPOINTED)
