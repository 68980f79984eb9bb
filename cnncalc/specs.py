"""Spec files (DESIGN §5) and SPEC resolution (DESIGN §2): file, built-in name, or DSL text.

Every key of a spec file is validated on load, [budget] and [profile] included, and every
error names the file and the line.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.comments import code_lines
from cnncalc.dsl import parse, parse_shape
from cnncalc.errors import CnnCalcError, DslError, SpecFileError, did_you_mean, shorten
from cnncalc.ir import Net, Shape
from cnncalc.messages import msg
from cnncalc.settings import BUDGET_KEYS, PROFILE_KEYS, ROOFLINE, check_setting, is_device
from cnncalc.spec_text import Failer, Lines, parse_toml, read_text
from cnncalc.units import UnitError, parse_quantity

if TYPE_CHECKING:
    from cnncalc.templates import Expansion

GROWTH = "growth"  # [budget.growth]: how much each metric may grow over `check --base` (issue 15)
TOP_KEYS = (
    "name", "description", "input", "layers", "blocks", "budget", "profile", "values", "torch",
)  # fmt: skip


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
    values: Any = None  # the [values] table as read, for `cnncalc run` (cnncalc/values.py)

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
            written = f"In:{shape.text}"
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


def load_spec(
    path: str | Path,
    input: Shape | None = None,
    *,
    text: str | None = None,
    shown: str | None = None,
) -> Spec:
    """Read, validate and parse a spec file; `input` (--input) is for a `torch =` spec, whose
    module is read at the input it will be analysed at (issue 10); `text` is the file's
    content when it comes from elsewhere (a git ref, issue 15), `shown` what errors call it."""
    path = Path(path)
    shown = shown or str(path)
    text = read_text(path, shown) if text is None else text
    data = parse_toml(text, shown)
    lines = Lines(text)
    fail = Failer(shown, lines)

    _check_top(data, fail, shown)
    spec_input = None
    if "input" in data:
        try:
            spec_input = parse_shape(data["input"])
        except DslError as exc:
            problem = exc.msg.removeprefix("input: ")
            raise fail(msg("specs.input", problem=problem), "", "input") from None
    if "torch" in data:  # issue 10: the net is read from PyTorch code, torch imported only here
        from cnncalc.torch.source import from_file

        return from_file(data, path, fail, input or spec_input, name=data.get("name", path.stem),
                         budget=_budget(data.get("budget", {}), fail),
                         profile=_profile(data.get("profile", {}), fail), path=shown)  # fmt: skip
    layers_line, layers_column = lines.offsets("", "layers")
    expansion = _blocks(data, lines, fail, shown, layers_line, layers_column)
    try:
        net = parse(expansion.text if expansion else data["layers"])
    except DslError as exc:
        if expansion is not None:
            raise expansion.relocate(exc) from None
        raise exc.located(shown, layers_line, layers_column) from None
    if spec_input is not None and net.input is not None and spec_input != net.input:
        raise fail(msg("specs.input_disagrees", given=spec_input, net=net.input), "", "input")
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
        values=data.get("values"),
    )


def _check_top(data: dict[str, Any], fail: Failer, shown: str) -> None:
    """The top-level keys: known ones only, text where text goes, and `layers` present."""
    for key in data:
        if key not in TOP_KEYS:
            hint = did_you_mean(key, TOP_KEYS)
            keys = ", ".join(TOP_KEYS)
            raise fail(msg("specs.unknown_key", key=key, hint=hint, keys=keys), "", key)
    for key in ("name", "description", "input", "layers"):
        if key in data and not isinstance(data[key], str):
            kind = type(data[key]).__name__
            raise fail(msg("specs.not_string", key=key, type=kind), "", key)
    if "layers" in data and "torch" in data:
        raise fail(msg("torch_io.spec_key"), "", "torch")
    if "layers" not in data and "torch" not in data:
        raise SpecFileError(msg("specs.missing_layers"), shown)


def _blocks(
    data: dict[str, Any],
    lines: Lines,
    fail: Failer,
    shown: str,
    layers_line: int,
    layers_column: int,
) -> Expansion | None:
    """[blocks] validated, and `layers` with its `$block` calls expanded (None when it has none)."""
    table = data.get("blocks", {})
    if not table and "$" not in data["layers"] and "{" not in data["layers"]:
        return None  # nothing to expand: templates.py stays off the start-up path
    from cnncalc.templates import Source, expand, uses_blocks

    if not isinstance(table, dict):
        raise fail(msg("specs.blocks_table"), "", "blocks")
    blocks = {}
    for name, body in table.items():
        if not (name[:1].isalpha() and name.isascii() and name.replace("_", "").isalnum()):
            raise fail(msg("specs.block_name", name=name), "blocks", name)
        if not isinstance(body, str):
            kind = type(body).__name__
            raise fail(msg("specs.block_not_string", name=name, type=kind), "blocks", name)
        if not any(line.strip() for line in code_lines(body)):
            raise fail(msg("specs.block_empty", name=name), "blocks", name)
        blocks[name] = Source(name, body, *lines.offsets("blocks", name))
    if not uses_blocks(data["layers"]):
        return None
    return expand(Source("", data["layers"], layers_line, layers_column), blocks, shown)


def _budget(table: Any, fail: Failer) -> tuple[Limit, ...]:
    """[budget] and [budget.latency_ms], validated."""
    if not isinstance(table, dict):
        raise fail(msg("specs.budget_table"), "", "budget")
    limits = []
    for key, value in table.items():
        if key == "latency_ms":
            if not isinstance(value, dict):
                raise fail(msg("specs.latency_table"), "budget", key)
            for device, ms in value.items():
                if not is_device(device):
                    problem = msg("specs.latency_device", device=device)
                    raise fail(problem, "budget.latency_ms", device)
                limits.append(_limit(key, ms, "ms", fail, "budget.latency_ms", device))
            continue
        if key == ROOFLINE:  # issue 13: preset = ms, checked statically
            limits += _roofline_limits(value, fail)
            continue
        if key == GROWTH:  # issue 15: [budget.growth], judged by `check --base REF`
            limits += [_growth(metric, v, fail) for metric, v in _table(value, key, fail)]
            continue
        if key not in BUDGET_KEYS:
            known = (*BUDGET_KEYS, "latency_ms", ROOFLINE, GROWTH)
            hint = did_you_mean(key, known)
            problem = msg("specs.unknown_budget_key", key=key, hint=hint, keys=", ".join(known))
            raise fail(problem, "budget", key)
        limits.append(_limit(key, value, BUDGET_KEYS[key], fail, "budget", key))
    return tuple(limits)


def _roofline_limits(value: Any, fail: Failer) -> list[Limit]:
    """[budget.roofline_ms]: device preset = milliseconds (cnncalc/devices.py names them)."""
    from cnncalc.devices import find

    table = f"budget.{ROOFLINE}"
    if not isinstance(value, dict):
        raise fail(msg("roofline.budget_table"), "budget", ROOFLINE)
    for preset in value:
        try:
            find(preset)
        except CnnCalcError as exc:
            raise fail(str(exc), table, preset) from None
    return [_limit(ROOFLINE, ms, "ms", fail, table, preset) for preset, ms in value.items()]


def _limit(key: str, value: Any, unit: str, fail: Failer, table: str, at: str) -> Limit:
    try:
        limit = parse_quantity(value, unit)
    except UnitError as exc:
        raise fail(msg("specs.budget_value", at=at, problem=exc), table, at) from None
    device = at if table.endswith(("latency_ms", ROOFLINE)) else None
    return Limit(key, limit, unit, fail.lines.of(table, at), device)


def _table(value: Any, key: str, fail: Failer) -> list[tuple[str, Any]]:
    """The items of a [budget.KEY] table; anything else is an error at the key."""
    if not isinstance(value, dict):
        raise fail(msg("gate.growth_table"), "budget", key)
    return list(value.items())


def _growth(metric: str, value: Any, fail: Failer) -> Limit:
    """One [budget.growth] item: how much a metric may grow over the base, relative ("2%",
    unit '%') or in the metric's unit ("+1M", "+64MiB", 1000)."""
    table = f"budget.{GROWTH}"
    if metric not in BUDGET_KEYS:
        hint = did_you_mean(metric, tuple(BUDGET_KEYS))
        problem = msg("gate.growth_metric", key=metric, hint=hint, keys=", ".join(BUDGET_KEYS))
        raise fail(problem, table, metric)
    line = fail.lines.of(table, metric)
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.endswith("%"):
        try:
            pct = float(text[:-1])
        except ValueError:
            pct = -1.0
        if not 0 <= pct < 1e6:
            raise fail(msg("gate.growth_value", at=metric, value=shorten(text)), table, metric)
        return Limit(GROWTH, pct, "%", line, metric)
    if isinstance(text, str) and text.startswith("+"):
        text = text[1:]
    try:
        return Limit(GROWTH, parse_quantity(text, BUDGET_KEYS[metric]), BUDGET_KEYS[metric],
                     line, metric)  # fmt: skip
    except UnitError as exc:
        problem = msg("gate.growth_amount", at=metric, value=shorten(str(value)), problem=exc)
        raise fail(problem, table, metric) from None


