"""cnncalc's IR → DSL text (issue 10: `cnncalc export torch:… --to dsl`).

Sequences become `-` chains, adds `Res(…)`, concatenations `Cat(…)`; runs of identical module
groups (ResNet's blocks after the first of a stage, DenseNet's layers) become `(…)*N`; every
other row keeps its module path as its label (`layer1.0.conv1` → `@layer1_0_conv1`). The text
analyses to the same figures as the net it was written from.
"""

from __future__ import annotations

import re

from cnncalc.errors import CnnCalcError
from cnncalc.ir import Item, Net, Node, Shape
from cnncalc.messages import msg

_NOT_LABEL = re.compile(r"[^A-Za-z0-9_]")


class _Writer:
    """Labels made unique as they are written."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def label(self, name: str | None) -> str:
        """'@layer1_0_conv1' for 'layer1.0.conv1', unique in the text; '' for no name."""
        if not name:
            return ""
        base = _NOT_LABEL.sub("_", name.replace("#", "_")).strip("_") or "row"
        text, n = base, 2
        while text in self.used:
            text, n = f"{base}_{n}", n + 1
        self.used.add(text)
        return "@" + text

    def item(self, item: Item, labels: bool) -> str:
        """One layer or block."""
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
        plain = [_Writer().group(g, False) for g in groups]
        out: list[str] = []
        i = 0
        while i < len(groups):
            j = i
            while j + 1 < len(groups) and plain[j + 1] == plain[i]:
                j += 1
            if j > i:
                out.append(f"({plain[i]})*{j - i + 1}" if len(groups[i]) > 1 or "-" in plain[i]
                           else f"{plain[i]}*{j - i + 1}")  # fmt: skip
            else:
                out.append(self.group(groups[i], labels))
            i = j + 1
        return sep.join(out)

    def group(self, items: list[Item], labels: bool) -> str:
        """A module's items in a row."""
        return "-".join(self.item(i, labels) for i in items)


def _parent(item: Item) -> str:
    """The module an item belongs to: 'layer1.0' for 'layer1.0.conv1' ('' at the top)."""
    name = (item.label or "").split("#")[0]
    return name.rsplit(".", 1)[0] if "." in name else ""


def net_dsl(net: Net, input: Shape | None) -> str:
    """DSL text for a net, starting with In: when the input is known."""
    body = _Writer().chain(net.items, True, sep="-\n")
    shape = input or net.input
    head = f"In:{'x'.join(str(d) for d in shape.dims)}-\n" if shape is not None else ""
    return head + body + "\n"
