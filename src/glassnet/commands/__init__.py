"""What each ``glassnet`` command does, one module per command; :mod:`glassnet.cli` parses
the arguments and calls the command's ``run(args)``, which returns the exit code."""

COMMANDS = ("train", "evaluate", "predict", "explain", "info", "datasets", "playground")
