"""The output edge of the command line (issue 9): what happens when stdout cannot take the
output, handled once for every command rather than in each.

- A closed stdout (`cnncalc shape alexnet >&-`) or a full disk (`> /dev/full`): one line,
  `error: cannot write the output: …`, and exit code 2.
- A reader that went away (`| head -1`): exit code 2 and nothing more, as `git log | head`
  is quiet; never a traceback, never Python's "Exception ignored" line, and never exit 1, which
  `check` uses for "over budget".
- An encoding that lacks '×', '—', '≈' or box drawing (`PYTHONIOENCODING=ascii`, `latin-1`):
  those characters degrade to ASCII look-alikes ('x', '-', '~', '+'), anything else to '?',
  never a UnicodeEncodeError.
"""

from __future__ import annotations

import codecs
import errno
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from cnncalc.messages import msg

ERRORS = "cnncalc-ascii"  # the codec error handler registered below

# ASCII look-alikes of the characters cnncalc prints (DESIGN §4's '×', rich's boxes, …).
LOOKALIKES = {
    "×": "x", "—": "-", "–": "-", "−": "-", "≈": "~", "≥": ">=", "≤": "<=", "→": "->",
    "←": "<-", "…": "...", "·": ".", "Δ": "d", "±": "+/-", "²": "2", "³": "3", "µ": "u",
    "‘": "'", "’": "'", "“": '"', "”": '"', "•": "*", "✓": "ok", "✗": "x",
}  # fmt: skip
_LINES = {"─": "-", "━": "-", "═": "=", "│": "|", "┃": "|", "║": "|", "╌": "-", "┄": "-"}


def lookalike(ch: str) -> str:
    """An ASCII stand-in for one character: a look-alike, '+' for box corners and joints,
    '#' for block elements (bars), else '?'."""
    if ch in LOOKALIKES:
        return LOOKALIKES[ch]
    if ch in _LINES:
        return _LINES[ch]
    code = ord(ch)
    if 0x2500 <= code <= 0x257F:  # box drawing
        return "+"
    if 0x2580 <= code <= 0x259F:  # block elements: the share bars
        return "#"
    return "?"


def _degrade(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(lookalike(ch) for ch in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(ERRORS, _degrade)


class OutputError(Exception):
    """Writing stdout failed. Not an OSError on purpose: click turns an EPIPE OSError into
    exit 1, which `check` means as "over budget"."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


class GuardedStream:
    """stdout, with a failed write or flush raised as OutputError; all else passes through."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write, or raise OutputError."""
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputError(exc) from None

    def flush(self) -> None:
        """Flush, or raise OutputError."""
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputError(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _degrading(stream: Any) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=ERRORS)


def say(text: str) -> None:
    """Text on stderr, each line with its control characters escaped (user text inside a
    message never reaches the terminal raw), written through sys.stderr (not click's own
    UTF-8 stream) so that a narrow encoding degrades '—' or '×' like stdout does
    (cnncalc/streams.py)."""
    from cnncalc.safe import printable

    sys.stderr.write("\n".join(printable(line) for line in text.split("\n")) + "\n")
    sys.stderr.flush()


def warn(warnings: Iterable[tuple[str, str]], where: str = "", quiet: bool = False) -> None:
    """The analysis' warnings, (row, message) pairs, on stderr, each distinct one once;
    `where` names the spec; `quiet` (-q) drops them."""
    if quiet:
        return
    from cnncalc.render.output import warning_lines

    for line in warning_lines(warnings):
        say(f"{msg('cli.warning_prefix')}{where}{line}")


def _say(text: str) -> None:
    try:
        if sys.stderr is not None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
    except OSError:  # stderr gone too: the exit code is all that is left
        pass


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the interpreter's last flush of what is
    still buffered succeeds quietly (the Python docs' advice for SIGPIPE)."""
    real = sys.__stdout__
    try:
        fd = real.fileno() if real is not None else 1
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _failed(cause: OSError) -> int:
    _silence_stdout()
    if cause.errno != errno.EPIPE:  # a broken pipe is the reader's choice: say nothing
        _say(msg("cli.error_prefix") + msg("cli.cannot_write", reason=cause.strerror or cause))
    return 2


def run_guarded(app: Callable[[], Any]) -> int | str | None:
    """Run the typer app with stdout guarded; its exit code, or 2 when the output could not be
    written."""
    if sys.stdout is None:  # fd 1 closed: Python has no stdout at all
        _say(msg("cli.error_prefix") + msg("cli.stdout_closed"))
        return 2
    _degrading(sys.stdout)
    _degrading(sys.stderr)
    sys.stdout = GuardedStream(sys.stdout)
    code: int | str | None = 0
    try:
        try:
            app()
        except SystemExit as exc:
            code = exc.code
        sys.stdout.flush()
    except OutputError as exc:
        return _failed(exc.cause)
    return code
