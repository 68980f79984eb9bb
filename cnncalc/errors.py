"""The one project exception and its DSL flavour, which knows where in the text it happened."""

from __future__ import annotations

from cnncalc.messages import msg
from cnncalc.safe import printable


class CnnCalcError(Exception):
    """A user mistake: the CLI prints it on stderr and exits with code 2 (DESIGN §7)."""

    def render(self) -> str:
        """The message as the user reads it, without the 'error: ' prefix."""
        return str(self)

    def location(self) -> tuple[str | None, int | None]:
        """The spec file and line the error is in, where known (for CI annotations)."""
        return None, None


# A caret line longer than this shows a window of it, starting this far before the caret.
CARET_WINDOW = 100
CARET_BEFORE = 40


class DslError(CnnCalcError):
    """An error inside DSL text; keeps the source and the span so it can draw a caret."""

    def __init__(
        self,
        msg: str,
        src: str,
        pos: int,
        end: int | None = None,
        *,
        origin: str | None = None,
        line_offset: int = 0,
        column_offset: int = 0,
    ) -> None:
        super().__init__(msg)
        self.msg = msg
        self.src = src
        self.pos = max(0, min(pos, len(src)))
        self.end = max(self.pos + 1, end if end is not None else self.pos + 1)
        self.origin = origin  # a spec file's path, when the text came from one
        self.line_offset = line_offset  # line of the text's first character in that file, minus 1
        self.column_offset = column_offset  # its column there, minus 1 (for the text's line 1)

    @property
    def line(self) -> int:
        """1-based line of the error inside the DSL text."""
        return self.src.count("\n", 0, self.pos) + 1

    @property
    def column(self) -> int:
        """1-based column of the error inside its line."""
        return self.pos - (self.src.rfind("\n", 0, self.pos) + 1) + 1

    def located(self, origin: str, line_offset: int, column_offset: int = 0) -> DslError:
        """The same error, told that its text starts on line `line_offset + 1` (column
        `column_offset + 1`) of file `origin`."""
        return DslError(
            self.msg,
            self.src,
            self.pos,
            self.end,
            origin=origin,
            line_offset=line_offset,
            column_offset=column_offset,
        )

    def location(self) -> tuple[str | None, int | None]:
        """The spec file and the file line of the error, when the text came from a file."""
        if self.origin is None:
            return None, None
        return self.origin, self.line_offset + self.line

    def caret(self) -> str:
        """The offending line of the text with ^ marks under the bad characters: control
        characters escaped, and a long line cut to a window around the caret (a 600,000-character
        one-line spec is not repeated in full)."""
        start = self.src.rfind("\n", 0, self.pos) + 1
        stop = self.src.find("\n", self.pos)
        stop = len(self.src) if stop == -1 else stop
        lo = max(start, self.pos - CARET_BEFORE) if stop - start > CARET_WINDOW else start
        hi = min(stop, lo + CARET_WINDOW)
        end = max(self.pos + 1, min(self.end, hi))

        def shown(a: int, b: int) -> str:
            return "".join(printable(" " if ch == "\t" else ch) for ch in self.src[a:b])

        before = ("…" if lo > start else "") + shown(lo, self.pos)
        marked = shown(self.pos, min(end, stop)) or " "
        line = before + marked + shown(min(end, stop), hi) + ("…" if hi < stop else "")
        return f"  {line}\n  {' ' * len(before)}{'^' * len(marked)}"

    def render(self) -> str:
        """Message, location in the spec file (if any) and the caret drawing."""
        where = ""
        if self.origin is not None:
            column = self.column + (self.column_offset if self.line == 1 else 0)
            where = f"{self.origin}:{self.line_offset + self.line}:{column}: "
        return f"{where}{self.msg}\n{self.caret()}"


class SpecFileError(CnnCalcError):
    """An error in a spec file that is not inside its DSL text: names the file and line."""

    def __init__(self, msg: str, path: str, line: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.path = path
        self.line = line

    def location(self) -> tuple[str | None, int | None]:
        """The spec file and line."""
        return self.path, self.line

    def render(self) -> str:
        """`file:line: message`."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.msg}"


def first_line(exc: BaseException) -> str:
    """The first line of an error as the user reads it (a one-line report: a CI annotation, a
    PyTorch error quoted in ours), else the name of its type when it says nothing."""
    text = (exc.render() if isinstance(exc, CnnCalcError) else str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """' — did you mean 'X'?' for the closest choice, or '' when nothing is close."""
    import difflib  # only on the error path

    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return msg("dsl.did_you_mean", choice=lowered[hits[0]]) if hits else ""


def shorten(text: str, limit: int = 60) -> str:
    """User text fit to quote in a message: control characters escaped, and past `limit`
    characters cut, saying how long it was (a 10,000-character DSL string is not repeated)."""
    if len(text) > limit:
        text = msg("dsl.characters", text=text[:limit], length=f"{len(text):,}")
    return printable(text)
