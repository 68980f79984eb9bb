"""Text scanning for templates (cnncalc.templates): placeholders, calls and arguments, with
'#' comments skipped. Pure functions over strings; positions always index the text given."""

from __future__ import annotations

from cnncalc.comments import comment_end
from cnncalc.messages import msg


def next_brace(text: str, i: int) -> int:
    """Where the next '{' outside a '#' comment is, from i on (-1: none)."""
    while i < len(text):
        ch = text[i]
        if ch == "#":
            i = comment_end(text, i)
        elif ch == "{":
            return i
        else:
            i += 1
    return -1


def placeholder(text: str, pos: int) -> tuple[str, int] | str:
    """The placeholder `{name}` at pos as (name, end), or the message saying what is wrong."""
    close = text.find("}", pos + 1)
    reopen = text.find("{", pos + 1)
    newline = text.find("\n", pos + 1)
    if close == -1 or -1 < reopen < close or -1 < newline < close:
        return msg("specs.template.unclosed_brace")
    name = text[pos + 1 : close]
    if not name.isidentifier():
        return msg("specs.template.placeholder")
    return name, close + 1


def placeholder_span(text: str, pos: int) -> tuple[int, int]:
    """What to underline for a bad placeholder at pos: up to its '}', or the '{' and the name
    after it when it is never closed."""
    found = placeholder(text, pos)
    close = text.find("}", pos + 1)
    if found == msg("specs.template.unclosed_brace"):
        end = pos + 1
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        return pos, end
    return pos, close + 1


def arguments_text(src: str, start: int) -> tuple[str, int]:
    """A call's arguments from `start` (just after its '(') to its ')', with comments blanked
    to spaces so that positions still match `src`, and where the ')' is (-1: never closed).
    A '#' comment may explain an argument, and a ')' or ',' inside it counts for nothing."""
    out = []
    i = start
    while i < len(src):
        if src[i] == "#":
            end = comment_end(src, i)
            out.append(" " * (end - i))
            i = end
        elif src[i] == ")":
            return "".join(out), i
        else:
            out.append(src[i])
            i += 1
    return "".join(out), -1


def words(names: list[str] | tuple[str, ...]) -> str:
    """'c', 'c and s', 'c, s and k'."""
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return quoted[0]
    return msg("specs.template.and", names=", ".join(quoted[:-1]), last=quoted[-1])


def scan(text: str) -> tuple[list[tuple[str, int, int]], int]:
    """The `$name` calls of a text (name, start, end) and its number of '{', comments skipped."""
    calls = []
    braces = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "#":
            i = comment_end(text, i)
        elif ch == "$":
            end = i + 1
            while end < len(text) and (text[end].isalnum() or text[end] == "_"):
                end += 1
            calls.append((text[i + 1 : end], i, end))
            i = end
        else:
            braces += ch == "{"
            i += 1
    return calls, braces
