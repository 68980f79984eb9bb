"""Weight initialisation (seed 002): the formulas as plain arithmetic, and the draws in numpy.

    Xavier (Glorot):  std = √(2/(fan_in + fan_out)),  limit = √(6/(fan_in + fan_out))
    He (Kaiming):     std = √(2/fan_in),              limit = √(6/fan_in)
    LeCun:            std = √(1/fan_in),              limit = √(3/fan_in)
    PyTorch default:  uniform ±1/√fan_in for weight and bias (kaiming_uniform_ with a = √5)

`normal` draws N(0, std²), `uniform` U(−limit, limit), which has the same std (limit/√3).
Biases start at zero, except under `pytorch`. The formulas are importable without numpy, for
`shape --columns +init`.
"""

from __future__ import annotations

import math
from typing import Any

from cnncalc.numeric.params import Param

INITS = ("he", "xavier", "lecun", "pytorch")
DISTS = ("normal", "uniform")


def init_std(init: str, fan_in: int, fan_out: int) -> float:
    """The standard deviation `init` gives a weight with these fans (seed 002)."""
    if init == "he":
        return math.sqrt(2 / fan_in)
    if init == "xavier":
        return math.sqrt(2 / (fan_in + fan_out))
    if init == "lecun":
        return math.sqrt(1 / fan_in)
    return 1 / math.sqrt(3 * fan_in)  # pytorch: U(±1/√fan_in) has std (1/√fan_in)/√3


def draw(param: Param, init: str, dist: str, rng: Any, dtype: Any) -> Any:
    """A starting value for one parameter tensor."""
    import numpy as np

    if param.init == "const":
        return np.full(param.shape, param.value, dtype)
    fan_in, fan_out = param.fan or (1, 1)
    if param.init == "bias":
        if init != "pytorch":
            return np.zeros(param.shape, dtype)
        bound = 1 / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, param.shape).astype(dtype)
    std = init_std(init, fan_in, fan_out)
    if init == "pytorch" or dist == "uniform":
        limit = std * math.sqrt(3)  # √(6/…) for He and Xavier, as seed 002 writes it
        return rng.uniform(-limit, limit, param.shape).astype(dtype)
    return rng.normal(0, std, param.shape).astype(dtype)
