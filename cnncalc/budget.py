"""Report + budget → verdicts (DESIGN §5, §8: spec file ─load→ (IR, budget) ─check→ verdicts).

Pure: the static metrics come from the analysis at the spec's [profile] batch, dtype and
optimizer; latency figures, when measured, come from the `measure` function the caller hands
in (the CLI's `check --profile` passes cnncalc.latency.measure_latency). Nothing here imports
the profiler or torch. A budget value is a maximum: a metric passes when actual ≤ limit.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cnncalc.analysis import Report
from cnncalc.api import analyze
from cnncalc.errors import CnnCalcError, DslError, SpecFileError, first_line, shorten
from cnncalc.ir import Shape
from cnncalc.messages import msg
from cnncalc.roofline import budget_ms
from cnncalc.settings import LATENCY, METRICS, ROOFLINE, resolve
from cnncalc.specs import (
    GROWTH,
    Limit,
    Spec,
    builtin_path,
    could_be_path,
    load_spec,
    meant_as_name,
    path_kind,
    resolve_spec,
    unknown_name,
)
from cnncalc.units import exact

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One budget item judged: its limit, the actual figure (None when skipped) and the status."""

    key: str  # a budget key, or "latency_ms"
    device: str | None  # for latency items
    unit: str  # "count", "bytes" or "ms"
    limit: int | float
    actual: int | float | None
    status: str  # PASS, FAIL or SKIP
    line: int | None  # line of the budget item in the spec file
    reason: str = ""  # why it was skipped
    base: int | float | None = None  # growth items: the figure at the base ref (issue 15)
    allowance: str = ""  # growth items: the allowance as written, '2%' or '+1,000,000'

    @property
    def metric(self) -> str:
        """'weights', or 'latency_ms.cpu' for a latency item."""
        return self.key if self.device is None else f"{self.key}.{self.device}"

    @property
    def headroom_pct(self) -> float | None:
        """(limit − actual) / limit × 100: how much of the budget is left; negative when over."""
        if self.actual is None:
            return None
        if self.limit == 0:
            return 0.0 if self.actual == 0 else None
        return (self.limit - self.actual) / self.limit * 100


@dataclass(frozen=True, slots=True)
class SpecResult:
    """The verdicts of one spec file, and what its figures were computed for."""

    name: str
    path: str
    batch: int
    dtype: str
    optimizer: str
    verdicts: tuple[Verdict, ...]
    warnings: tuple[tuple[str, str], ...] = ()  # (row, message) of the analysis, e.g. sizes
    notes: tuple[tuple[str, str], ...] = ()  # (row, remark): in JSON only, never warned (issue 15)
    base_ref: str | None = None  # `check --base REF`: the ref, and why this spec has no base
    base_note: str = ""
    diff: Any = None  # the Diff against the base, when there is one (cnncalc/diff.py)
    require_budget: bool = False  # `check --require-budget`: a spec with no budget fails

    def count(self, status: str) -> int:
        """How many verdicts have this status."""
        return sum(v.status == status for v in self.verdicts)

    @property
    def has_budget(self) -> bool:
        """True when the spec has a budget item to judge (no [budget], or an empty one: False)."""
        return bool(self.verdicts)

    @property
    def missing_budget(self) -> bool:
        """True when the spec has no budget and one was required: a failure (issue 9)."""
        return self.require_budget and not self.has_budget

    @property
    def ok(self) -> bool:
        """True when nothing is over budget (skipped items do not fail a spec) and, with
        --require-budget, the spec has a budget."""
        return self.count(FAIL) == 0 and not self.missing_budget


def exit_code(results: Iterable[SpecResult]) -> int:
    """0 when every spec is within budget, 1 when any item is over or a required budget is
    missing (DESIGN §2)."""
    return 0 if all(r.ok for r in results) else 1


