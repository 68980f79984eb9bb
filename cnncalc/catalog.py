"""The built-in specs, analysed, for `cnncalc list`."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis import analyze_net
from cnncalc.errors import CnnCalcError
from cnncalc.ir import Shape
from cnncalc.messages import msg
from cnncalc.settings import SORTS
from cnncalc.specs import builtin_dir, builtin_names, load_spec


@dataclass(frozen=True, slots=True)
class Entry:
    """One built-in spec and its headline numbers."""

    name: str
    description: str
    input: Shape
    weights: int
    macs: int
    weight_bytes: int
    path: str
    example: bool = False  # a worked example with [values], for `cnncalc run` (issue 12)


def family(name: str) -> str:
    """The model family: the name up to its first digit, '_' or '-' (resnet50 → resnet)."""
    for i, ch in enumerate(name):
        if ch.isdigit() or ch in "_-":
            return name[:i] or name
    return name


def catalog(sort: str = "family") -> list[Entry]:
    """Every built-in spec. `family` (the default) keeps a family together, smallest member
    first, families in order of their smallest member's MACs; `macs`, `weights` and `name` sort
    by that alone."""
    if sort not in SORTS:
        raise CnnCalcError(msg("analysis.unknown_sort", sort=sort, choices=", ".join(SORTS)))
    entries = []
    for name in builtin_names():
        spec = load_spec(builtin_dir() / f"{name}.toml")
        report = analyze_net(spec.net, input=spec.input)
        entries.append(Entry(
            name, spec.description, report.input, report.totals.weights,
            report.totals.macs, report.totals.weight_bytes, spec.path or "", bool(spec.values),
        ))  # fmt: skip
    if sort == "family":
        first: dict[str, int] = {}
        for e in entries:
            first[family(e.name)] = min(first.get(family(e.name), e.macs), e.macs)
        return sorted(entries, key=lambda e: (first[family(e.name)], family(e.name), e.macs,
                                              e.name))  # fmt: skip
    if sort == "name":
        return sorted(entries, key=lambda e: e.name)
    return sorted(entries, key=lambda e: (getattr(e, sort), e.name))
