"""cnncalc — a calculator and profiler for convolutional network architectures.

>>> import cnncalc
>>> cnncalc.analyze("alexnet").totals.weights
62369152
"""

from __future__ import annotations

from cnncalc.api import CnnCalcTypeError, CnnCalcValueError, analyze, from_torch
from cnncalc.errors import CnnCalcError, DslError

__version__ = "0.1.0"
__all__ = [
    "CnnCalcError",
    "CnnCalcTypeError",
    "CnnCalcValueError",
    "DslError",
    "__version__",
    "analyze",
    "build",
    "from_torch",
    "profile",
]

# `build` and `profile` need torch, so they are imported on first use (DESIGN §2: importing
# cnncalc never imports torch). Their modules are cnncalc.torch.build and cnncalc.torch.profile,
# names that importing them never binds on this package in place of the functions.
_LAZY = {"build": "cnncalc.torch.build", "profile": "cnncalc.torch.profile"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        function = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = function
        return function
    raise AttributeError(f"module 'cnncalc' has no attribute '{name}'")
