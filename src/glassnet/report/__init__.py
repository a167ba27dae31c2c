"""The training report: what happened while a model trained, for a person to read.

:class:`ReportRecorder` is a training callback that records gradient norms and weights as
the model trains; :func:`write_report` turns what it recorded, the history and the test
results into ``report.html``, one self-contained page; :func:`plot_curves` draws
``curves.png``. matplotlib is imported only when a picture is drawn.
"""

from .curves import plot_curves
from .html import render_report, write_report
from .recorder import ReportRecorder, check_gradient_norms

__all__ = ["ReportRecorder", "write_report", "render_report", "plot_curves", "check_gradient_norms"]
