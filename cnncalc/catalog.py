"""The built-in specs, analysed, for `cnncalc list`."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis import analyze_net
from cnncalc.specs import builtin_dir, builtin_names, load_spec


@dataclass(frozen=True, slots=True)
class Entry:
    """One built-in spec and its headline numbers."""

    name: str
    description: str
    input: str
    weights: int
    macs: int
    weight_bytes: int
    path: str


def catalog() -> list[Entry]:
    """Every built-in spec, smallest MACs first."""
    entries = []
    for name in builtin_names():
        spec = load_spec(builtin_dir() / f"{name}.toml")
        report = analyze_net(spec.net, input=spec.input)
        entries.append(Entry(
            name, spec.description, str(report.input), report.totals.weights,
            report.totals.macs, report.totals.weight_bytes, spec.path or "",
        ))  # fmt: skip
    return sorted(entries, key=lambda e: (e.macs, e.name))
