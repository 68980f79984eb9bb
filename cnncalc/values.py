"""Given values for `cnncalc run` (issue 12): a spec file's `[values]` table or an `.npz` file.

    [values]
    input = [[1, 1, 1, 0, 0], …]              # H×W (one channel) or H×W×C; N for a vector
    "Conv:1" = { weight = [[1, 0, 1], …], bias = 1 }

Keys are row names (`cnncalc shape` prints them) and, inside, the row's parameter names as
PyTorch's module has them (weight F×C/G×Kh×Kw, FC out×in, BN weight/bias/running_mean/
running_var, SE fc1.weight …). A tensor may leave out leading sizes of 1: one filter on one
channel is a Kh×Kw matrix, a single bias a number. In an `.npz` the keys are `input` and
`ROW.PARAM` (`Conv:1.weight`).

Every tensor's shape is compared with the expected one before anything is allocated, so a
hostile file costs nothing; a ragged list, a value that is no finite number, an unknown row or
parameter is one message (exit 2).
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.ir import Shape
from cnncalc.messages import msg
from cnncalc.numeric.params import Param

FLOAT32_MAX = 3.4028234663852886e38
INPUT = "input"


@dataclass(frozen=True, slots=True)
class Npz:
    """One array inside an .npz file, read only once its header's shape is accepted."""

    path: str
    member: str


# What was given: "input" → a source, and row name → parameter name → a source (a nested list
# or number from TOML, or an Npz member).
Given = dict[str, Any]


def from_table(table: Any) -> Given:
    """A spec's [values] table, checked for its layout only (rows are checked by `resolve`)."""
    if not isinstance(table, dict):
        raise CnnCalcError(msg("run.values_not_table"))
    given: Given = {}
    for key, value in table.items():
        if key == INPUT:
            given[INPUT] = value
        elif isinstance(value, dict):
            given[key] = dict(value)
        else:
            raise CnnCalcError(msg("run.values_row_not_table", row=key))
    return given


def from_npz(path: str | Path) -> Given:
    """The arrays of an .npz file by name (`input`, `Conv:1.weight`), none read yet."""
    shown = str(path)
    try:
        with zipfile.ZipFile(path) as z:
            names = [n.removesuffix(".npy") for n in z.namelist() if n.endswith(".npy")]
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise CnnCalcError(msg("run.npz_unreadable", path=shown, why=exc)) from None
    given: Given = {}
    for name in names:
        if name == INPUT:
            given[INPUT] = Npz(shown, name + ".npy")
            continue
        row, dot, param = name.partition(".")
        if not (dot and row and param):
            raise CnnCalcError(msg("run.npz_key", path=shown, key=name))
        given.setdefault(row, {})[param] = Npz(shown, name + ".npy")
    return given


def resolve(given: Given, params: dict[str, dict[str, Param]], input: Shape, dtype: Any) -> tuple[Any, dict[str, dict[str, Any]]]:  # fmt: skip
    """The input (1×C×H×W or 1×N, None when not given) and every given parameter as arrays,
    each checked against what its row expects (`params`: row → parameter → Param)."""
    _split_npz_names(given, params)
    x = None
    if INPUT in given:
        # one channel may be written as an H×W matrix, as the notes write X
        also = input.dims[:2] if not input.is_flat and input.c == 1 else None
        x = _tensor(given[INPUT], input.dims, INPUT, dtype, also)
        x = x.reshape(1, -1) if input.is_flat else x.reshape(input.dims).transpose(2, 0, 1)[None]
    arrays: dict[str, dict[str, Any]] = {}
    for row, table in given.items():
        if row == INPUT:
            continue
        if row not in params:
            known = [r for r in params] + [INPUT]
            raise CnnCalcError(msg("run.values_unknown_row", row=row,
                                   hint=did_you_mean(row, known)))  # fmt: skip
        expected = params[row]
        if not expected:
            raise CnnCalcError(msg("run.values_no_weights", row=row))
        for name, source in table.items():
            if name not in expected:
                raise CnnCalcError(msg("run.values_unknown_param", row=row, param=name,
                                       expected=", ".join(expected)))  # fmt: skip
            shape = expected[name].shape
            arrays.setdefault(row, {})[name] = _tensor(source, shape, f"{row}.{name}", dtype)
    return x, arrays


