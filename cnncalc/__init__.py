"""cnncalc — a calculator and profiler for convolutional network architectures.

    >>> import cnncalc
    >>> cnncalc.analyze("alexnet").totals.weights
    62369152
"""

from __future__ import annotations

from cnncalc.api import analyze
from cnncalc.errors import CnnCalcError, DslError

__version__ = "0.1.0"
__all__ = ["analyze", "CnnCalcError", "DslError", "__version__"]
