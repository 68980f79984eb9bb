"""Numbers with units: parsing budget values (DESIGN §5) and printing counts and bytes (§4).

Counts use decimal units (k, M, G, T); bytes use binary units (KiB, MiB, GiB) — never
'MB' for MiB. Budget values accept both 'KB MB GB' (×1000) and 'KiB MiB GiB' (×1024).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from cnncalc.errors import shorten
from cnncalc.messages import msg

T = TypeVar("T")

if TYPE_CHECKING:
    from fractions import Fraction

COUNT_SUFFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BYTE_SUFFIXES = {
    "": 1, "B": 1,
    "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}  # fmt: skip


# Budgets are compared exactly (issue 9: 2^53 + 1 must pass against itself), so numbers are
# read as decimals, never through a float. Past these bounds a budget means nothing, and the
# bounds keep the exact arithmetic cheap and every figure printable.
MAX_QUANTITY = 10**400
_MAX_NUMBER_CHARS = 450
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class UnitError(ValueError):
    """A value that is not a number with an accepted suffix; the message says what is."""


def _split(text: str) -> tuple[Fraction, str]:
    """'62.4M' → (312/5, 'M'); '62,369,152' → (62369152, ''). Exact: no float on the way."""
    from decimal import Decimal  # budgets only: `shape` never reads one
    from fractions import Fraction

    text = text.strip().replace("_", "")
    i = len(text)
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    number, suffix = text[:i].strip(), text[i:]
    if len(number) > _MAX_NUMBER_CHARS:
        raise UnitError(msg("check.units.too_many_digits", text=shorten(text)))
    if "," in number:
        # Commas only as thousands separators: '2,5MiB' is a decimal comma, and reading it as
        # 25 MiB would make the budget ten times too loose.
        whole, _, rest = number.partition(".")
        groups = whole.lstrip("+-").split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise UnitError(msg("check.units.comma", text=shorten(text)))
        number = whole.replace(",", "") + (f".{rest}" if rest else "")
    if not _NUMBER.fullmatch(number):
        if number.lstrip("+-").lower() in ("inf", "infinity", "nan") and not suffix:
            raise UnitError(msg("check.units.not_finite", text=shorten(text)))
        if suffix.lower() in ("inf", "infinity", "nan") and not number.strip("+-"):
            raise UnitError(msg("check.units.not_finite", text=shorten(text)))
        # ASCII digits only: '²' or '３' pass str.isdigit, and int() reads some of them
        raise UnitError(msg("check.units.not_a_number", text=shorten(text)))
    value = Decimal(number)
    if value.adjusted() >= 400:
        raise UnitError(_too_large(text))
    if value.adjusted() < -400:  # below any unit's resolution: zero, without a 400-digit ratio
        return Fraction(0), suffix
    return Fraction(value), suffix


def _too_large(text: str, most: str = "10^400") -> str:
    return msg("check.units.too_large", text=shorten(text), most=most)


def parse_quantity(value: object, unit: str) -> int | float:
    """A budget value: an int/float, or a string with a suffix; `unit` is 'count', 'bytes' or
    'ms'. Counts and bytes come back as exact ints (a fraction is rounded down: at most 2.5
    weights is at most 2); a byte budget needs a unit (issue 9: is 300 bytes or MiB?)."""
    from decimal import Decimal
    from fractions import Fraction

    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UnitError(msg("check.units.expected_number", value=repr(value)))
    if isinstance(value, float) and not math.isfinite(value):  # TOML has inf and nan
        raise UnitError(msg("check.units.not_finite_value", value=repr(value)))
    if isinstance(value, int):
        if value >= MAX_QUANTITY:
            raise UnitError(_too_large(f"{Decimal(value):.3e}"))
        number, suffix = Fraction(value), ""
    else:
        number, suffix = _split(repr(value) if isinstance(value, float) else value)
    table = {"count": COUNT_SUFFIXES, "bytes": BYTE_SUFFIXES, "ms": {"": 1, "ms": 1}}[unit]
    if suffix not in table:
        accepted = msg(f"check.units.suffixes.{unit}")
        raise UnitError(msg("check.units.unknown_suffix", suffix=shorten(suffix),
                            value=shorten(str(value)), accepted=accepted))  # fmt: skip
    if number < 0:
        raise UnitError(msg("check.units.negative", value=shorten(str(value))))
    if unit == "bytes" and not suffix:
        bare = shorten(str(value).strip())
        raise UnitError(msg("check.units.bytes_need_unit", bare=bare))
    scaled = number * table[suffix]
    if unit == "ms":
        if isinstance(value, int):  # as written: `cpu = 250` stays 250 in the JSON
            return value
        try:
            return float(scaled)
        except OverflowError:
            raise UnitError(_too_large(str(value), f"{sys.float_info.max:.3g} ms")) from None
    whole = scaled.numerator // scaled.denominator
    if whole >= MAX_QUANTITY:
        raise UnitError(_too_large(str(value)))
    return whole


def count(n: int) -> str:
    """62369152 → '62.4M' (decimal units); past a million T in exponent form ('1e+300T')."""
    if abs(n) >= 10**18:
        from decimal import Decimal

        return f"{Decimal(n) / 10**12:.3g}T"
    for suffix, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f}{suffix}"
    return str(n)


def nbytes(n: int) -> str:
    """249476608 → '237.9 MiB' (binary units); past a million TiB in exponent form."""
    if abs(n) >= 2**60:
        from decimal import Decimal

        return f"{Decimal(n) / 2**40:.3g} TiB"
    for suffix, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {suffix}"
    return f"{n} B"


def exact(n: int) -> str:
    """Thousands separators: 62,369,152."""
    return f"{n:,}"


def decimal(x: float) -> str:
    """A float argument as DSL text: its shortest exact digits, never an exponent ('1e-05'
    would read as two items split at its '-'), so the canonical text parses back to x."""
    text = repr(float(x))
    if "e" in text:
        text = format(Decimal(text), "f")
    return text.removesuffix(".0")


def pair(axes: tuple[T, T], fmt: Callable[[T], str] = str) -> str:
    """(H, W) as '3' when both are 3, else '3×5' (DESIGN §3 writes a square kernel once)."""
    return fmt(axes[0]) if axes[0] == axes[1] else f"{fmt(axes[0])}×{fmt(axes[1])}"
