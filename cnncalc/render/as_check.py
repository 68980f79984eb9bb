"""Check verdicts → a rich table per spec, plain text, JSON (`cnncalc.check/1`), JUnit XML,
GitHub workflow commands, or markdown for a pull-request comment. Formatting only."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from cnncalc.budget import FAIL, PASS, SKIP, SpecResult, Verdict, exit_code
from cnncalc.errors import CnnCalcError, first_line
from cnncalc.messages import msg
from cnncalc.render.growth import base_json, diff_lines, growth_cells, growth_json, growth_over
from cnncalc.render.plain import align
from cnncalc.render.xml_text import xml_document, xml_text  # noqa: F401  (xml_text: re-exported)
from cnncalc.safe import printable
from cnncalc.units import count, exact, nbytes

SCHEMA = "cnncalc.check/1"
# The columns, each a message check.header.KEY.
HEADERS = ("metric", "actual", "budget", "headroom", "verdict")


def amount(value: float, unit: str) -> str:
    """'62,369,152 (62.4M)', '237.9 MiB (249,476,608 B)' or '12.3 ms'."""
    if unit == "ms":
        if value == int(value):
            return f"{int(value):,} ms"
        return f"{value:,.1f} ms" if abs(value) >= 100 else f"{value:.3g} ms"
    if unit == "bytes":
        return f"{nbytes(int(value))} ({exact(int(value))} B)"
    n = int(value)
    return f"{exact(n)} ({count(n)})" if n >= 1000 else exact(n)


def headroom(v: Verdict) -> str:
    """'12.5%' left, '-3.1%' over, '—' when there is no figure."""
    pct = v.headroom_pct
    if pct is None:
        return "—" if v.actual is None else "-∞"
    return f"{pct:.2f}%" if abs(pct) < 1 else f"{pct:.1f}%"


def verdict_word(v: Verdict) -> str:
    """'pass', 'OVER' or 'skipped: why'."""
    if v.status == SKIP:
        return msg("check.skipped", reason=printable(v.reason))
    return msg("check.pass") if v.status == PASS else msg("check.over")


def over_text(v: Verdict) -> str:
    """'macs 1,135,256,096 (1.1G) is over the budget of 1,000,000,000 (1.0G) by 13.5%'."""
    if v.base is not None:  # a growth item (issue 15)
        return growth_over(v)
    excess = (v.actual or 0) - v.limit
    pct = f" ({excess / v.limit * 100:.1f}%)" if v.limit else ""
    return msg("check.over_text", metric=v.metric, actual=amount(v.actual or 0, v.unit),
               limit=amount(v.limit, v.unit), excess=amount(excess, v.unit), pct=pct)  # fmt: skip


def cells(v: Verdict) -> tuple[str, str, str, str, str]:
    """The five cells of a verdict's row."""
    if v.allowance:  # a growth item: the growth, and the growth allowed (issue 15)
        return (v.metric, *growth_cells(v), headroom(v), verdict_word(v))
    actual = "—" if v.actual is None else amount(v.actual, v.unit)
    return (v.metric, actual, amount(v.limit, v.unit), headroom(v), verdict_word(v))


def heading(r: SpecResult) -> str:
    """'alexnet — specs/alexnet.toml (batch 1, fp32, sgd)'; name and path printable (issue 9:
    a name holding ANSI escapes or newlines never reaches a terminal raw)."""
    return msg("check.heading", name=printable(r.name), path=printable(r.path), batch=r.batch,
               dtype=r.dtype, optimizer=r.optimizer)  # fmt: skip


def warnings_line(r: SpecResult) -> str:
    """The analysis' warnings of a spec in one line (a CI log wants the signal, not every
    stride-2 ResNet row): how many, which rows, and where to read them."""
    rows = list(dict.fromkeys(printable(row) for row, _ in r.warnings))
    path = printable(r.path)
    if len(r.warnings) == 1:
        return f"{path}: {rows[0]}: {printable(r.warnings[0][1])}"
    named = ", ".join(rows[:3]) + (", …" if len(rows) > 3 else "")
    return msg("check.warnings_line", path=path, count=len(rows), rows=named)


def labels(results: list[SpecResult], show: Any = printable) -> dict[int, str]:
    """What to call each spec in one-line messages: its name, or name and path when two specs
    share a name (two files both called 'model' must not read as one); `show` makes the user's
    text safe for the output (printable by default; JUnit keeps it, XML escapes it)."""
    names = Counter(r.name for r in results)
    return {i: show(r.name) if names[r.name] == 1 else show(f"{r.name} ({r.path})")
            for i, r in enumerate(results)}  # fmt: skip


