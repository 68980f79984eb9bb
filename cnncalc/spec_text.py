"""A spec file as text (DESIGN §5): read safely, parsed as TOML, and each key traced back to
the line it was written on, so that every error about a spec file names its line."""

from __future__ import annotations

import re
import stat
import sys
from bisect import bisect_right
from pathlib import Path
from typing import Any

from cnncalc.comments import uncommented
from cnncalc.errors import SpecFileError
from cnncalc.messages import msg
from cnncalc.units import exact, nbytes


def toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def toml_error_line(exc: Exception) -> int | None:
    """tomllib says '(at line 3, column 7)'; take the line."""
    text = str(exc)
    marker = "at line "
    if marker in text:
        digits = text.split(marker, 1)[1].split(",", 1)[0].split(")", 1)[0]
        return int(digits) if digits.isdigit() else None
    return None


def unquoted_hint(text: str, line: int | None) -> str:
    """'; a number with a unit is a string: weights = "62.4M"' when the bad line has one bare."""
    rows = text.splitlines()
    if line is None or not 0 < line <= len(rows):
        return ""
    near = [uncommented(rows[line - 1]), uncommented(rows[line - 2]) if line > 1 else ""]
    if any(r.count("{") > r.count("}") for r in near):  # TOML 1.0: an inline table is one line
        return msg("specs.file.inline_table")
    if "=" not in rows[line - 1]:
        return ""
    key, _, value = rows[line - 1].partition("=")
    value = uncommented(value).strip()
    if value[:1].isdigit() and any(c.isalpha() for c in value):
        return msg("specs.file.unit_is_string", key=key.strip(), value=value)
    return ""


class Failer:
    """Makes SpecFileErrors that point at the line of a key."""

    def __init__(self, path: str, lines: Lines) -> None:
        self.path = path
        self.lines = lines

    def __call__(self, msg: str, table: str, key: str) -> SpecFileError:
        return SpecFileError(msg, self.path, self.lines.of(table, key))


# The pieces of TOML the line finder steps over (the text is valid TOML: tomllib read it first).
_SPACE = re.compile(r"[ \t]*")
_GAP = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")  # blank space, newlines and comments
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LITERAL = re.compile(r"'[^'\n]*'")
_ML_BASIC = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"{1,2}(?!"))*"{3,5}')
_ML_LITERAL = re.compile(r"'''[\s\S]*?'''(?:'{1,2}(?!'))?")
_SCALAR = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?"
    r"|[^\s,\]}#]+"
)
_TRIPLE = ('"""', "'''")


