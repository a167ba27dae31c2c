"""Ctrl-C at any moment: one message, exit code 130, files whole.

Python raises ``KeyboardInterrupt`` wherever the interpreter happens to be. Inside a
library's callback or finaliser (matplotlib's, while it draws) the exception can be printed as
"Exception ignored in ..." and lost, and the run goes on. :func:`deferred` holds a Ctrl-C
until a block that writes one file has finished, then raises it in glassnet's own code.
"""

from __future__ import annotations

import contextlib
import signal
import threading


@contextlib.contextmanager
def deferred():
    """Run the block with Ctrl-C held back; raise ``KeyboardInterrupt`` after it if one came."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # e.g. under nohup
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def ignore_further() -> None:
    """Ignore Ctrl-C from now on: the message being printed, or the exit, must not be cut."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