def summary(results: list[SpecResult]) -> str:
    """One line: all within budget, or which specs and metrics are over."""
    passed = sum(r.count(PASS) for r in results)
    failed = sum(r.count(FAIL) for r in results)
    skipped = sum(r.count(SKIP) for r in results)
    specs = msg("check.specs_one" if len(results) == 1 else "check.specs_many", count=len(results))
    tally = msg("check.tally", passed=passed, failed=failed, skipped=skipped)
    label = labels(results)
    free = [label[i] for i, r in enumerate(results) if not r.has_budget and not r.missing_budget]
    if free:  # issue 9: a spec without a budget is said, never passed over in silence
        tally += msg("check.tally_free", names=", ".join(free))
    if exit_code(results) == 0:
        return msg("check.all_within", specs=specs, tally=tally)
    over = ", ".join(f"{label[i]} {v.metric}" for i, r in enumerate(results) for v in r.verdicts
                     if v.status == FAIL)  # fmt: skip
    missing = [label[i] for i, r in enumerate(results) if r.missing_budget]
    problems = ([msg("check.over_budget", items=over)] if over else []) + (
        [msg("check.missing_required", names=", ".join(missing))] if missing else [])  # fmt: skip
    bad = sum(not r.ok for r in results)
    return msg("check.failed", problems="; ".join(problems), bad=bad, specs=specs, tally=tally)


EMPTY = "check.empty"  # message keys: a spec without budget items, and one that must have them
REQUIRED = "check.required"


def empty(r: SpecResult) -> str:
    """What a spec without budget items says: nothing to check, or a failure when required."""
    return msg(REQUIRED if r.missing_budget else EMPTY)


def render_table(results: list[SpecResult]) -> Any:
    """A table per spec, then the summary line (for a terminal), fitted to its width by
    render/fit.py: figures are never folded or cut; a skip reason wraps at spaces."""
    from rich.console import Group
    from rich.text import Text

    from cnncalc.render.fit import WRAP_MIN, Col, FitTable, Words

    # In a box a figure may go over two lines ('237.9 MiB' over '(249,476,608 B)'); a skip
    # reason wraps in any layout.
    figure = ("actual", "budget")
    cols = [Col(msg(f"check.header.{h}"), right=h not in ("metric", "verdict"),
                wrap=h in (*figure, "verdict"),
                whole_in_plain=h in figure, least=1 if h in figure else WRAP_MIN)
            for h in HEADERS]  # fmt: skip
    parts: list[Any] = []
    for r in results:
        # The heading goes above the table, which would wrap it at its own width; Words makes
        # the name and path printable and never reads them as rich markup.
        parts.append(Words(heading(r), style="bold"))
        if r.verdicts:
            status = {PASS: "green", FAIL: "bold red", SKIP: "dim"}
            rows = [(*cells(v)[:4], Text(cells(v)[4], style=status[v.status]))
                    for v in r.verdicts]  # fmt: skip
            parts.append(FitTable(cols, rows))
        else:
            parts.append(Words(f"  {empty(r)}", style="bold red" if r.missing_budget else "dim"))
        parts += [Words(f"  {line}") for line in diff_lines(r)] + [Words("")]
    parts.append(Words(summary(results), style="bold green" if exit_code(results) == 0
                       else "bold red"))  # fmt: skip
    return Group(*parts)


def render_text(results: list[SpecResult]) -> str:
    """Plain aligned text: what `--format table` prints when stdout is not a terminal (CI logs)."""
    out = []
    for r in results:
        out.append(heading(r))
        grid = [[msg(f"check.header.{h}") for h in HEADERS], *(cells(v) for v in r.verdicts)]
        if not r.verdicts:
            out += [f"  {empty(r)}", ""]
            continue
        out += ["  " + line for line in align(grid, [False, True, True, True, False])]
        out += [f"  {line}" for line in diff_lines(r)] + [""]
    out.append(summary(results))
    return "\n".join(out) + "\n"


def verdict_json(v: Verdict) -> dict[str, Any]:
    """One budget item."""
    return {
        "metric": v.metric,
        "key": v.key,
        "device": v.device,
        "unit": v.unit,
        "actual": v.actual,
        "limit": v.limit,
        "headroom_pct": v.headroom_pct,
        "status": v.status,
        "reason": v.reason or None,
        "line": v.line,
        **growth_json(v),
    }


