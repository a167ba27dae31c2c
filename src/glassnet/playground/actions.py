"""The page's commands, each checked before anything changes, then applied to the session.

A command is a JSON object ``{"op": NAME, ...}``. Its fields are checked as the command
line checks its options (:mod:`glassnet.checks`, :mod:`glassnet.playground.settings`);
a bad one is answered with ``{"ok": false, "error": "one line"}``, which the page shows,
and the session is left as it was. The answer is an HTTP 200 even then: the command was
received and answered, and the browser logs no failed request in its console.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from .. import checks
from ..errors import GlassnetError, SettingError
from . import glass, runs

__all__ = ["handle", "FIELDS"]

# op -> the fields it takes besides "op"
FIELDS = {
    "settings": ("changes",),
    "play": (),
    "pause": (),
    "step": ("unit",),
    "reset": ("new_seed",),
    "sample": ("index",),
    "edit": ("layer", "neuron", "input", "value"),
    "save": ("folder",),
    "load": ("folder",),
    "upload": ("name", "text"),
}


def _check(message) -> str:
    if not isinstance(message, dict):
        raise SettingError("playground: a command is a JSON object with an 'op'")
    op = checks.one_of(message.get("op"), tuple(FIELDS), "op", "playground")
    unknown = [k for k in message if k != "op" and k not in FIELDS[op]]
    if unknown:
        takes = ", ".join(FIELDS[op]) or "no other fields"
        raise SettingError(
            f"playground: {op} takes {takes}; got the unknown field {unknown[0]!r:.40}"
        )
    return op


def _folder(message, required: bool):
    folder = message.get("folder")
    if folder in (None, "") and not required:
        return None
    if not isinstance(folder, str) or not folder.strip():
        raise SettingError("playground: folder must be the path of a run folder")
    return folder.strip()


def _upload(server, name, text) -> None:
    """Keep an uploaded CSV in the server's own folder and read it as ``--data`` would be."""
    if not isinstance(name, str) or not name.lower().endswith(".csv") or len(name) > 100:
        raise SettingError("upload: name must be a file name ending in .csv")
    if not isinstance(text, str):
        raise SettingError("upload: text must be the file's contents")
    name = Path(name).name  # a file name only: nothing is written outside the folder
    path = Path(server.uploads) / name
    path.write_text(text, encoding="utf-8")
    server.session.add_csv(str(path))


def _apply(server, op: str, message: dict) -> dict:
    session = server.session
    if op == "play":
        server.playing = True
        server.notice = ""
    elif op == "pause":
        server.playing = False
    elif op == "settings":
        session.update(message.get("changes"))
    elif op == "step":
        unit = checks.one_of(message.get("unit", "batch"), ("batch", "epoch"), "unit", "step")
        server.playing = False
        session.step_batch() if unit == "batch" else session.step_epoch()
    elif op == "reset":
        new_seed = message.get("new_seed", False)
        checks.one_of(new_seed, (True, False), "new_seed", "reset")
        server.playing = False
        session.reset(new_seed=new_seed is True)
    elif op == "sample":
        return {"sample": glass.sample_view(session, message.get("index"))}
    elif op == "edit":
        session.edit(
            message.get("layer"), message.get("neuron"), message.get("input"), message.get("value")
        )
    elif op == "save":
        return {"folder": str(runs.save_run(session, _folder(message, required=False)))}
    elif op == "upload":
        _upload(server, message.get("name"), message.get("text"))
    elif op == "load":
        server.playing = False
        runs.load_run(session, _folder(message, required=True))
    return {}


def handle(server, message) -> tuple[HTTPStatus, dict]:
    """Check and apply one command; returns the HTTP status and the reply."""
    try:
        op = _check(message)
        with server.session.lock:
            reply = _apply(server, op, message)
    except (GlassnetError, OSError) as e:
        text = str(e) if not isinstance(e, OSError) else f"{e.filename or ''}: {e.strerror or e}"
        return HTTPStatus.OK, {"ok": False, "error": " ".join(text.split())}
    if op != "sample":
        server.publish()
    return HTTPStatus.OK, {"ok": True, **reply}