def _split_npz_names(given: Given, params: dict[str, dict[str, Param]]) -> None:
    """An npz key `ROW.PARAM` is split at its first '.', but row names and SE's parameters
    (`fc1.weight`) may hold dots too: re-split each at the dot that names a known row."""
    for row in [r for r in given if r != INPUT and r not in params]:
        for name, source in list(given[row].items()):
            whole = f"{row}.{name}"
            for known, names in params.items():
                if whole.startswith(known + ".") and whole[len(known) + 1 :] in names:
                    given.setdefault(known, {})[whole[len(known) + 1 :]] = source
                    del given[row][name]
                    break
        if not given[row]:
            del given[row]


def _fits(got: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """`got` is `shape`, or `shape` without some of its leading sizes of 1 (a Kh×Kw matrix for
    a 1×1×Kh×Kw weight, a number for one bias)."""
    trimmed = shape
    while True:
        if got == trimmed:
            return True
        if not trimmed or trimmed[0] != 1:
            return False
        trimmed = trimmed[1:]


def _shown(shape: tuple[int, ...]) -> str:
    """'3×3', or 'a number' for a scalar."""
    return "×".join(str(d) for d in shape) if shape else "a number"


def _tensor(source: Any, shape: tuple[int, ...], where: str, dtype: Any,
            also: tuple[int, ...] | None = None) -> Any:  # fmt: skip
    """One given tensor as an array of `shape` (or written as `also`), or one message saying
    what is wrong."""
    if isinstance(source, Npz):
        return _npz_tensor(source, shape, where, dtype, also)
    got = _list_shape(source, where)
    if not (_fits(got, shape) or got == also):
        raise CnnCalcError(msg("run.values_shape", where=where, expected=_shown(shape),
                               got=_shown(got)))  # fmt: skip
    import numpy as np

    return np.array(_flatten(source, got, where), dtype=dtype).reshape(shape)


def _list_shape(value: Any, where: str) -> tuple[int, ...]:
    """The sizes of a nested list, read down its first elements (the rest is checked by
    `_flatten`, once the sizes are known to be the expected ones)."""
    sizes = []
    while isinstance(value, list):
        sizes.append(len(value))
        if not value:
            raise CnnCalcError(msg("run.values_empty", where=where))
        value = value[0]
    return tuple(sizes)


def _flatten(value: Any, shape: tuple[int, ...], where: str) -> list[float]:
    """Every number of a nested list of `shape`, in order, without recursion: a ragged list or
    anything but a finite number is refused."""
    out: list[float] = []
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth < len(shape):
            if not isinstance(item, list) or len(item) != shape[depth]:
                raise CnnCalcError(msg("run.values_ragged", where=where, expected=_shown(shape)))
            stack.extend((v, depth + 1) for v in reversed(item))
            continue
        out.append(_number(item, where))
    return out


def _number(item: Any, where: str) -> float:
    """A finite number that float32 holds."""
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        raise CnnCalcError(msg("run.values_not_number", where=where, got=type(item).__name__))
    try:
        value = float(item)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
        raise CnnCalcError(msg("run.values_not_finite", where=where, got=f"{value:g}"))
    return value


def _npz_tensor(source: Npz, shape: tuple[int, ...], where: str, dtype: Any,
                also: tuple[int, ...] | None) -> Any:  # fmt: skip
    """One .npz array: its header read first, the data only when its shape fits."""
    import numpy as np

    try:
        with zipfile.ZipFile(source.path) as z, z.open(source.member) as f:
            version = np.lib.format.read_magic(f)
            read = {(1, 0): np.lib.format.read_array_header_1_0,
                    (2, 0): np.lib.format.read_array_header_2_0}.get(version)  # fmt: skip
            if read is None:
                raise ValueError(f"unsupported .npy version {version}")
            got, _, kind = read(f)
            if not (_fits(tuple(got), shape) or tuple(got) == also):
                raise CnnCalcError(msg("run.values_shape", where=where, expected=_shown(shape),
                                       got=_shown(tuple(got))))  # fmt: skip
            if kind.kind not in "iuf":
                raise CnnCalcError(msg("run.values_not_number", where=where, got=str(kind)))
            a = np.lib.format.read_array(z.open(source.member), allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise CnnCalcError(msg("run.npz_unreadable", path=source.path, why=exc)) from None
    a = a.astype(np.float64)
    if not np.isfinite(a).all() or (np.abs(a) > FLOAT32_MAX).any():
        raise CnnCalcError(msg("run.values_not_finite", where=where, got="nan/inf"))
    return a.astype(dtype).reshape(shape)
