"""Templates: the `[blocks]` table of spec files, expanded to plain DSL text before parsing.

(The file is not called blocks.py: in the code a block is a Res/Cat/Seq, cnncalc.layers.blocks.)
A template (the user's word is "block") is DSL text with `{name}` placeholders:

    [blocks]
    basic = "Res(Conv:3x3x{c}p1nb-BN-ReLU-Conv:3x3x{c}p1nb-BN)-ReLU"

and `layers` (or another block) uses it as `$basic(c=64)`. A call becomes its body in
parentheses, so `$basic(c=64)*2@layer1` repeats and labels it like any group. Substitution is
plain text: every value is a whole number written in digits, or `{name}` to pass on an argument
of the calling block. Nothing is evaluated (DESIGN §3).

The expansion keeps a map from every character of the expanded text back to the text it came
from (the `layers` value, a block body, or the call that produced it), so a DslError raised on
the expanded text, by the parser or by the analysis, is redrawn under the original text with the
file and line where it was written (`Expansion.relocate`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from cnncalc.comments import code_lines, comment_end
from cnncalc.errors import DslError, did_you_mean
from cnncalc.messages import msg
from cnncalc.template_text import (
    arguments_text,
    next_brace,
    placeholder,
    placeholder_span,
    scan,
    words,
)

MAX_DEPTH = 32  # nested calls
MAX_CHARS = 2_000_000  # expanded text; a guard against calls that multiply without end
# Block calls plus placeholders in the whole expansion, counted before expanding (issue 9): each
# is a piece of the position map, and 100,000 rows of four placeholders each stay under it.
MAX_PIECES = 400_000


@dataclass(frozen=True, slots=True)
class Source:
    """One text as written: the `layers` value or a block body, and where it sits in its file."""

    name: str  # "" for `layers`, else the block's name
    text: str
    line_offset: int = 0  # line of text[0] in the file, minus 1
    column_offset: int = 0  # column of text[0] in that line, minus 1


@dataclass(frozen=True, slots=True)
class Frame:
    """One expansion of a text: the top level, or one call of a block."""

    source: int  # index into Expansion.sources
    parent: int | None  # the calling frame (None at the top level)
    call: tuple[int, int] | None  # the call's span `$name(…)` in the parent's text


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of the expanded text and where it came from.

    Verbatim runs map character for character onto [src_start, src_end) of their frame's text;
    other runs (a substituted value, the parentheses around a call) stand for that span whole.
    """

    start: int
    end: int
    frame: int
    src_start: int
    src_end: int
    verbatim: bool


@dataclass(frozen=True, slots=True)
class Expansion:
    """The expanded DSL text and the map back to the texts it was made from."""

    text: str
    sources: tuple[Source, ...]
    frames: tuple[Frame, ...]
    pieces: tuple[Piece, ...]
    origin: str | None = None  # the spec file

    def relocate(self, exc: DslError) -> DslError:
        """The same error drawn under the text it came from (a DslError about other text is
        returned as it is)."""
        if exc.src != self.text or exc.origin is not None:
            return exc
        frame_a, a, _ = self._locate(exc.pos)
        frame_b, _, b = self._locate(max(exc.pos, exc.end - 1))
        # A span that starts and ends in different calls points at the smallest text that holds
        # both: walk each end up to the common frame, widening to the calls on the way.
        up_a = self._ancestors(frame_a)
        up_b = self._ancestors(frame_b)
        common = next(f for f in up_a if f in up_b)
        for chain, is_start in ((up_a, True), (up_b, False)):
            i = chain.index(common)
            if i > 0:
                call = self.frames[chain[i - 1]].call
                assert call is not None  # only the top frame has no call
                if is_start:
                    a = call[0]
                else:
                    b = call[1]
        return _error(self, common, exc.msg, a, max(b, a + 1))

    def _locate(self, pos: int) -> tuple[int, int, int]:
        """(frame, start, end) in the original text of the character at `pos`."""
        if pos >= len(self.text) or not self.pieces:
            end = len(self.sources[0].text)
            return 0, end, end
        piece = self.pieces[bisect_right([p.start for p in self.pieces], pos) - 1]
        if piece.verbatim:
            at = piece.src_start + (pos - piece.start)
            return piece.frame, at, at + 1
        return piece.frame, piece.src_start, piece.src_end

    def _ancestors(self, frame: int) -> list[int]:
        """The frame, its caller, and so on up to the top."""
        chain = [frame]
        while (parent := self.frames[chain[-1]].parent) is not None:
            chain.append(parent)
        return chain


