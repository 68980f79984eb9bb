"""Spec files (DESIGN §5) and SPEC resolution (DESIGN §2): file, built-in name, or DSL text.

Every key of a spec file is validated on load, [budget] and [profile] included, and every
error names the file and the line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.analysis import DTYPE_BYTES, OPTIMIZER_STATES
from cnncalc.dsl import parse, parse_shape
from cnncalc.errors import CnnCalcError, DslError, SpecFileError, did_you_mean
from cnncalc.ir import Net, Shape
from cnncalc.units import UnitError, parse_quantity

if TYPE_CHECKING:
    from cnncalc.blocks import Expansion

# Budget keys and the unit their values are in (DESIGN §5; `cnncalc check` evaluates them).
BUDGET_KEYS = {
    "weights": "count",
    "weight_memory": "bytes",
    "activation_memory": "bytes",
    "peak_memory": "bytes",
    "macs": "count",
    "flops": "count",
    "train_memory": "bytes",
}
PROFILE_KEYS = ("batch", "dtype", "optimizer", "device", "mode", "warmup", "min_time")
TOP_KEYS = ("name", "description", "input", "layers", "blocks", "budget", "profile")
MODES = ("infer", "train", "both")


@dataclass(frozen=True, slots=True)
class Limit:
    """One budget item: a metric, its maximum and the line it was written on."""

    key: str
    limit: int | float
    unit: str  # "count", "bytes" or "ms"
    line: int | None
    device: str | None = None  # for latency_ms items


@dataclass(frozen=True, slots=True)
class Spec:
    """A resolved SPEC: the parsed net plus what a spec file adds."""

    name: str
    description: str
    net: Net
    input: Shape | None
    budget: tuple[Limit, ...] = ()
    profile: tuple[tuple[str, Any], ...] = ()  # [profile] defaults, validated
    path: str | None = None
    layers_line: int = 0  # line offset of the DSL text inside the file
    layers_column: int = 0  # column offset of the DSL text's first line in its file line
    expansion: Expansion | None = None  # how `$block` calls were expanded, if there were any

    def relocate(self, exc: DslError) -> DslError:
        """A DslError about the parsed text (from the analysis, say) drawn under the text as
        written, with the file and line; other errors are returned as they are."""
        if self.expansion is not None:
            return self.expansion.relocate(exc)
        if self.path is not None and exc.origin is None and exc.src == self.net.src:
            return exc.located(self.path, self.layers_line, self.layers_column)
        return exc

    def dsl(self, input: Shape | None = None) -> str:
        """The layers as plain DSL, blocks expanded, starting with In: when the spec has an input
        or `input` is given (for `shape --expand`: the text gives the same report as the spec
        with that input)."""
        text = self.net.src
        shape = input or self.input
        span = self.net.input_span
        if shape is not None:
            written = f"In:{'x'.join(str(d) for d in shape.dims)}"
            if span is None:
                text = f"{written}-\n{text.strip()}"
            else:  # the layers' own In: gives way to the --input
                text = text[: span.pos] + written + text[span.end :]
        return text.strip() + "\n"

    def profile_value(self, key: str, default: Any) -> Any:
        """A [profile] default, or `default` when the file does not set it."""
        return dict(self.profile).get(key, default)


def builtin_dir() -> Path:
    """Where the built-in specs live: inside the installed package, or ../specs in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "specs"
    return packaged if packaged.is_dir() else here.parent / "specs"


def builtin_names() -> list[str]:
    """Names of the built-in specs."""
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _toml_error_line(exc: Exception) -> int | None:
    """tomllib says '(at line 3, column 7)'; take the line."""
    text = str(exc)
    marker = "at line "
    if marker in text:
        digits = text.split(marker, 1)[1].split(",", 1)[0].split(")", 1)[0]
        return int(digits) if digits.isdigit() else None
    return None


def _unquoted_hint(text: str, line: int | None) -> str:
    """'; a number with a unit is a string: weights = "62.4M"' when the bad line has one bare."""
    rows = text.splitlines()
    if line is None or not 0 < line <= len(rows) or "=" not in rows[line - 1]:
        return ""
    key, _, value = rows[line - 1].partition("=")
    value = value.split("#", 1)[0].strip()
    if value[:1].isdigit() and any(c.isalpha() for c in value):
        return f'; a number with a unit is a string: {key.strip()} = "{value}"'
    return ""