def _profile(table: Any, fail: Failer) -> tuple[tuple[str, Any], ...]:
    """[profile] defaults, each value checked as settings.resolve checks it (issue 16)."""
    if not isinstance(table, dict):
        raise fail(msg("specs.profile_table"), "", "profile")
    for key, value in table.items():
        if key not in PROFILE_KEYS:
            hint = did_you_mean(key, PROFILE_KEYS)
            keys = ", ".join(PROFILE_KEYS)
            raise fail(msg("specs.unknown_profile_key", key=key, hint=hint, keys=keys),
                       "profile", key)  # fmt: skip
        try:
            check_setting(key, value, f"[profile] {key}")
        except CnnCalcError as exc:
            raise fail(str(exc), "profile", key) from None
    return tuple(table.items())


def resolve_spec(spec: str, input: Shape | None = None) -> Spec:
    """SPEC → Spec: an existing .toml file, else a built-in name, else DSL text (DESIGN §2).

    Only text ending in .toml is looked up on the filesystem, and only when it could be a path
    at all (one printable line within the OS's length limits): long DSL text, or text holding
    newlines, never reaches the OS, so no OS error can come out (issue 9).
    """
    text = spec.strip()
    if text.startswith("torch:"):  # issue 10: first in DESIGN §2's order; torch only here
        from cnncalc.torch.source import torch_spec

        return torch_spec(text[len("torch:") :], input, base=Path.cwd())
    if text.lower().endswith(".toml"):
        if path_kind(text) is None:
            raise CnnCalcError(msg("specs.no_such_file", path=shorten(text)))
        return load_spec(text, input)
    builtin = builtin_path(text)
    if builtin is not None:
        return load_spec(builtin)
    if "$" in spec or "{" in spec:
        from cnncalc.templates import Source, expand, uses_blocks

        if uses_blocks(spec):
            expand(Source("", spec))  # fails: calls need the [blocks] of a spec file
    try:
        net = parse(spec)
    except DslError:
        if meant_as_name(text):
            raise CnnCalcError(unknown_name(text)) from None
        raise
    return Spec(name="", description="", net=net, input=net.input)


