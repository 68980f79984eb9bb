"""'#' comments in DSL text and spec files (DESIGN §3): where one ends, and text without them.
Every scanner of user text skips comments through these two, so the rule is written once."""

from __future__ import annotations


def comment_end(text: str, i: int) -> int:
    """Where the comment that starts at text[i] ('#') ends: at its newline, or the text's end."""
    newline = text.find("\n", i)
    return len(text) if newline == -1 else newline


def uncommented(line: str) -> str:
    """A line without its '#' comment."""
    return line.split("#", 1)[0]


def code_lines(text: str) -> list[str]:
    """The text's lines, each without its '#' comment."""
    return [uncommented(line) for line in text.split("\n")]