class _Failer:
    """Makes SpecFileErrors that point at the line of a key."""

    def __init__(self, path: str, lines: _Lines) -> None:
        self.path = path
        self.lines = lines

    def __call__(self, msg: str, table: str, key: str) -> SpecFileError:
        return SpecFileError(msg, self.path, self.lines.of(table, key))


class _Lines:
    """Finds the line a key was written on, per [table], by scanning the file text.

    Lines inside multi-line strings are skipped (a description may hold 'key = …' text), and
    the keys of an inline table (`budget = { weights = "1M" }`) take the line they are on.
    """

    def __init__(self, text: str) -> None:
        self.where: dict[tuple[str, str], int] = {}
        self.tables: dict[str, int] = {}
        table = ""
        quote = ""  # the triple quote of a multi-line string the scan is inside, if any
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if quote:
                if line.count(quote) % 2:
                    quote = ""
                continue
            if line.startswith("[") and not line.startswith("[["):
                table = line.strip("[]").split("#")[0].strip().strip("]").strip()
                self.tables.setdefault(table, number)
            elif "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                self._key(table, key, number)
                value = value.strip()
                if value.startswith("{"):
                    inner = (table + "." + key.strip().strip("\"'")).strip(".")
                    for item in value.strip("{}").split(","):
                        if "=" in item:
                            self._key(inner, item.split("=", 1)[0], number)
                for mark in ('"""', "'''"):
                    if value.startswith(mark) and value.count(mark) % 2:
                        quote = mark

    def _key(self, table: str, key: str, number: int) -> None:
        key = key.strip().strip('"').strip("'")
        if "." in key:  # dotted keys: budget.weights = … at top level
            head, _, key = key.rpartition(".")
            table = (table + "." + head).strip(".")
        self.where.setdefault((table, key), number)

    def of(self, table: str, key: str) -> int | None:
        """The line of `key` in `table` ('' for the top level)."""
        return self.where.get((table, key), self.tables.get(f"{table}.{key}".strip(".")))


def _value_text(text: str, line: int, key: str) -> tuple[str, str]:
    """The file line and what follows `key =` on it (the key may sit in an inline table:
    `blocks = { b = "ReLU" }`)."""
    raw = text.splitlines()[line - 1]
    at = raw.find(key)
    while at != -1:  # the key itself, not the same letters in another word
        before = raw[at - 1 : at].strip("\"' {,")
        after = raw[at + len(key) :].lstrip("\"' ")
        if not before and after.startswith("="):
            return raw, after[1:]
        at = raw.find(key, at + 1)
    return raw, raw.split("=", 1)[1]


def _layers_offset(text: str, line: int | None, key: str = "layers") -> int:
    """Line offset of the DSL text: a value opened by triple quotes and a newline starts below."""
    if line is None:
        return 0
    raw = _value_text(text, line, key)[1].strip()
    if raw[:3] in ('"""', "'''") and raw[3:].strip() == "":
        return line
    return line - 1


def _layers_column(text: str, line: int | None, key: str = "layers") -> int:
    """Column offset of the DSL text's first line: after the quote when it starts on the key's
    line (`layers = "Conv…"`), 0 when a triple quote and a newline open it."""
    if line is None:
        return 0
    raw, value = _value_text(text, line, key)
    value = value.lstrip()
    quote = value[:3] if value[:3] in ('"""', "'''") else value[:1]
    if len(quote) == 3 and value[3:].strip() == "":
        return 0
    return len(raw) - len(value) + len(quote)


