"""glassnet: a neural-network library built from first principles, where every step shows."""

from . import errors
from .errors import (
    DataError,
    DomainError,
    GlassnetError,
    GradcheckError,
    GraphError,
    ModelFileError,
    ShapeError,
)
from .gradcheck import GradcheckReport, gradcheck

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "errors",
    "GlassnetError",
    "ShapeError",
    "DomainError",
    "DataError",
    "ModelFileError",
    "GradcheckError",
    "GraphError",
    "gradcheck",
    "GradcheckReport",
]
