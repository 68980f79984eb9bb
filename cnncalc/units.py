"""Numbers with units: parsing budget values (DESIGN §5) and printing counts and bytes (§4).

Counts use decimal units (k, M, G, T); bytes use binary units (KiB, MiB, GiB) — never
'MB' for MiB. Budget values accept both 'KB MB GB' (×1000) and 'KiB MiB GiB' (×1024).
"""

from __future__ import annotations

import math

COUNT_SUFFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BYTE_SUFFIXES = {
    "": 1, "B": 1,
    "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}  # fmt: skip


class UnitError(ValueError):
    """A value that is not a number with an accepted suffix; the message says what is."""


def _split(text: str) -> tuple[float, str]:
    """'62.4M' → (62.4, 'M'); '62,369,152' → (62369152.0, '')."""
    text = text.strip().replace("_", "")
    i = len(text)
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    number, suffix = text[:i].strip(), text[i:]
    if "," in number:
        # Commas only as thousands separators: '2,5MiB' is a decimal comma, and reading it as
        # 25 MiB would make the budget ten times too loose.
        whole, _, rest = number.partition(".")
        groups = whole.lstrip("+-").split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise UnitError(
                f"'{text}': a comma may only separate thousands (62,369,152); write decimals"
                " with a point (2.5MiB)"
            )
        number = whole.replace(",", "") + (f".{rest}" if rest else "")
    try:
        value = float(number)
    except ValueError:
        raise UnitError(f"'{text}' is not a number") from None
    if not math.isfinite(value):  # '1e400' parses as inf
        raise UnitError(f"'{text}' is not a finite number")
    return value, suffix


def parse_quantity(value: object, unit: str) -> int | float:
    """A budget value: an int/float, or a string with a suffix; `unit` is 'count', 'bytes' or 'ms'."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UnitError(f"expected a number or a string such as '62.4M', got {value!r}")
    if isinstance(value, (int, float)):
        number, suffix = float(value), ""
        if not math.isfinite(number):  # TOML has inf and nan
            raise UnitError(f"{value!r} is not a finite number")
    else:
        number, suffix = _split(value)
    table = {"count": COUNT_SUFFIXES, "bytes": BYTE_SUFFIXES, "ms": {"": 1, "ms": 1}}[unit]
    if suffix not in table:
        accepted = {"count": "k, M, G, T", "bytes": "KiB, MiB, GiB or KB, MB, GB",
                    "ms": "ms or no suffix"}[unit]  # fmt: skip
        raise UnitError(f"unknown suffix '{suffix}' in '{value}'; expected {accepted}")
    if number < 0:
        raise UnitError(f"'{value}' is negative")
    scaled = number * table[suffix]
    return scaled if unit == "ms" else round(scaled)


def count(n: int) -> str:
    """62369152 → '62.4M' (decimal units)."""
    for suffix, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f}{suffix}"
    return str(n)


def nbytes(n: int) -> str:
    """249476608 → '237.9 MiB' (binary units)."""
    for suffix, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {suffix}"
    return f"{n} B"


def exact(n: int) -> str:
    """Thousands separators: 62,369,152."""
    return f"{n:,}"