def _line_of(text: str, pos: int) -> int:
    """1-based line of pos in text."""
    return text.count("\n", 0, pos) + 1


def _error(exp: Expansion | _Expander, frame: int, problem: str, pos: int, end: int) -> DslError:
    """A DslError at [pos, end) of a frame's own text, saying which calls led there."""
    frames, sources = exp.frames, exp.sources
    source = sources[frames[frame].source]
    notes = []
    f = frame
    while frames[f].parent is not None:
        parent = frames[f].parent
        call = frames[f].call
        assert parent is not None and call is not None
        caller = sources[frames[parent].source]
        line = caller.line_offset + _line_of(caller.text, call[0])
        where = (msg("specs.template.line_in_block", line=line, block=caller.name)
                 if caller.name else msg("specs.template.line", line=line))  # fmt: skip
        if not exp.origin:  # lines of the texts themselves: say which
            line = _line_of(caller.text, call[0])
            where = (msg("specs.template.line_of_block", line=line, block=caller.name)
                     if caller.name else msg("specs.template.line_of_layers", line=line))  # fmt: skip
        if not notes:
            notes.append(msg("specs.template.in_block", block=sources[frames[f].source].name))
        notes.append(msg("specs.template.called_at", where=where))
        f = parent
    if notes:
        problem = msg("specs.template.with_notes", problem=problem, first=notes[0],
                      rest=", ".join(notes[1:]))  # fmt: skip
    err = DslError(problem, source.text, pos, end)
    return err.located(exp.origin, source.line_offset, source.column_offset) if exp.origin else err


