"""Which renderer draws each command's result, and how it reaches stdout (DESIGN §8).

One table maps (command, format) to the renderer for a pipe or file and, for the table
format, the one for a terminal (rich, fitted to its width). The CLI generates its --format
choices from it. Renderers are named as "module:function" and imported only when used, so
that `cnncalc shape` starts fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from cnncalc.messages import msg


class Way(NamedTuple):
    """How one format is drawn: for a pipe, for a terminal (None: as for a pipe), and whether
    the renderer takes the command's view options (shape's columns and --explain)."""

    pipe: str
    terminal: str | None = None
    options: bool = False


# command → format → Way, formats in the order --help lists them.
RENDERERS: dict[str, dict[str, Way]] = {
    "shape": {
        "table": Way("as_text:render", "as_table:render", options=True),
        "json": Way("as_json:chunks"),
        "csv": Way("as_csv:render"),
        "markdown": Way("as_markdown:render", options=True),
    },
    "list": {
        "table": Way("as_list:render_text", "as_list:render_table"),
        "json": Way("as_list:render_json"),
    },
    "check": {
        "table": Way("as_check:render_text", "as_check:render_table"),
        "json": Way("as_check:render_json"),
        "junit": Way("as_check:render_junit"),
        "github": Way("as_check:render_github"),
        "markdown": Way("as_check:render_markdown"),
    },
    "diff": {
        "table": Way("as_diff:render_text", "as_diff:render_table"),
        "json": Way("as_diff:render_json"),
        "markdown": Way("as_diff:render_markdown"),
    },
    "profile": {
        "table": Way("as_profile:render_text", "as_profile:render_table"),
        "json": Way("as_profile:render_json"),
        "markdown": Way("as_profile:render_markdown"),
    },
    "run": {
        "table": Way("as_run:render_text", "as_run:render_table"),
        "json": Way("as_run:render_json"),
    },
    "roofline": {  # issue 13
        "table": Way("as_roofline:render_text", "as_roofline:render_table"),
        "json": Way("as_roofline:render_json"),
    },
}
# What a CI format writes on stdout when the input is bad, so that CI reads the failure in
# its own terms too (the message still goes to stderr).
ERROR_RENDERERS = {
    ("check", "junit"): "as_check:junit_error",
    ("check", "github"): "as_check:github_error",
}


def formats(command: str) -> tuple[str, ...]:
    """The --format choices of `command`."""
    return tuple(RENDERERS[command])


def _load(name: str) -> Callable[..., Any]:
    module, function = name.split(":")
    return getattr(importlib.import_module(f"cnncalc.render.{module}"), function)


def show(command: str, format: str, value: object, *options: object) -> None:
    """`value` drawn in `format` on stdout: rich on a terminal for the table format, else text.
    `options` go to the renderers that take them."""
    way = RENDERERS[command][format]
    terminal = way.terminal is not None and sys.stdout.isatty()
    render = _load(way.terminal if terminal and way.terminal else way.pipe)
    out = render(value, *options) if way.options else render(value)
    if terminal:
        print_rich(out)
    elif isinstance(out, str):
        sys.stdout.write(out)
    else:
        write_chunks(out)


def show_error(command: str, format: str | None, exc: Exception) -> None:
    """A CI format's report of bad input on stdout; nothing for the other formats."""
    name = ERROR_RENDERERS.get((command, format or ""))
    if name is not None:
        sys.stdout.write(_load(name)(exc))


def write_chunks(chunks: Iterator[str]) -> None:
    """Text made in pieces (a large JSON report) written as it is made, in batches."""
    batch: list[str] = []
    for piece in chunks:
        batch.append(piece)
        if len(batch) >= 4096:
            sys.stdout.write("".join(batch))
            batch.clear()
    sys.stdout.write("".join(batch))


def print_rich(renderable: object) -> None:
    """Print a rich renderable on stdout: fitted to a terminal, unwrapped and unpadded in a pipe."""
    from rich.console import Console

    console = Console()
    if console.is_terminal:
        import shutil

        from cnncalc.render.fit import MIN_WIDTH

        # Issue 9: COLUMNS=0 says nothing of the width (as for `ls`): ask the terminal, else 80.
        # Below MIN_WIDTH nothing fits: lay out for MIN_WIDTH and let the terminal wrap whole
        # lines; crop=False, so rich never cuts a line at the edge either.
        width = console.width if console.width > 0 else shutil.get_terminal_size().columns
        if width != console.width or width < MIN_WIDTH:
            console = Console(width=max(width, MIN_WIDTH))
        console.print(renderable, crop=False)
        return
    import io

    buf = io.StringIO()
    Console(file=buf, width=10_000, no_color=True, highlight=False).print(renderable)
    sys.stdout.write("\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n")


def warning_lines(warnings: Iterable[tuple[str, str]], shown_rows: int = 3) -> list[str]:
    """(row, message) pairs folded into lines: one line per distinct message, naming its first
    rows and how many more (a repeated block warns once per copy; issue 9), with ×N when the
    same row says it more than once."""
    rows: dict[str, list[str]] = {}  # message → its rows, in order of first appearance
    for name, message in warnings:
        rows.setdefault(message, []).append(name)
    lines = []
    for message, names in rows.items():
        distinct = list(dict.fromkeys(names))
        who = ", ".join(distinct[:shown_rows])
        if len(distinct) > shown_rows:
            more = len(distinct) - shown_rows
            key = "render.warning_more_rows_plural" if more > 1 else "render.warning_more_rows"
            who = msg(key, rows=who, more=more)
        times = f" (×{len(names)})" if len(names) > len(distinct) else ""
        lines.append(f"{who}: {message}{times}")
    return lines
