"""cnncalc's IR → DSL text (issue 10: `cnncalc export torch:… --to dsl`).

Sequences become `-` chains, adds `Res(…)`, concatenations `Cat(…)`, a tensor read after its
branch ended `&label` (issue 11); runs of identical module groups (ResNet's blocks after the
first of a stage, DenseNet's layers) become `(…)*N`; every other row keeps its module path as
its label (`layer1.0.conv1` → `@layer1_0_conv1`). A repeated group holds no labels, so a run
that holds a referenced item or a reference is never folded. The text analyses to the same
figures as the net it was written from.
"""

from __future__ import annotations

import re

from cnncalc.errors import CnnCalcError
from cnncalc.ir import Block, Item, Net, Node, Ref, Shape
from cnncalc.liveness import count_uses
from cnncalc.messages import msg

_NOT_LABEL = re.compile(r"[^A-Za-z0-9_]")


class _Writer:
    """Labels made unique as they are written; `referenced` are the IR labels `&label` reads."""

    def __init__(self, referenced: frozenset[str] = frozenset()) -> None:
        self.used: set[str] = set()
        self.referenced = referenced
        self.written: dict[str, str] = {}  # IR label → the label written for it

    def label(self, name: str | None) -> str:
        """'@layer1_0_conv1' for 'layer1.0.conv1', unique in the text; '' for no name."""
        if not name:
            return ""
        base = _NOT_LABEL.sub("_", name.replace("#", "_")).strip("_") or "row"
        base = base if base[0].isalnum() else "r" + base
        text, n = base, 2
        while text in self.used:
            text, n = f"{base}_{n}", n + 1
        self.used.add(text)
        self.written[name] = text
        return "@" + text

    def item(self, item: Item, labels: bool) -> str:
        """One layer or block."""
        if isinstance(item, Ref):  # its item is written earlier, in an enclosing chain
            return "&" + self.written[item.label]
        if isinstance(item, Node):
            text = item.layer.dsl()
            if text.startswith("?"):  # an Uncounted op: no kind to write it as
                why = msg("torch_io.uncounted", op=text[1:])
                raise CnnCalcError(msg("torch_io.no_dsl", name=item.label or text, why=why))
            return text + (self.label(item.label) if labels else "")
        inner = " | ".join(self.chain(b, labels) for b in item.branches)
        head = f"{item.kind.NAME}({inner})" if item.kind.NAME != "Seq" else f"({inner})"
        return head + (self.label(item.label) if labels else "")

    def chain(self, items: tuple[Item, ...], labels: bool, sep: str = "-") -> str:
        """Items joined by '-', consecutive identical module groups as (…)*N."""
        groups: list[list[Item]] = []
        for item in items:
            if groups and _parent(groups[-1][-1]) == _parent(item) and _parent(item):
                groups[-1].append(item)
            else:
                groups.append([item])
        plain = [_Writer().group(g, False) if self.foldable(g) else "" for g in groups]
        out: list[str] = []
        i = 0
        while i < len(groups):
            j = i
            while j + 1 < len(groups) and plain[i] and plain[j + 1] == plain[i]:
                j += 1
            if j > i:
                out.append(f"({plain[i]})*{j - i + 1}" if len(groups[i]) > 1 or "-" in plain[i]
                           else f"{plain[i]}*{j - i + 1}")  # fmt: skip
            else:
                out.append(self.group(groups[i], labels))
            i = j + 1
        return sep.join(out)

    def foldable(self, items: list[Item]) -> bool:
        """A group may become part of (…)*N: it holds no reference nor any item one reads."""
        todo = list(items)
        while todo:
            item = todo.pop()
            if isinstance(item, Ref) or item.label in self.referenced:
                return False
            if isinstance(item, Block):
                todo.extend(i for b in item.branches for i in b)
        return True

    def group(self, items: list[Item], labels: bool) -> str:
        """A module's items in a row."""
        return "-".join(self.item(i, labels) for i in items)


def _parent(item: Item) -> str:
    """The module an item belongs to: 'layer1.0' for 'layer1.0.conv1' ('' at the top)."""
    if isinstance(item, Ref):  # its label is another item's
        return ""
    name = (item.label or "").split("#")[0]
    return name.rsplit(".", 1)[0] if "." in name else ""


def net_dsl(net: Net, input: Shape | None) -> str:
    """DSL text for a net, starting with In: when the input is known."""
    body = _Writer(frozenset(count_uses(net.items))).chain(net.items, True, sep="-\n")
    shape = input or net.input
    head = f"In:{'x'.join(str(d) for d in shape.dims)}-\n" if shape is not None else ""
    return head + body + "\n"