def load_spec(path: str | Path) -> Spec:
    """Read, validate and parse a spec file."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecFileError(f"cannot read the spec file: {exc.strerror or exc}", shown) from None
    except UnicodeDecodeError:
        raise SpecFileError("the spec file is not UTF-8 text", shown) from None
    try:
        data = _toml_loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        msg = str(exc).split(" (at line")[0]
        line = _toml_error_line(exc)
        raise SpecFileError(f"invalid TOML: {msg}{_unquoted_hint(text, line)}", shown,
                            line) from None  # fmt: skip
    lines = _Lines(text)
    fail = _Failer(shown, lines)

    for key in data:
        if key not in TOP_KEYS:
            raise fail(
                f"unknown key '{key}'{did_you_mean(key, TOP_KEYS)}; expected one of"
                f" {', '.join(TOP_KEYS)}",
                "",
                key,
            )
    for key in ("name", "description", "input", "layers"):
        if key in data and not isinstance(data[key], str):
            raise fail(f"'{key}' must be a string, got {type(data[key]).__name__}", "", key)
    if "layers" not in data:
        raise SpecFileError(
            "missing 'layers': the network in the layer DSL, e.g."
            ' layers = "Conv:3x3x64p1-ReLU-Pool:2/2-FC:10"',
            shown,
        )
    spec_input = None
    if "input" in data:
        try:
            spec_input = parse_shape(data["input"])
        except DslError as exc:
            raise fail(f"'input': {exc.msg}", "", "input") from None
    layers_line = _layers_offset(text, lines.of("", "layers"))
    layers_column = _layers_column(text, lines.of("", "layers"))
    expansion = _blocks(data, text, lines, fail, shown, layers_line, layers_column)
    try:
        net = parse(expansion.text if expansion else data["layers"])
    except DslError as exc:
        if expansion is not None:
            raise expansion.relocate(exc) from None
        raise exc.located(shown, layers_line, layers_column) from None
    if spec_input is not None and net.input is not None and spec_input != net.input:
        raise fail(
            f"'input' says {spec_input} but the layers start with In:{net.input}", "", "input"
        )
    budget = _budget(data.get("budget", {}), fail)
    profile = _profile(data.get("profile", {}), fail)
    return Spec(
        name=data.get("name", path.stem),
        description=data.get("description", ""),
        net=net,
        input=spec_input or net.input,
        budget=budget,
        profile=profile,
        path=shown,
        layers_line=layers_line,
        layers_column=layers_column,
        expansion=expansion,
    )


def _blocks(
    data: dict[str, Any],
    text: str,
    lines: _Lines,
    fail: _Failer,
    shown: str,
    layers_line: int,
    layers_column: int,
) -> Expansion | None:
    """[blocks] validated, and `layers` with its `$block` calls expanded (None when it has none)."""
    table = data.get("blocks", {})
    if not table and "$" not in data["layers"] and "{" not in data["layers"]:
        return None  # nothing to expand: blocks.py stays off the start-up path
    from cnncalc.blocks import Source, expand, uses_blocks

    if not isinstance(table, dict):
        raise fail("'blocks' must be a table of name = DSL text: [blocks]", "", "blocks")
    blocks = {}
    for name, body in table.items():
        if not (name[:1].isalpha() and name.isascii() and name.replace("_", "").isalnum()):
            raise fail(
                f"block name '{name}' must start with a letter and hold only letters,"
                " digits and '_'",
                "blocks",
                name,
            )
        if not isinstance(body, str):
            raise fail(
                f"block '{name}' must be DSL text in a string, got {type(body).__name__}",
                "blocks",
                name,
            )
        if not any(row.split("#", 1)[0].strip() for row in body.splitlines()):
            raise fail(
                f"block '{name}' is empty: write its layers, e.g. {name} ="
                ' "Conv:3x3x{c}p1-BN-ReLU"',
                "blocks",
                name,
            )
        line = lines.of("blocks", name)
        blocks[name] = Source(name, body, _layers_offset(text, line, name),
                              _layers_column(text, line, name))  # fmt: skip
    if not uses_blocks(data["layers"]):
        return None
    return expand(Source("", data["layers"], layers_line, layers_column), blocks, shown)


def _budget(table: Any, fail: _Failer) -> tuple[Limit, ...]:
    """[budget] and [budget.latency_ms], validated."""
    if not isinstance(table, dict):
        raise fail("'budget' must be a table: [budget]", "", "budget")
    limits = []
    for key, value in table.items():
        if key == "latency_ms":
            if not isinstance(value, dict):
                raise fail(
                    "'latency_ms' must be a table of device = milliseconds, e.g."
                    " [budget.latency_ms] cpu = 250",
                    "budget",
                    key,
                )
            for device, ms in value.items():
                if not _is_device(device):
                    raise fail(
                        f"unknown device '{device}' in latency_ms; expected cpu, cuda,"
                        " cuda:N or mps",
                        "budget.latency_ms",
                        device,
                    )
                limits.append(_limit(key, ms, "ms", fail, "budget.latency_ms", device))
            continue
        if key not in BUDGET_KEYS:
            known = (*BUDGET_KEYS, "latency_ms")
            raise fail(
                f"unknown budget key '{key}'{did_you_mean(key, known)}; expected one of"
                f" {', '.join(known)}",
                "budget",
                key,
            )
        limits.append(_limit(key, value, BUDGET_KEYS[key], fail, "budget", key))
    return tuple(limits)


def _limit(key: str, value: Any, unit: str, fail: _Failer, table: str, at: str) -> Limit:
    try:
        limit = parse_quantity(value, unit)
    except UnitError as exc:
        raise fail(f"budget '{at}': {exc}", table, at) from None
    device = at if table.endswith("latency_ms") else None
    return Limit(key, limit, unit, fail.lines.of(table, at), device)


def _is_device(name: str) -> bool:
    return name in ("cpu", "cuda", "mps") or (name.startswith("cuda:") and name[5:].isdigit())


def _profile(table: Any, fail: _Failer) -> tuple[tuple[str, Any], ...]:
    """[profile] defaults, validated."""
    if not isinstance(table, dict):
        raise fail("'profile' must be a table: [profile]", "", "profile")
    choices = {"dtype": tuple(DTYPE_BYTES), "optimizer": tuple(OPTIMIZER_STATES), "mode": MODES}
    out = []
    for key, value in table.items():
        if key not in PROFILE_KEYS:
            raise fail(
                f"unknown profile key '{key}'{did_you_mean(key, PROFILE_KEYS)};"
                f" expected one of {', '.join(PROFILE_KEYS)}",
                "profile",
                key,
            )
        if key in ("batch", "warmup"):
            ok = (
                isinstance(value, int) and not isinstance(value, bool) and value >= (key == "batch")
            )
            if not ok:
                raise fail(
                    f"profile '{key}' must be a whole number ≥ {int(key == 'batch')},"
                    f" got {value!r}",
                    "profile",
                    key,
                )
        elif key == "min_time":
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (
                    0 < value < float("inf")  # TOML's inf would time forever; nan fails too
                )
            ):
                raise fail(
                    f"profile 'min_time' must be a positive number of seconds, got {value!r}",
                    "profile",
                    key,
                )
        elif key == "device":
            if not isinstance(value, str) or not (_is_device(value) or value == "auto"):
                raise fail(
                    f"profile 'device' must be cpu, cuda, cuda:N, mps or auto, got {value!r}",
                    "profile",
                    key,
                )
        elif not isinstance(value, str) or value not in choices[key]:
            raise fail(
                f"profile '{key}' must be one of {', '.join(choices[key])}, got {value!r}",
                "profile",
                key,
            )
        out.append((key, value))
    return tuple(out)


def resolve_spec(spec: str) -> Spec:
    """SPEC → Spec: an existing .toml file, else a built-in name, else DSL text (DESIGN §2)."""
    text = spec.strip()
    path = Path(text)
    if text.lower().endswith(".toml"):
        if not path.is_file():
            raise CnnCalcError(f"no such spec file: {text}")
        return load_spec(path)
    builtin = builtin_dir() / f"{text.lower()}.toml"
    if text and "/" not in text and builtin.is_file():
        return load_spec(builtin)
    if "$" in spec or "{" in spec:
        from cnncalc.blocks import Source, expand, uses_blocks

        if uses_blocks(spec):
            expand(Source("", spec))  # fails: calls need the [blocks] of a spec file
    try:
        net = parse(spec)
    except DslError as exc:
        bare = text.replace("_", "").replace("-", "").isalnum()
        if bare and exc.msg.startswith("unknown layer"):
            hint = did_you_mean(text, builtin_names())
            if hint:
                raise CnnCalcError(
                    f"'{text}' is neither a built-in spec nor a layer{hint}"
                    " (cnncalc list shows the built-ins)"
                ) from None
        raise
    return Spec(name="", description="", net=net, input=net.input)
