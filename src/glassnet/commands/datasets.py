"""``glassnet datasets``: the built-in datasets with their sizes."""

from __future__ import annotations

from ..data import list_datasets


def run(args) -> int:
    print(f"{'name':<15}{'task':<10}{'samples':>8}{'features':>10}{'classes':>9}  source")
    for d in list_datasets():
        classes = "-" if d.n_classes is None else str(d.n_classes)
        print(f"{d.name:<15}{d.task:<10}{d.n_samples:>8}{d.n_features:>10}{classes:>9}  {d.source}")
    return 0
