"""``glassnet playground``: serve the live page where a network learns, and open it."""

from __future__ import annotations

import os
import webbrowser

from ..data.datasets import builtin_name
from ..errors import GlassnetError
from ._common import echo


def _server_module():
    """The playground's server, or a one-line error naming the extra to install."""
    try:
        from ..playground import server
    except ImportError as e:  # pragma: no cover - the server needs only the standard library
        raise GlassnetError(
            f"the playground could not start ({e}); pip install 'glassnet[playground]'"
        ) from None
    return server


def _session(data: str | None):
    from ..playground.session import Session

    if data is None:
        return Session()
    name = builtin_name(data)
    if name is not None:
        return Session(settings={"data": name})
    path = os.path.abspath(data)
    if not os.path.isfile(path):
        raise GlassnetError(f"--data {data}: no such file, and not a built-in dataset")
    session = Session(csv_paths=[path])
    key = [k for k, v in session.choices.items() if v == path][0]
    session.start({"data": key})  # the same loader and one-line errors as glassnet train
    return session


def run(args) -> int:
    """Serve the playground until Ctrl-C; print one line with the page's address."""
    server_module = _server_module()
    session = _session(args.data)
    try:
        server = server_module.PlaygroundServer(session, host=args.host, port=args.port)
    except OSError as e:
        raise GlassnetError(
            f"cannot listen on {args.host}:{args.port}: {e.strerror or e}"
        ) from None
    try:  # from here on, Ctrl-C stops the server cleanly
        echo(f"glassnet playground at {server.url} (Ctrl-C stops it)")
        if not args.no_browser:
            webbrowser.open(server.url)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        echo("playground stopped")
    finally:
        server.close()
    return 0
