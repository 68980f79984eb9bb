"""References `&label` (issue 11, DESIGN §3): the item that starts a branch of `Res(…)` or
`Cat(…)` from the output of an earlier item labelled `@label`, and the rule for which labels a
reference may name, checked while the parser resolves the text (cnncalc.dsl.resolve).

A reference may name an item that is already computed in a chain that encloses it: an earlier
item of the branch it starts, or of any chain around that block. A plain group `( … )` without
a label or repeat is spliced into its chain, so its labels stay visible after it; the inside of
a labelled group or of another branch is out of reach. The tensor stays alive from where it is
made to its last use (cnncalc.liveness).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnncalc.errors import DslError, did_you_mean
from cnncalc.ir import Ref, Span
from cnncalc.messages import msg

if TYPE_CHECKING:
    from cnncalc.dsl import ItemAst

SPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class RefAst:
    """`&label` as written; `span` covers the '&' and the label."""

    label: str
    span: Span


def label_end(src: str, pos: int) -> int:
    """The end of a label's letters, digits and '_' starting at pos."""
    while pos < len(src) and (src[pos].isalnum() or src[pos] == "_"):
        pos += 1
    return pos


def parse_ref(src: str, pos: int) -> tuple[int, RefAst]:
    """'&' LABEL at pos; a reference is not repeated or labelled itself."""
    end = label_end(src, pos + 1)
    if end == pos + 1:
        raise DslError(msg("refs.expected_label"), src, pos, pos + 1)
    look = end
    while look < len(src) and src[look] in SPACE:
        look += 1
    if look < len(src) and src[look] in "*@":
        raise DslError(msg("refs.no_suffix", ref=src[pos:end]), src, look, look + 1)
    return end, RefAst(src[pos + 1 : end], Span(pos, end))


def misplaced(src: str, pos: int) -> DslError:
    """The error for '&label' anywhere but at the start of a branch of Res(…) or Cat(…)."""
    end = label_end(src, pos + 1)
    return DslError(msg("refs.misplaced", ref=src[pos:end]), src, pos, max(end, pos + 1))


class Scope:
    """The labels a reference may name at the point the parser has reached: those of the items
    already resolved in the chains around it (a count per label, since a text may repeat one,
    which the analysis then refuses), and the labels of the items being resolved now."""

    __slots__ = ("chain", "open", "src", "stack", "visible")

    def __init__(self, src: str, chain: tuple[ItemAst, ...]) -> None:
        self.src = src
        self.chain = chain  # the whole text's items, for the messages only
        self.visible: dict[str, int] = {}
        self.stack: list[str] = []  # labels in the order they became visible, to undo
        self.open: list[str] = []

    def mark(self) -> int:
        """A point to go back to when a branch or a labelled group ends."""
        return len(self.stack)

    def add(self, label: str) -> None:
        """The item labelled `label` is resolved: later items of its chain may name it."""
        self.visible[label] = self.visible.get(label, 0) + 1
        self.stack.append(label)

    def undo(self, mark: int) -> None:
        """Leave a chain: its labels go out of reach."""
        while len(self.stack) > mark:
            label = self.stack.pop()
            self.visible[label] -= 1
            if not self.visible[label]:
                del self.visible[label]

    def resolve(self, ref: RefAst) -> Ref:
        """The IR reference, or a DslError under '&label' saying why it cannot be."""
        if ref.label in self.visible:
            return Ref(ref.label, ref.span)
        raise DslError(self._why(ref), self.src, ref.span.pos, ref.span.end)

    def _why(self, ref: RefAst) -> str:
        """Why `ref` names nothing it may reach (only on the error path)."""
        label = ref.label
        if label in self.open:
            return msg("refs.itself", label=label)
        labels = _labels(self.chain)
        where = labels.get(label)
        if where is None:
            hint = did_you_mean(label, list(labels))
            if not hint and self.visible:
                shown = ", ".join(f"@{name}" for name in list(self.visible)[:8])
                hint = msg("refs.in_reach", labels=shown + (", …" if len(self.visible) > 8 else ""))
            return msg("refs.unknown", label=label, hint=hint)
        if where.pos > ref.span.pos:
            return msg("refs.not_yet", label=label)
        return msg("refs.out_of_reach", label=label)


def _labels(chain: tuple[ItemAst, ...]) -> dict[str, Span]:
    """Every label of the text → where it is first written; iterative (the AST may be deep)."""
    from cnncalc.dsl import GroupAst

    found: dict[str, Span] = {}
    todo = [chain]
    while todo:
        for item in todo.pop():
            label, span = item.label, item.label_span
            first = found.get(label) if label is not None else None
            if span is not None and (first is None or span.pos < first.pos):
                found[label] = span  # type: ignore[index]
            if isinstance(item.node, GroupAst):
                todo.extend(item.node.branches)
    return found
