"""``python -m glassnet``: the same as the ``glassnet`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a tool (e.g. pytest's doctest finder) imports it
    sys.exit(main())