class Lines:
    """Where each key of a spec file was written, found by stepping through the TOML tokens.

    Strings of all four kinds are skipped whole (a description may hold 'key = …' or '[budget]'
    text), quoted and dotted keys are split as TOML splits them, and the keys of an inline table
    (`budget = { weights = "1M" }`) and of a table header (`[budget.latency_ms]`) are found where
    they are. One pass over the text, and a line is found by bisection: 40,000 [blocks] entries
    cost linear time (issue 9).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.keys: dict[tuple[str, str], int] = {}  # (table, key) → offset of the key
        self.values: dict[tuple[str, str], int] = {}  # (table, key) → offset of its value
        self.tables: dict[str, int] = {}  # dotted table name → offset of its header or key
        self._scan()

    def line(self, pos: int) -> int:
        """1-based line of the character at offset `pos`."""
        return bisect_right(self.starts, pos)

    def of(self, table: str, key: str) -> int | None:
        """The line of `key` in `table` ('' for the top level)."""
        pos = self.keys.get((table, key), self.tables.get(f"{table}.{key}".strip(".")))
        return None if pos is None else self.line(pos)

    def offsets(self, table: str, key: str) -> tuple[int, int]:
        """(line, column) offsets of the text of a string value: the file line of its first
        character minus 1, and its column minus 1 (a triple quote and a newline open the text
        on the next line, as TOML trims that newline). (0, 0) when the key is not found."""
        pos = self.values.get((table, key))
        if pos is None:
            return 0, 0
        text = self.text
        start = pos + (3 if text.startswith(_TRIPLE, pos) else 1)
        if text.startswith(_TRIPLE, pos):
            start += 1 if text.startswith("\n", start) else 2 * text.startswith("\r\n", start)
        line = self.line(start)
        return line - 1, start - self.starts[line - 1]

    def _scan(self) -> None:
        text, pos, table = self.text, 0, ""
        while True:
            pos = _GAP.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= len(text):
                return
            start = pos
            if text.startswith("[", pos):  # [table] or [[array of tables]]
                double = text.startswith("[[", pos)
                parts, pos = self._key(pos + 1 + double)
                table = ".".join(parts)
                self.tables.setdefault(table, start)
                pos = text.find("]" * (1 + double), pos)
                pos = len(text) if pos == -1 else pos + 1 + double
            else:
                pos = self._pair(table, pos)
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if pos == start or not text.startswith(("\n", "\r", "#"), pos):
                stop = text.find("\n", max(pos, start + 1))  # not expected in valid TOML
                pos = len(text) if stop == -1 else stop

    def _key(self, pos: int) -> tuple[list[str], int]:
        """A dotted key at `pos`: its parts, unquoted, and the offset after it."""
        text, parts = self.text, []
        while pos < len(text):
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            found = (_BASIC.match(text, pos) or _LITERAL.match(text, pos)
                     or _BARE_KEY.match(text, pos))  # fmt: skip
            if found is None:
                break
            parts.append(_unquote(found.group()))
            pos = _SPACE.match(text, found.end()).end()  # type: ignore[union-attr]
            if not text.startswith(".", pos):
                break
            pos += 1
        return parts, pos

    def _pair(self, table: str, pos: int) -> int:
        """`key = value` at `pos` inside `table`: record it, return the offset after it."""
        text, start = self.text, pos
        parts, pos = self._key(pos)
        if not parts or not text.startswith("=", pos):
            return pos
        for i in range(1, len(parts)):  # dotted keys define their tables
            self.tables.setdefault(".".join([table, *parts[:i]]).strip("."), start)
        where = (".".join([table, *parts[:-1]]).strip("."), parts[-1])
        pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        self.keys.setdefault(where, start)
        self.values.setdefault(where, pos)
        return self._value(".".join([table, *parts]).strip("."), pos)

    def _value(self, table: str | None, pos: int) -> int:
        """Step over one value; the keys of an inline table go into `table` (None: in an array,
        where keys have no place of their own)."""
        text = self.text
        for pattern in (_ML_BASIC, _ML_LITERAL, _BASIC, _LITERAL):
            found = pattern.match(text, pos)
            if found:
                return found.end()
        if text.startswith(("{", "["), pos):
            close = "}" if text[pos] == "{" else "]"
            pos += 1
            while pos < len(text):
                pos = _GAP.match(text, pos).end()  # type: ignore[union-attr]
                if text.startswith(close, pos):
                    return pos + 1
                if text.startswith(",", pos):
                    pos += 1
                    continue
                before = pos
                if close == "}" and table is not None:
                    pos = self._pair(table, pos)
                else:
                    pos = self._value(None, pos)
                if pos == before:  # not expected in valid TOML; never loop
                    pos += 1
            return pos
        found = _SCALAR.match(text, pos)
        return found.end() if found else pos


def _unquote(key: str) -> str:
    """A key part as TOML reads it: quotes off, escapes of a basic string decoded."""
    if key.startswith("'"):
        return key[1:-1]
    if key.startswith('"'):
        if "\\" not in key:
            return key[1:-1]
        try:
            return next(iter(toml_loads(f"{key} = 0")))
        except ValueError:
            return key[1:-1]
    return key


# A spec file is a page of text; past this it is a mistake (a log, a dataset, /dev/zero's
# kin), refused before it is read (issue 9: a file of hundreds of MB must cost nothing).
MAX_SPEC_BYTES = 4 * 2**20


def read_text(path: Path, shown: str) -> str:
    """The text of a spec file: a regular file of at most MAX_SPEC_BYTES, in UTF-8; every
    failure is a SpecFileError naming the file."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise SpecFileError(msg("specs.file.directory"), shown)
        if not stat.S_ISREG(info.st_mode):
            raise SpecFileError(msg("specs.file.not_regular"), shown)
        if info.st_size > MAX_SPEC_BYTES:
            raise SpecFileError(_too_big(info.st_size), shown)
        with path.open("rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)  # the file may grow after stat
    except OSError as exc:
        reason = exc.strerror or exc
        raise SpecFileError(msg("specs.file.cannot_read", reason=reason), shown) from None
    except ValueError as exc:  # a NUL in the path
        raise SpecFileError(msg("specs.file.cannot_read", reason=exc), shown) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecFileError(_too_big(len(data)), shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SpecFileError(msg("specs.file.not_utf8"), shown, line) from None


def _too_big(size: int) -> str:
    return msg("specs.file.too_big", size=nbytes(size), exact=exact(size),
               most=nbytes(MAX_SPEC_BYTES), most_exact=exact(MAX_SPEC_BYTES))  # fmt: skip


def parse_toml(text: str, shown: str) -> dict[str, Any]:
    """The TOML of a spec file as a dict; invalid TOML is a SpecFileError at its line."""
    try:
        return toml_loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError, or Python's int-string limit
        digits = re.search(r"[0-9_]{4000,}", text)
        if "integer string conversion" in str(exc) and digits:
            raise SpecFileError(
                msg("specs.file.too_many_digits", digits=f"{len(digits.group()):,}"), shown,
                text.count("\n", 0, digits.start()) + 1) from None  # fmt: skip
        problem = str(exc).split(" (at line")[0]
        line = toml_error_line(exc)
        raise SpecFileError(msg("specs.file.invalid_toml", problem=problem,
                                hint=unquoted_hint(text, line)), shown, line) from None  # fmt: skip