def check_json(results: list[SpecResult]) -> dict[str, Any]:
    """The whole document as a dict."""
    return {
        "schema": SCHEMA,
        "ok": exit_code(results) == 0,
        "exit_code": exit_code(results),
        "summary": {
            "specs": len(results),
            "specs_over": sum(not r.ok for r in results),
            "specs_without_budget": sum(not r.has_budget for r in results),
            "passed": sum(r.count(PASS) for r in results),
            "failed": sum(r.count(FAIL) for r in results),
            "skipped": sum(r.count(SKIP) for r in results),
        },
        "specs": [
            {
                "name": r.name,
                "path": r.path,
                "ok": r.ok,
                "has_budget": r.has_budget,
                "budget_required": r.require_budget,
                "batch": r.batch,
                "dtype": r.dtype,
                "optimizer": r.optimizer,
                "checks": [verdict_json(v) for v in r.verdicts],
                "warnings": [{"row": row, "message": msg} for row, msg in r.warnings],
                "notes": [{"row": row, "message": msg} for row, msg in r.notes],
                "base": base_json(r),
            }
            for r in results
        ],
    }


def render_json(results: list[SpecResult]) -> str:
    """JSON text, indented."""
    return json.dumps(check_json(results), indent=2, ensure_ascii=False) + "\n"


def render_junit(results: list[SpecResult]) -> str:
    """JUnit XML: a testsuite per spec, a testcase per budget item; over-budget items carry a
    <failure> with the numbers, skipped ones a <skipped> with the reason."""
    import xml.etree.ElementTree as ET

    def tally(rs: list[SpecResult]) -> dict[str, str]:
        # a spec without budget items is one testcase: skipped, or failed when required
        return {
            "tests": str(sum(len(r.verdicts) or 1 for r in rs)),
            "failures": str(sum(r.count(FAIL) + r.missing_budget for r in rs)),
            "errors": "0",
            "skipped": str(sum(r.count(SKIP) + (not r.has_budget and not r.missing_budget)
                               for r in rs)),
        }  # fmt: skip

    root = ET.Element("testsuites", {"name": "cnncalc check", **tally(results)})
    label = labels(results, show=str)  # XML escapes it; _xml drops what XML 1.0 cannot hold
    for i, r in enumerate(results):
        suite = ET.SubElement(root, "testsuite", {"name": label[i], "file": r.path,
                                                  **tally([r])})  # fmt: skip
        if not r.verdicts:
            case = ET.SubElement(suite, "testcase", {"classname": f"cnncalc.check.{label[i]}",
                                                     "name": "budget", "file": r.path,
                                                     "time": "0"})  # fmt: skip
            if r.missing_budget:
                ET.SubElement(case, "failure", {"message": msg(REQUIRED), "type": "no-budget"})
            else:
                ET.SubElement(case, "skipped", {"message": msg(EMPTY)})
        for v in r.verdicts:
            attrs = {"classname": f"cnncalc.check.{label[i]}", "name": v.metric,
                     "file": r.path, "time": "0"}  # fmt: skip
            if v.line is not None:
                attrs["line"] = str(v.line)
            case = ET.SubElement(suite, "testcase", attrs)
            if v.status == FAIL:
                failure = ET.SubElement(
                    case, "failure", {"message": over_text(v), "type": "over-budget"}
                )
                failure.text = msg("check.junit_failure", heading=heading(r),
                                   where=_where(r.path, v.line), over=over_text(v),
                                   actual=v.actual, limit=v.limit, unit=v.unit)  # fmt: skip
            elif v.status == SKIP:
                ET.SubElement(case, "skipped", {"message": v.reason})
            else:
                out = ET.SubElement(case, "system-out")
                out.text = msg("check.within", metric=v.metric, actual=cells(v)[1],
                               limit=cells(v)[2], headroom=headroom(v))  # fmt: skip
    return xml_document(root)


def junit_error(exc: CnnCalcError) -> str:
    """Bad input as JUnit XML: one testcase with an <error>, so a test-report step shows the
    message instead of failing to read an empty file."""
    import xml.etree.ElementTree as ET

    path, line = exc.location()
    counts = {"tests": "1", "failures": "0", "errors": "1", "skipped": "0"}
    root = ET.Element("testsuites", {"name": "cnncalc check", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "cnncalc check", **counts})
    attrs = {"classname": "cnncalc.check", "name": "load spec files", "time": "0"}
    if path is not None:
        attrs["file"] = path
    if line is not None:
        attrs["line"] = str(line)
    case = ET.SubElement(suite, "testcase", attrs)
    error = ET.SubElement(case, "error", {"message": first_line(exc),
                                          "type": "bad-input"})  # fmt: skip
    error.text = exc.render()
    return xml_document(root)