class _Expander:
    """Mutable state of one expansion; never leaves this module."""

    def __init__(self, layers: Source, blocks: dict[str, Source], origin: str | None) -> None:
        self.blocks = blocks
        self.origin = origin
        self.sources: list[Source] = [layers]
        self.source_of: dict[str, int] = {}
        self.frames: list[Frame] = [Frame(0, None, None)]
        self.pieces: list[Piece] = []
        self.out: list[str] = []
        self.size = 0
        self.params: dict[str, tuple[str, ...]] = {}

    def error(self, frame: int, problem: str, pos: int, end: int | None = None) -> DslError:
        """A DslError in a frame's own text."""
        return _error(self, frame, problem, pos, pos + 1 if end is None else end)

    def emit(self, text: str, frame: int, src_start: int, src_end: int, verbatim: bool) -> None:
        """Append to the expanded text, remembering where it came from."""
        if not text:
            return
        self.out.append(text)
        self.pieces.append(Piece(self.size, self.size + len(text), frame, src_start, src_end,
                                 verbatim))  # fmt: skip
        self.size += len(text)
        if self.size > MAX_CHARS:
            while frame and self.frames[frame].parent:  # blame the call written in layers
                frame = self.frames[frame].parent  # type: ignore[assignment]
            span = self.frames[frame].call or (src_start, src_end)
            raise self.error(0, msg("specs.template.too_long", limit=f"{MAX_CHARS:,}"), *span)

    def text(self, frame: int, args: dict[str, str] | None, stack: tuple[str, ...]) -> None:
        """Copy a frame's text to the output, substituting `{name}` and expanding `$calls`."""
        src = self.sources[self.frames[frame].source].text
        run = 0
        i = 0
        while i < len(src):
            ch = src[i]
            if ch == "#":
                stop = comment_end(src, i)
                if args is not None:  # a body's comment would swallow the ')' after it
                    self.emit(src[run:i], frame, run, i, True)
                    run = stop
                i = stop
            elif ch == "{":
                self.emit(src[run:i], frame, run, i, True)
                name, end = self.placeholder(frame, src, i, args)
                assert args is not None
                self.emit(args[name], frame, i, end, False)
                i = run = end
            elif ch == "$":
                self.emit(src[run:i], frame, run, i, True)
                i = run = self.call(frame, src, i, args, stack)
            else:
                i += 1
        self.emit(src[run:], frame, run, len(src), True)

    def placeholder(
        self, frame: int, src: str, pos: int, args: dict[str, str] | None
    ) -> tuple[str, int]:
        """`{name}` at pos: the name and the end of the placeholder."""
        if args is None:
            raise self.error(frame, msg("specs.template.placeholder_in_layers"), pos)
        found = placeholder(src, pos)
        if isinstance(found, str):
            raise self.error(frame, found, *placeholder_span(src, pos))
        return found

    def call(
        self, frame: int, src: str, pos: int, args: dict[str, str] | None, stack: tuple[str, ...]
    ) -> int:
        """`$name` or `$name(key=value, …)` at pos: expand it, return where the call ends."""
        i = pos + 1
        while i < len(src) and (src[i].isalnum() or src[i] == "_"):
            i += 1
        name = src[pos + 1 : i]
        if not name or not name[0].isalpha():
            raise self.error(frame, msg("specs.template.expected_name"), pos, max(i, pos + 1))
        if name not in self.blocks:
            if not self.blocks:
                raise self.error(frame, msg("specs.template.no_blocks", name=name), pos, i)
            hint = did_you_mean(name, list(self.blocks)) if len(self.blocks) <= 1000 else ""
            names = sorted(self.blocks)
            listed = ", ".join(names[:20])
            if len(names) > 20:
                listed = msg("specs.template.more", names=listed, more=f"{len(names) - 20:,}")
            known = hint or msg("specs.template.known_blocks", names=listed)
            raise self.error(frame, msg("specs.template.unknown_block", name=name, known=known),
                             pos, i)  # fmt: skip
        self.check_body(frame, name, pos, i)
        given, end = self.arguments(frame, src, i, name, args)
        if name in stack:
            loop = " → ".join((*stack[stack.index(name) :], name))
            raise self.error(frame, msg("specs.template.recursion", name=name, loop=loop), pos, end)
        if len(stack) >= MAX_DEPTH:
            raise self.error(frame, msg("specs.template.too_deep", limit=MAX_DEPTH), pos, end)
        params = self.parameters(name)
        missing = [p for p in params if p not in given]
        if missing:
            example = ", ".join(f"{p}=64" for p in params)
            raise self.error(frame, msg("specs.template.missing", name=name, missing=words(missing),
                                        params=words(params), example=example), pos, end)  # fmt: skip
        source = self.source_of.get(name)
        if source is None:
            source = self.source_of[name] = len(self.sources)
            self.sources.append(self.blocks[name])
        child = len(self.frames)
        self.frames.append(Frame(source, frame, (pos, end)))
        self.emit("(", frame, pos, end, False)
        self.text(child, {k: v for k, (v, _) in given.items()}, (*stack, name))
        self.emit(")", frame, pos, end, False)
        return end

    def arguments(
        self, frame: int, src: str, pos: int, name: str, args: dict[str, str] | None
    ) -> tuple[dict[str, tuple[str, int]], int]:
        """`(key=value, …)` after a block name, if present: values and where each key stood."""
        look = pos
        while look < len(src) and src[look] in " \t":
            look += 1
        if look >= len(src) or src[look] != "(":
            return {}, pos
        inner, close = arguments_text(src, look + 1)
        if close == -1 or "(" in inner:
            raise self.error(frame, msg("specs.template.unclosed_call", name=name), look)
        given: dict[str, tuple[str, int]] = {}
        params = self.parameters(name)
        start = look + 1
        if inner.strip() == "":
            return given, close + 1
        for part in inner.split(","):
            lead = len(part) - len(part.lstrip())
            key, eq, raw = part.strip().partition("=")
            key, raw = key.strip(), raw.strip()
            at = start + lead
            if not eq or not key:
                raise self.error(frame, msg("specs.template.key_value", name=name), at,
                                 at + max(1, len(part.strip())))  # fmt: skip
            if key in given:
                raise self.error(frame, msg("specs.template.twice", key=key), at, at + len(key))
            if key not in params:
                takes = (msg("specs.template.takes", params=words(params)) if params
                         else msg("specs.template.takes_none"))  # fmt: skip
                hint = did_you_mean(key, list(params)) if params else ""
                hint = f"{hint};" if hint else ";"
                problem = msg("specs.template.no_argument", name=name, key=key, hint=hint,
                              takes=takes)  # fmt: skip
                raise self.error(frame, problem, at, at + len(key))
            after = part.index("=") + 1
            vpos = start + after + len(part[after:]) - len(part[after:].lstrip())
            given[key] = (self.value(frame, raw, vpos, key, args), at)
            start += len(part) + 1
        return given, close + 1

    def value(self, frame: int, raw: str, pos: int, key: str, args: dict[str, str] | None) -> str:
        """An argument's value: digits, or `{name}` passing on an argument of the caller."""
        if raw.isdigit() and raw.isascii():
            # No int() on thousands of digits (Python's int-string limit): the layer that reads
            # the value says when it is too large, so the digits go in as written, less zeros.
            return raw.lstrip("0") or "0"
        if raw.startswith("{") and raw.endswith("}"):
            if args is None:
                raise self.error(frame, msg("specs.template.pass_on_outside", key=key, raw=raw),
                                 pos, pos + len(raw))  # fmt: skip
            if raw[1:-1] in args:
                return args[raw[1:-1]]
        shown = raw or msg("specs.template.nothing")
        raise self.error(frame, msg("specs.template.whole_number", key=key, shown=shown), pos,
                         pos + max(1, len(raw)))  # fmt: skip

    def check_body(self, frame: int, name: str, pos: int, end: int) -> None:
        """A malformed placeholder in a block's body is reported there, before the call's
        arguments are matched against the body's placeholders: an unclosed `{c` would otherwise
        read as a missing or unknown argument 'c' (issue 9)."""
        text = self.blocks[name].text
        i = 0
        while (i := next_brace(text, i)) != -1:
            found = placeholder(text, i)
            if isinstance(found, str):
                source = self.source_of.get(name)
                if source is None:
                    source = self.source_of[name] = len(self.sources)
                    self.sources.append(self.blocks[name])
                child = len(self.frames)
                self.frames.append(Frame(source, frame, (pos, end)))
                raise self.error(child, found, *placeholder_span(text, i))
            i = found[1]

    def parameters(self, name: str) -> tuple[str, ...]:
        """The placeholders of a block's body, in order of first use (comments skipped)."""
        if name not in self.params:
            found: list[str] = []
            text = self.blocks[name].text
            i = 0
            while i < len(text):
                if text[i] == "#":
                    i = comment_end(text, i)
                elif text[i] == "{":
                    close = text.find("}", i)
                    key = text[i + 1 : close] if close != -1 else ""
                    if key.isidentifier() and key not in found:
                        found.append(key)
                    i = close + 1 if close != -1 else len(text)
                else:
                    i += 1
            self.params[name] = tuple(found)
        return self.params[name]


