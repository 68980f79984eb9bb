"""User text (a spec's name, description, path) made safe to print: no control characters or
ANSI escapes ever reach a terminal, a CI log or a report raw (issue 9, output injection)."""

from __future__ import annotations


def printable(text: str) -> str:
    """`text` on one line with every control character shown as an escape: a newline as '\\n',
    ESC as '\\x1b', DEL and C1 controls likewise; all else unchanged."""
    if text.isprintable():  # the common case, and no copy
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)