def _where(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


def _gh_data(text: str) -> str:
    """Escape a workflow command's message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """Escape a workflow command property: as data, plus ':' and ','."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _repo_path(path: str) -> str:
    """The path as GitHub's annotations want it: relative to the checkout ($GITHUB_WORKSPACE,
    else the working directory, so a step with `working-directory:` still points right),
    normalised, with '/', printable."""
    p = Path(os.path.abspath(path))
    root = Path(os.path.abspath(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()))
    try:
        return printable(p.relative_to(root).as_posix())
    except ValueError:
        return printable(p.as_posix())


def _log_path(file: str) -> str:
    """A repo path at the start of a plain log line: './' before one that would make the line
    a workflow command ('::', '##[') or start it with blank space (issue 9)."""
    return file if file[:1].isalnum() or file[:1] in "./_" else f"./{file}"


def _gh_message(text: str) -> str:
    """User text as a workflow command's message: each line printable, then escaped (its line
    breaks become %0A, which GitHub shows as line breaks inside the one annotation)."""
    return _gh_data("\n".join(printable(line) for line in text.split("\n")))


def github_error(exc: CnnCalcError) -> str:
    """Bad input as an `::error` workflow command at the file and line, where known."""
    path, line = exc.location()
    props = "" if path is None else f" file={_gh_property(_repo_path(path))}"
    if path is not None and line is not None:
        props += f",line={line}"
    return f"::error{props}::{_gh_message(exc.render())}\n"


def render_github(results: list[SpecResult]) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=…::…` at the budget line of each
    item over budget; passes and skips as plain log lines; the summary last."""
    out = []
    label = labels(results)
    for i, r in enumerate(results):
        file, name = _repo_path(r.path), label[i]
        shown = _log_path(file)
        for v in r.verdicts:
            if v.status == FAIL:
                props = f"file={_gh_property(file)}"
                if v.line is not None:
                    props += f",line={v.line}"
                title = msg("check.github_over_title", name=name, metric=v.metric)
                props += f",title={_gh_property(title)}"
                out.append(f"::error {props}::{_gh_data(f'{name}: {over_text(v)}')}")
            elif v.status == SKIP:
                reason = printable(v.reason)
                skipped = msg("check.github_skipped", metric=v.metric, reason=reason)
                out.append(f"{_where(shown, v.line)}: {name}: {skipped}")
            else:
                out.append(
                    f"{_where(shown, v.line)}: {name}: "
                    + msg(
                        "check.within",
                        metric=v.metric,
                        actual=cells(v)[1],
                        limit=cells(v)[2],
                        headroom=headroom(v),
                    )
                )
        if r.missing_budget:
            title = msg("check.github_no_budget", name=name)
            props = f"file={_gh_property(file)},title={_gh_property(title)}"
            out.append(f"::error {props}::{_gh_data(f'{name}: {msg(REQUIRED)}')}")
        elif not r.verdicts:
            out.append(f"{shown}: {name}: {msg(EMPTY)}")
        if r.warnings:
            out.append(f"::warning file={_gh_property(file)}::{_gh_data(warnings_line(r))}")
    out.append(summary(results))
    return "\n".join(out) + "\n"


def render_markdown(results: list[SpecResult]) -> str:
    """A pull-request comment: the summary as a heading, then a table per spec; the user's text
    printable and escaped (no HTML, no table or line breaks)."""
    mark = {PASS: msg("check.md.pass"), FAIL: msg("check.md.over"), SKIP: msg("check.md.skipped")}
    head = "✅" if exit_code(results) == 0 else "❌"
    out = [f"### {head} cnncalc check", "", _md_text(summary(results)[2:]), ""]
    for r in results:
        out.append("#### " + msg("check.heading", name=_md_text(r.name), path=_md_code(r.path),
                                 batch=r.batch, dtype=r.dtype, optimizer=r.optimizer))  # fmt: skip
        out.append("")
        if not r.verdicts:
            out += [f"❌ **{msg(REQUIRED)}**" if r.missing_budget else f"_{msg(EMPTY)}_", ""]
            out += diff_lines(r, markdown=True)
            continue
        out.append("| " + " | ".join(HEADERS) + " |")
        out.append("|:---|---:|---:|---:|:---|")
        for v in r.verdicts:
            c = cells(v)
            word = mark[v.status] + (f": {v.reason}" if v.status == SKIP else "")
            out.append("| " + " | ".join((f"`{c[0]}`", *c[1:4], _md_text(word))) + " |")
        out += [""] + diff_lines(r, markdown=True)
    return "\n".join(out)


def _md_text(text: str) -> str:
    """Plain text inside markdown: printable, no HTML, no table breaks, no line breaks."""
    return (printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|"))  # fmt: skip


def _md_code(text: str) -> str:
    """Text as inline code: printable, fenced with more backticks than it holds."""
    text = printable(text)
    fence = "`" * (max((len(m) for m in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