def _check_size(ex: _Expander) -> None:
    """Count the calls and placeholders the expansion would make, by arithmetic over the block
    bodies, and refuse past MAX_PIECES before expanding anything (issue 9). A loop or a nesting
    past MAX_DEPTH counts for nothing here: the expansion reports it where it happens."""
    pieces: dict[str, int] = {}
    scans = {name: scan(source.text) for name, source in ex.blocks.items()}

    def of(name: str, depth: int, stack: set[str]) -> int:
        if name not in scans or name in stack or depth > MAX_DEPTH:
            return 0
        if name not in pieces:
            calls, braces = scans[name]
            stack.add(name)
            total = 1 + braces
            for callee, _, _ in calls:
                total = min(total + of(callee, depth + 1, stack), MAX_PIECES + 1)
            stack.discard(name)
            pieces[name] = total
        return pieces[name]

    total = 0
    for name, start, end in scan(ex.sources[0].text)[0]:
        total += of(name, 1, set())
        if total > MAX_PIECES:
            raise ex.error(
                0,
                msg("specs.template.too_many_pieces", limit=f"{MAX_PIECES:,}"),
                start,
                end,
            )


def expand(
    layers: Source, blocks: dict[str, Source] | None = None, origin: str | None = None
) -> Expansion:
    """`layers` with every `$call` replaced by its block's body (recursively), and the map back."""
    ex = _Expander(layers, dict(blocks or {}), origin)
    _check_size(ex)
    ex.text(0, None, ())
    return Expansion("".join(ex.out), tuple(ex.sources), tuple(ex.frames), tuple(ex.pieces),
                     origin)  # fmt: skip


def uses_blocks(text: str) -> bool:
    """True when DSL text calls a block or holds a placeholder ('$' or '{' outside comments)."""
    if "$" not in text and "{" not in text:
        return False
    code = code_lines(text)
    return any("$" in line or "{" in line for line in code)
