"""User text (a spec's name, description, path) made safe to print: no control characters or
ANSI escapes ever reach a terminal, a CI log or a report raw (issue 9, output injection)."""

from __future__ import annotations


def printable(text: str) -> str:
    """`text` on one line with every control character shown as Python writes it in a string
    literal: a newline as '\\n', ESC as '\\x1b', a bidi override as '\\u202e'; all else
    unchanged."""
    if text.isprintable():  # the common case, and no copy
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