# A name as people write it: letters, digits, '_', '-' and '.', short (issue 9).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}", re.ASCII)
# Path limits of common filesystems (PATH_MAX, NAME_MAX): past them the OS says ENAMETOOLONG.
_MAX_PATH_BYTES, _MAX_PART_BYTES = 4095, 255


def normal_name(name: str) -> str:
    """A built-in name as compared: case, '-' and '_' do not count (`VGG-16` is `vgg16`)."""
    return name.lower().replace("-", "").replace("_", "")


@lru_cache(maxsize=1)
def _builtin_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in builtin_names():
        index.setdefault(normal_name(name), name)
    return index


def builtin_path(text: str) -> Path | None:
    """The built-in spec file `text` names (any case; '-' and '_' ignored), or None. Only the
    list of built-ins is read: the text itself never reaches the filesystem."""
    if not _NAME.fullmatch(text):
        return None
    name = _builtin_index().get(normal_name(text))
    return None if name is None else builtin_dir() / f"{name}.toml"


def could_be_path(text: str) -> bool:
    """True when `text` may name a file: one printable line within the OS's length limits."""
    if not text or not text.isprintable():
        return False
    try:
        raw = os.fsencode(text)
    except (UnicodeError, ValueError):
        return False
    return len(raw) <= _MAX_PATH_BYTES and all(
        len(part) <= _MAX_PART_BYTES for part in raw.replace(b"\\", b"/").split(b"/")
    )


def path_kind(text: str | Path) -> str | None:
    """'file', 'dir' or 'other' for an existing path, None for anything else; never raises
    (an OS error — too long, no permission on a parent — reads as 'not there')."""
    if isinstance(text, str) and not could_be_path(text):
        return None
    try:
        mode = os.stat(text).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def meant_as_name(text: str) -> bool:
    """True when text that is not valid DSL was clearly meant as a name, not as layers: it is
    name-shaped, no piece of it is a layer, and a single word is no closer to a layer than to
    a built-in (`Cnov` stays a DSL error that suggests Conv)."""
    from cnncalc.layers import ALL_NAMES, REGISTRY

    if not _NAME.fullmatch(text):
        return False
    pieces = text.lower().split("-")
    if any(p in REGISTRY or p in ("res", "cat") for p in pieces):
        return False
    if len(pieces) == 1 and did_you_mean(text, ALL_NAMES):
        return bool(did_you_mean(normal_name(text), builtin_names()))
    return True


def unknown_name(text: str) -> str:
    """'no built-in spec or file named …', with the close built-ins and a file of that name
    (plus .toml) in the working directory, if there is one."""
    import difflib  # only on the error path

    problem = msg("specs.unknown_name", name=shorten(text))
    if _NAME.fullmatch(text):  # name-shaped: short and safe to look up
        if path_kind(f"{text}.toml") == "file":
            return msg("specs.toml_here", problem=problem, name=text)
        if path_kind(text) == "file":
            return msg("specs.file_here", problem=problem, name=text)
    index = _builtin_index()
    close = [index[n] for n in difflib.get_close_matches(normal_name(text), list(index), n=3,
                                                         cutoff=0.6)]  # fmt: skip
    if close:
        others = msg("specs.did_you_mean_others", names=", ".join(close[1:])) if close[1:] else ""
        problem += msg("specs.did_you_mean", name=close[0], others=others)
    return msg("specs.see_list", problem=problem)