def spec_paths(args: Iterable[str]) -> list[Path]:
    """SPEC arguments → spec files: files as given, directories and globs to their .toml files,
    built-in names (any case; '-' and '_' ignored) to their files; anything else is bad input.

    Text that could not be a path (DSL text with newlines, thousands of characters) never
    reaches the filesystem, and no OS error comes out (issue 9)."""
    out: list[Path] = []
    for arg in args:
        text = arg.strip()
        if not text:  # an unset shell variable: Path("") would be the working directory
            raise CnnCalcError(msg("check.empty_argument"))
        kind = path_kind(text)
        if kind == "dir":
            found = _toml_files(Path(text).glob("*.toml"))
            if not found:
                raise CnnCalcError(msg("check.empty_directory", path=shorten(text)))
        elif kind is not None:  # a file (load_spec refuses a device or pipe, naming it)
            found = [Path(text)]
        elif could_be_path(text) and glob.has_magic(text):
            found = _toml_files(Path(p) for p in _glob(text))
            if not found:
                raise CnnCalcError(msg("check.no_match", pattern=shorten(text)))
        elif builtin_path(text) is not None:
            found = [_near(builtin_path(text))]  # type: ignore[arg-type]
        elif text.lower().endswith(".toml"):
            raise CnnCalcError(msg("specs.no_such_file", path=shorten(text)))
        elif could_be_path(text) and ("/" in text or "\\" in text):
            raise CnnCalcError(msg("check.no_path", path=shorten(text)))
        elif meant_as_name(text):
            raise CnnCalcError(unknown_name(text))
        else:
            raise CnnCalcError(msg("check.not_spec", text=shorten(text)))
        out += [p for p in found if p not in out]
    return out


def targets(args: Iterable[str], input: Shape | None = None) -> list[Path | Spec]:
    """check's SPEC arguments: spec files as spec_paths finds them, and `torch:MODULE:CALLABLE`
    read at --input (issue 10; such a module has no [budget] of its own: a `torch =` spec file
    holds one). --input with no torch: argument is a mistake, not silently ignored: a spec
    file's budgets hold at the spec's own input."""
    out: list[Path | Spec] = []
    for arg in args:
        text = arg.strip()
        if text.startswith("torch:"):  # named as the command that reads it, for every message
            spec = resolve_spec(text, input)
            shape = spec.input.text if spec.input else ""
            out.append(replace(spec, path=f"{text} --input {shape}"))
        else:
            out += [p for p in spec_paths([arg]) if p not in out]
    if input is not None and all(isinstance(t, Path) for t in out):
        raise CnnCalcError(msg("check.input_unused"))
    return out


def _glob(pattern: str) -> list[str]:
    """glob.glob, with an OS error (a pattern too long, say) read as no match."""
    try:
        return glob.glob(pattern, recursive=True)
    except (OSError, ValueError):
        return []


def _toml_files(paths: Iterable[Path]) -> list[Path]:
    """The .toml regular files among `paths`, sorted (a directory named x.toml is no spec)."""
    return sorted(p for p in paths if p.name.endswith(".toml") and path_kind(p) == "file")


def _near(path: Path) -> Path:
    """The path relative to the working directory when it lies below it (shorter to read, and
    what GitHub annotations expect)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def report_for(
    spec: Spec,
    *,
    input: Shape | None = None,
    batch: int | None = None,
    dtype: str | None = None,
    optimizer: str | None = None,
) -> Report:
    """The static report at the settings given, else the spec's [profile] (settings.resolve);
    errors name the file."""
    try:
        return analyze(spec, input=input, batch=batch, dtype=dtype, optimizer=optimizer)
    except DslError:
        raise  # already located in the spec file by analyze
    except CnnCalcError as exc:  # e.g. no input shape: say which file
        if spec.path is None:
            raise
        raise SpecFileError(str(exc), spec.path) from None


def latency_devices(spec: Spec) -> list[str]:
    """Devices the spec's [budget.latency_ms] names, in file order."""
    return [lim.device for lim in spec.budget if lim.key == LATENCY and lim.device]


def judge(limit: Limit, actual: float | None, reason: str = "") -> Verdict:
    """One item: pass when actual ≤ limit; skip (with the reason) when there is no figure."""
    if actual is None:
        status = SKIP
    else:
        status = PASS if actual <= limit.limit else FAIL
    return Verdict(
        limit.key,
        limit.device,
        limit.unit,
        limit.limit,
        actual,
        status,
        limit.line,
        reason if actual is None else "",
    )


def evaluate(
    spec: Spec,
    report: Report,
    latency: Mapping[str, float | str] | None = None,
    *,
    require_budget: bool = False,
    against: Against | None = None,
) -> SpecResult:
    """Verdicts for every budget item of `spec`, in file order.

    `latency` maps a device to its measured median latency in ms, or to the reason it was not
    measured; None means latency was not asked for (`check` without --profile). With
    `require_budget`, a spec without budget items fails. `against` is the base of
    `check --base` (issue 15): growth items are judged against it, skipped without it.
    """
    verdicts = []
    for limit in spec.budget:
        if limit.key == GROWTH:
            verdicts.append(judge_growth(limit, report, against))
        elif limit.key == LATENCY:
            got = None if latency is None else latency.get(limit.device or "")
            if latency is None:
                verdicts.append(judge(limit, None, msg("check.latency_needs_profile")))
            elif isinstance(got, (int, float)):
                verdicts.append(judge(limit, got))
            else:
                verdicts.append(judge(limit, None, got or msg("check.not_measured")))
        elif limit.key == ROOFLINE:  # issue 13: static, on the preset's datasheet
            floor = budget_ms(report, limit.device or "")
            ok = isinstance(floor, float)
            verdicts.append(judge(limit, floor) if ok else judge(limit, None, str(floor)))
        else:
            verdicts.append(judge(limit, getattr(report.totals, METRICS[limit.key].field)))
    at = resolve(spec)
    return SpecResult(spec.name, spec.path or spec.name, at.batch, at.dtype, at.optimizer,
                      tuple(verdicts),
                      tuple(report.warnings), tuple(report.notes),
                      *(against.fields() if against else (None, "", None)),
                      require_budget)  # fmt: skip


