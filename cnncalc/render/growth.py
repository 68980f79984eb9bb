"""The growth items of `check --base REF` and the diff against the base (issue 15), as cells,
JSON fields and lines for render/as_check.py. Formatting only."""

from __future__ import annotations

from typing import Any

from cnncalc.budget import SpecResult, Verdict
from cnncalc.messages import msg
from cnncalc.units import count, exact, nbytes


def _signed(value: float, unit: str) -> str:
    """'+73,984', '-1.0 MiB (-1,048,576 B)', '+0'."""
    n = round(value)
    sign = "-" if n < 0 else "+"
    if unit == "bytes":
        text = (
            f"{nbytes(abs(n))} ({sign}{exact(abs(n))} B)"
            if abs(n) >= 1024
            else f"{exact(abs(n))} B"
        )
    else:
        text = f"{exact(abs(n))} ({count(abs(n))})" if abs(n) >= 1000 else exact(abs(n))
    return sign + text


def _pct(part: float, whole: float | None) -> str:
    return f" ({part / whole * 100:+.1f}%)" if whole else ""


def growth_cells(v: Verdict) -> tuple[str, str]:
    """The growth over the base, and the growth allowed: '+73,984 (74.0k) (+0.6%)',
    '+233,790 (233.8k) = 2% of 11,689,512'."""
    allowed = _signed(v.limit, v.unit)
    if v.allowance.endswith("%"):
        allowed += f" = {v.allowance} of base"
    if v.actual is None:
        return "—", allowed
    return _signed(v.actual, v.unit) + _pct(v.actual, v.base), allowed


def growth_over(v: Verdict) -> str:
    """'growth.macs grew by +231,211,008 … more than the +100,000,000 allowed … by …'."""
    return msg("gate.growth_over", metric=v.metric, growth=growth_cells(v)[0],
               allowance=v.allowance, allowed=_signed(v.limit, v.unit),
               excess=_signed((v.actual or 0) - v.limit, v.unit))  # fmt: skip


def growth_json(v: Verdict) -> dict[str, Any]:
    """A growth item's extra fields: the base figure and the allowance as written."""
    if not v.allowance:
        return {}
    return {"base": v.base, "allowance": v.allowance}


def diff_lines(r: SpecResult, markdown: bool = False) -> list[str]:
    """What changed against the base of `check --base`: one line in a log (the diff's
    summary, or why there is no base); in markdown the rows that changed and the totals."""
    if r.base_ref is None:
        return []
    if r.diff is None:
        return [f"_{r.base_note}_", ""] if markdown else [r.base_note]
    from cnncalc.render.as_diff import render_markdown, summary

    if r.diff.identical:
        line = msg("gate.no_changes", ref=r.base_ref)
        return [f"_{line}_", ""] if markdown else [line]
    head = f"{msg('gate.changes', ref=r.base_ref)}: {summary(r.diff)}"
    if not markdown:
        return [head]
    return [f"**{head}**", "", render_markdown(r.diff, title=False)]


def base_json(r: SpecResult) -> dict[str, Any] | None:
    """`check --base`: the ref, why the spec has no base there (else null), and the diff
    against it (schema cnncalc.diff/1's document, null when there is no base)."""
    if r.base_ref is None:
        return None
    from cnncalc.render.as_diff import diff_json

    return {"ref": r.base_ref, "note": r.base_note or None,
            "diff": None if r.diff is None else diff_json(r.diff)}  # fmt: skip


def append_step_summary(results: list[SpecResult]) -> None:
    """With `--format github` on GitHub Actions, the markdown report (tables, and with
    --base the rows that changed) is appended to the job summary, $GITHUB_STEP_SUMMARY, so
    one step gives the table, the diff and the verdict (issue 15). Appended, never
    overwritten; a summary that cannot be written is said on stderr, and the check goes on."""
    import os

    from cnncalc.render.as_check import render_markdown
    from cnncalc.streams import say

    where = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if not where:
        return
    try:
        with open(where, "a", encoding="utf-8") as out:
            out.write(render_markdown(results) + "\n")
    except OSError as exc:
        say(msg("gate.summary_unwritable", problem=exc))
