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


WIDTH = 88  # an exported line is wrapped beyond this, as a code formatter would


def _split(text: str, sep: str) -> list[str]:
    """`text` cut at each `sep` outside parentheses ('-' never inside a number: 1e-3)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        depth += (c == "(") - (c == ")")
        exponent = sep == "-" and i >= 2 and text[i - 1] in "eE" and text[i - 2].isdigit()
        if depth == 0 and text.startswith(sep, i) and not exponent:
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    return [*parts, text[start:]]


def _wrap(text: str, indent: int) -> list[str]:
    """One item or chain as lines of at most WIDTH where it can: a block's branches one under
    the other ('|' leading), a chain's items packed and broken after a '-'."""
    if indent + len(text) < WIDTH:  # < : room for the '-' a line may end with
        return [text]
    items = _split(text, "-")
    if len(items) > 1:  # a chain: pack its items, a wide one on lines of its own
        lines: list[str] = []
        for item in items:
            wrapped = _wrap(item, indent)
            if lines and len(wrapped) == 1 and indent + len(lines[-1]) + 1 + len(item) < WIDTH:
                lines[-1] += "-" + item
            elif lines:
                lines[-1] += "-"
                lines += wrapped
            else:
                lines = wrapped
        return lines
    open_at = text.find("(")
    close_at = text.rfind(")")
    if open_at < 0 or close_at < open_at:
        return [text]  # one layer: nothing to break
    branches = _split(text[open_at + 1 : close_at], " | ")
    lines = [text[: open_at + 1]]
    for k, branch in enumerate(branches):
        inner = _wrap(branch, indent + 4)
        lines += [("    " if k == 0 else "  | ") + inner[0], *("    " + ln for ln in inner[1:])]
    return [*lines, text[close_at:]]


def net_dsl(net: Net, input: Shape | None) -> str:
    """DSL text for a net, starting with In: when the input is known; lines wider than WIDTH
    are wrapped where the DSL allows white space (after '-', around '|' and parentheses)."""
    body = _Writer(frozenset(count_uses(net.items))).chain(net.items, True, sep="-\n")
    lines: list[str] = []
    for line in body.split("-\n"):
        lines += _wrap(line, 0)
        lines[-1] += "-"
    lines[-1] = lines[-1].removesuffix("-")
    shape = input or net.input
    head = f"In:{shape.text}-\n" if shape is not None else ""
    return head + "\n".join(lines) + "\n"


def export_dsl(spec: object, input: object = None) -> str:
    """DSL text for a spec; for a torch: module, the text analyses to from_torch's figures.
    Needs torch only to read a torch: module: a DSL spec's text is written without it."""
    from cnncalc.api import as_shape, load

    resolved = load(spec, input)  # type: ignore[arg-type]
    return net_dsl(resolved.net, as_shape(input) or resolved.input)  # type: ignore[arg-type]