def check(
    paths: Iterable[str | Path | Spec],
    *,
    measure: Callable[[Spec], Mapping[str, float | str]] | None = None,
    require_budget: bool = False,
    base: str | None = None,
) -> list[SpecResult]:
    """Load every spec file first (any bad input stops before anything is judged), then judge
    each; latency budgets are measured by `measure` when one is given (`check --profile`),
    else skipped; with `require_budget`, a spec without a [budget] fails; with `base` (a git
    ref), each spec is also read at that ref and [budget.growth] judged (issue 15)."""
    specs = [p if isinstance(p, Spec) else load_spec(p) for p in paths]
    reports = [report_for(s) for s in specs]
    bases = _bases(specs, base) if base is not None else [None] * len(specs)
    againsts = [None if b is None else Against(base, *b, now=r)  # type: ignore[arg-type]
                for b, r in zip(bases, reports)]  # fmt: skip
    results = []
    for spec, report, against in zip(specs, reports, againsts):
        latency = measure(spec) if measure and latency_devices(spec) else None
        results.append(evaluate(spec, report, latency, require_budget=require_budget,
                                against=against))  # fmt: skip
    return results


@dataclass(frozen=True, slots=True)
class Against:
    """A spec's base for `check --base REF`: its report there (None, with the reason in
    `note`, when it has none) and its report now."""

    ref: str
    report: Report | None
    note: str
    now: Report

    def fields(self) -> tuple[Any, ...]:
        """SpecResult's base_ref, base_note and diff (the layers aligned, cnncalc/diff.py)."""
        from cnncalc.diff import diff_reports

        changes = diff_reports(self.report, self.now) if self.report is not None else None
        return (self.ref, self.note, changes)


def _bases(specs: list[Spec], ref: str) -> list[tuple[Report | None, str]]:
    """Each spec as it was at `ref`, analysed at its own [profile] settings there, or why it
    has none: new in this branch, outside the repository, or unreadable at the ref. A git
    error (not a repository, unknown ref, shallow clone) stops everything: exit 2."""
    from cnncalc.gitbase import read, relative, resolve

    at = resolve(ref)
    out: list[tuple[Report | None, str]] = []
    for spec in specs:
        inside = relative(at, spec.path or "")
        text = read(at, inside) if inside is not None else None
        if text is None:
            out.append((None, msg("gate.base_outside" if inside is None else "gate.base_new",
                                  ref=ref)))  # fmt: skip
            continue
        try:
            out.append(
                (report_for(load_spec(spec.path or "", text=text, shown=f"{ref}:{inside}")), "")
            )
        except CnnCalcError as exc:
            out.append((None, msg("gate.base_unreadable", ref=ref, problem=first_line(exc))))
    return out


def judge_growth(limit: Limit, report: Report, against: Against | None) -> Verdict:
    """A [budget.growth] item: pass when the metric grew over its base by at most the
    allowance ('2%' of the base, or an amount); skipped without a base. The verdict's actual
    figure is the growth, its limit the growth allowed, so headroom is the allowance left."""
    metric = METRICS[limit.device or ""]
    pct = limit.unit == "%"
    allowance = f"{limit.limit:g}%" if pct else f"+{exact(int(limit.limit))}"
    if against is None or against.report is None:
        why = msg("gate.growth_needs_base") if against is None else against.note
        return Verdict(GROWTH, limit.device, metric.unit, limit.limit, None, SKIP, limit.line,
                       why, allowance=allowance)  # fmt: skip
    before = getattr(against.report.totals, metric.field)
    growth = getattr(report.totals, metric.field) - before
    allowed = before * limit.limit / 100 if pct else limit.limit
    return Verdict(GROWTH, limit.device, metric.unit, allowed, growth,
                   PASS if growth <= allowed else FAIL, limit.line, base=before,
                   allowance=allowance)  # fmt: skip
