"""Where `profile` lived before the torch side became the package cnncalc.torch (issue 16).

Kept only for the callers that still import `profile` from here (the CLI and the
latency budgets, until they import cnncalc.torch.profile); nothing else belongs here.
"""

from __future__ import annotations

from cnncalc.torch.profile import profile

__all__ = ["profile"]
