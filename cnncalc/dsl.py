"""The layer-string language (DESIGN §3): text → IR, keeping source positions for every error.

A hand-written recursive-descent parser. Each parse function takes (src, pos) and returns
(pos, value) with no hidden state; errors are DslError(msg, src, pos, end). No arithmetic
here beyond counting repetitions, and never any evaluation of user text.

    chain  := item ( '-' item )*
    item   := ( layer | '(' chain ')' | block ) [ '*' INT ] [ '@' LABEL ]
    layer  := NAME [ ':' args ]
    block  := ( 'Res' | 'Cat' ) '(' chain ( '|' chain )* ')'
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import DslError, did_you_mean
from cnncalc.ir import Block, Item, Net, Node, Shape, Span
from cnncalc.layers import ALL_NAMES, REGISTRY, ArgReader
from cnncalc.layers.dense import In

SPACE = " \t\r\n"
ARG_STOP = SPACE + "-|()*@#"
EXAMPLE = "Conv:3x3x64p1-ReLU-Pool:2/2-FC:10"


@dataclass(frozen=True, slots=True)
class LayerAst:
    """NAME[:args] as written."""

    name: str
    args: str
    span: Span
    args_pos: int


@dataclass(frozen=True, slots=True)
class GroupAst:
    """( chain ) — or, with `kind` set, Res( … | … ) / Cat( … | … )."""

    kind: str | None
    branches: tuple[tuple[ItemAst, ...], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ItemAst:
    """An element with its optional repetition and label."""

    node: LayerAst | GroupAst
    repeat: int
    label: str | None
    label_span: Span | None
    span: Span


def skip(src: str, pos: int) -> int:
    """Skip whitespace and '#' comments."""
    while pos < len(src):
        ch = src[pos]
        if ch in SPACE:
            pos += 1
        elif ch == "#":
            nl = src.find("\n", pos)
            pos = len(src) if nl == -1 else nl + 1
        else:
            break
    return pos


def describe(src: str, pos: int) -> str:
    """How the text at pos reads in a message: 'the end' or the character quoted."""
    return "the end of the spec" if pos >= len(src) else f"'{src[pos]}'"


def parse_name(src: str, pos: int) -> tuple[int, str]:
    """NAME: a letter, then letters, digits or '_'."""
    start = pos
    if pos < len(src) and src[pos].isalpha():
        pos += 1
        while pos < len(src) and (src[pos].isalnum() or src[pos] == "_"):
            pos += 1
    return pos, src[start:pos]


def parse_chain(src: str, pos: int) -> tuple[int, tuple[ItemAst, ...]]:
    """item ( '-' item )*; stops before ')', '|' or the end."""
    items = []
    while True:
        pos, item = parse_item(src, skip(src, pos))
        items.append(item)
        pos = skip(src, pos)
        if pos < len(src) and src[pos] == "-":
            pos += 1
            continue
        return pos, tuple(items)


def parse_item(src: str, pos: int) -> tuple[int, ItemAst]:
    """A layer, a ( group ) or a block, then '*N' and '@label'."""
    start = pos
    if pos < len(src) and src[pos] == "(":
        pos, node = parse_group(src, pos, None)
    else:
        name_end, name = parse_name(src, pos)
        if not name:
            raise DslError(
                f"expected a layer name, got {describe(src, pos)}; example: {EXAMPLE}", src, pos
            )
        after = skip(src, name_end)
        if name.lower() in ("res", "cat"):
            if after >= len(src) or src[after] != "(":
                kind = "Res" if name.lower() == "res" else "Cat"
                example = (
                    "Res(Conv:3x3x64p1-BN | Conv:1x1x64)"
                    if kind == "Res"
                    else "Cat(Conv:1x1x32 | Conv:3x3x32p1)"
                )
                raise DslError(
                    f"{kind} needs its branches in parentheses, e.g. {example}", src, pos, name_end
                )
            pos, node = parse_group(src, after, "Res" if name.lower() == "res" else "Cat")
        else:
            pos, node = parse_layer(src, pos, name_end, name)
    pos, repeat, label, label_span = parse_suffix(src, pos)
    return pos, ItemAst(node, repeat, label, label_span, Span(start, pos))


def parse_layer(src: str, start: int, name_end: int, name: str) -> tuple[int, LayerAst]:
    """NAME [':' args]; args run to the next separator."""
    pos = name_end
    args_pos = pos
    args = ""
    if pos < len(src) and src[pos] == ":":
        args_pos = pos + 1
        pos = args_pos
        while pos < len(src) and src[pos] not in ARG_STOP:
            pos += 1
        args = src[args_pos:pos]
        if not args:
            raise DslError(f"expected arguments after '{name}:'", src, args_pos)
    elif pos < len(src) and src[pos] not in ARG_STOP:
        raise DslError(
            f"unexpected {describe(src, pos)} after '{name}'; arguments follow a ':',"
            f" as in {EXAMPLE}",
            src,
            pos,
        )
    return pos, LayerAst(name, args, Span(start, pos), args_pos)


def parse_group(src: str, pos: int, kind: str | None) -> tuple[int, GroupAst]:
    """'(' chain ( '|' chain )* ')' starting at the '('."""
    open_pos = pos
    pos += 1
    branches = []
    while True:
        pos = skip(src, pos)
        if pos < len(src) and src[pos] in ")|":
            raise DslError(
                f"expected a layer, got {describe(src, pos)}: a branch is empty", src, pos
            )
        pos, chain = parse_chain(src, pos)
        branches.append(chain)
        if pos < len(src) and src[pos] == "|":
            if kind is None:
                raise DslError("'|' separates branches only inside Res(…) or Cat(…)", src, pos)
            pos += 1
            continue
        if pos < len(src) and src[pos] == ")":
            return pos + 1, GroupAst(kind, tuple(branches), Span(open_pos, pos + 1))
        if pos >= len(src):
            raise DslError("unbalanced parenthesis: this '(' is never closed", src, open_pos)
        raise DslError(f"expected '-', '|' or ')', got {describe(src, pos)}", src, pos)


def parse_suffix(src: str, pos: int) -> tuple[int, int, str | None, Span | None]:
    """Optional '*N' then optional '@label'."""
    repeat = 1
    label = None
    label_span = None
    look = skip(src, pos)
    if look < len(src) and src[look] == "*":
        num = skip(src, look + 1)
        end = num
        while end < len(src) and src[end].isdigit():
            end += 1
        if end == num or int(src[num:end]) < 1:
            raise DslError(
                "expected a repeat count of at least 1 after '*', e.g. *3",
                src,
                num,
                max(end, num + 1),
            )
        repeat = int(src[num:end])
        pos = look = end
        look = skip(src, pos)
    if look < len(src) and src[look] == "@":
        start = look + 1
        end = start
        while end < len(src) and (src[end].isalnum() or src[end] == "_"):
            end += 1
        if end == start:
            raise DslError(
                "expected a label after '@' (letters, digits and '_'), e.g. @conv1", src, start
            )
        label = src[start:end]
        label_span = Span(start, end)
        pos = end
    return pos, repeat, label, label_span


def parse_text(src: str) -> tuple[ItemAst, ...]:
    """The whole text as one chain; anything left over is an error."""
    pos = skip(src, 0)
    if pos >= len(src):
        raise DslError(f"the spec is empty: expected layers such as {EXAMPLE}", src, 0)
    pos, chain = parse_chain(src, pos)
    if pos < len(src):
        if src[pos] == ")":
            raise DslError("unbalanced parenthesis: this ')' has no '('", src, pos)
        if src[pos] == "|":
            raise DslError("'|' separates branches only inside Res(…) or Cat(…)", src, pos)
        raise DslError(f"expected '-' between layers, got {describe(src, pos)}", src, pos)
    return chain


# -- AST → IR ---------------------------------------------------------------------------


def make_layer(ast: LayerAst, src: str) -> object:
    """Look the name up in the registry and let the kind read its arguments."""
    kind = REGISTRY.get(ast.name.lower())
    if kind is None:
        hint = did_you_mean(ast.name, ALL_NAMES)
        raise DslError(
            f"unknown layer '{ast.name}'{hint}", src, ast.span.pos, ast.span.pos + len(ast.name)
        )
    example = kind.EXAMPLE or kind.NAMES[0]
    reader = ArgReader(kind.NAMES[0], ast.args, src, ast.args_pos, example)
    if ast.args:
        return kind.parse(reader)
    try:
        return kind.parse(reader)
    except DslError as exc:  # `Conv` alone: point at the name, not past it (DESIGN §3)
        raise DslError(exc.msg, src, ast.span.pos, ast.span.end) from None


def resolve(items: tuple[ItemAst, ...], src: str, top: bool) -> tuple[Item, ...]:
    """Items in IR form: repetitions unrolled, plain groups spliced, In checked."""
    out: list[Item] = []
    for index, item in enumerate(items):
        if isinstance(item.node, LayerAst):
            layer = make_layer(item.node, src)
            if isinstance(layer, In):
                if not (top and index == 0):
                    raise DslError(
                        "In: sets the input and may only be the first layer",
                        src,
                        item.node.span.pos,
                        item.node.span.end,
                    )
                continue
            body: tuple[Item, ...] = (Node(layer, item.node.span),)
        elif item.node.kind is None:
            body = resolve(item.node.branches[0], src, False)
        else:
            branches = tuple(resolve(b, src, False) for b in item.node.branches)
            # The span starts at the keyword, so errors underline `Res(…)`, not just `(…)`.
            span = Span(item.span.pos, item.node.span.end)
            if item.node.kind == "Res" and len(branches) > 2:
                raise DslError(
                    "Res takes a main branch and at most one shortcut: Res(main | shortcut)",
                    src,
                    span.pos,
                    span.end,
                )
            body = (Block(item.node.kind, branches, span),)
        body = body * item.repeat
        if item.label is None:
            out.extend(body)
        elif len(body) == 1:
            out.append(_relabel(body[0], item.label))
        else:
            out.append(Block("Seq", (body,), item.span, item.label))
    return tuple(out)


def _relabel(item: Item, label: str) -> Item:
    """The same node or block with a label."""
    if isinstance(item, Node):
        return Node(item.layer, item.span, label)
    return Block(item.kind, item.branches, item.span, label)


def parse(src: str) -> Net:
    """Parse DSL text into a Net (input set only if the text starts with In:…)."""
    chain = parse_text(src)
    first = chain[0]
    net_input = None
    input_span = None
    if isinstance(first.node, LayerAst) and first.node.name.lower() in ("in", "input"):
        layer = make_layer(first.node, src)
        assert isinstance(layer, In)
        net_input = layer.shape
        input_span = first.node.span
        if len(chain) == 1:
            raise DslError(
                f"the spec has an input but no layers; e.g. In:32x32x3-{EXAMPLE}",
                src,
                first.span.end,
            )
    items = resolve(chain, src, True)
    return Net(items, src, net_input, input_span)


def parse_shape(text: str) -> Shape:
    """'224x224x3' or '784' (for --input and spec files)."""
    reader = ArgReader("input", text.strip(), text.strip(), 0, "224x224x3")
    dims = reader.dims("input shape (HxWxC or N)", (1, 3))
    reader.done()
    return Shape(dims)
