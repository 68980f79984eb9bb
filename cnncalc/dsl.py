"""The layer-string language (DESIGN §3): text → IR, keeping source positions for every error.

A hand-written recursive-descent parser. Each parse function takes (src, pos) and returns
(pos, value) with no hidden state; errors are DslError(msg, src, pos, end). No arithmetic
here beyond counting repetitions, and never any evaluation of user text.

    chain  := item ( '-' item )*
    item   := ( layer | '(' chain ')' | block ) [ '*' INT ] [ '@' LABEL ]
    layer  := NAME [ ':' args ]
    block  := ( 'Res' | 'Cat' ) '(' branch ( '|' branch )* ')'
    branch := chain | '&' LABEL ( '-' item )*     # '&e1': start from item @e1's output
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.comments import code_lines, comment_end
from cnncalc.errors import CnnCalcError, DslError
from cnncalc.ir import Block, Item, Net, Node, Shape, Span
from cnncalc.layers import BLOCK_REGISTRY, ArgReader, BlockKind, Seq, lookup, unknown_layer
from cnncalc.layers.dense import read_input
from cnncalc.messages import msg
from cnncalc.references import RefAst, Scope, misplaced, parse_ref

SPACE = " \t\r\n"
ARG_STOP = SPACE + "-|()*@#"
EXAMPLE = "Conv:3x3x64p1-ReLU-Pool:2/2-FC:10"

# Limits on hostile text (issue 9), each checked before the work it guards, each said in its
# message. The built-in nets have at most 500 rows and nest parentheses 4 deep.
MAX_ROWS = 100_000  # rows of the report once every '*N' is unrolled
MAX_NESTING = 50  # parentheses inside parentheses: every walk after the parser recurses on it
MAX_TEXT = 4_000_000  # characters of DSL text (the blocks of a spec expand to at most 2,000,000)
ROW_CAP = 10**19  # row counts saturate here: past it, only "more than" is said


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

    kind: type[BlockKind] | None
    branches: tuple[tuple[ItemAst, ...], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ItemAst:
    """An element with its optional repetition and label."""

    node: LayerAst | GroupAst | RefAst
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
            pos = comment_end(src, pos)  # its newline is space, skipped next
        else:
            break
    return pos


def describe(src: str, pos: int) -> str:
    """How the text at pos reads in a message: 'the end' or the character quoted."""
    return msg("dsl.end_of_spec") if pos >= len(src) else f"'{src[pos]}'"


def parse_name(src: str, pos: int) -> tuple[int, str]:
    """NAME: a letter, then letters, digits or '_'."""
    start = pos
    if pos < len(src) and src[pos].isalpha():
        pos += 1
        while pos < len(src) and (src[pos].isalnum() or src[pos] == "_"):
            pos += 1
    return pos, src[start:pos]


def parse_chain(src: str, pos: int, depth: int = 0) -> tuple[int, tuple[ItemAst, ...]]:
    """item ( '-' item )*; stops before ')', '|' or the end. `depth`: the '(' around it."""
    items = []
    while True:
        pos, item = parse_item(src, skip(src, pos), depth)
        items.append(item)
        pos = skip(src, pos)
        if pos < len(src) and src[pos] == "-":
            pos += 1
            continue
        return pos, tuple(items)


def parse_item(src: str, pos: int, depth: int = 0) -> tuple[int, ItemAst]:
    """A layer, a ( group ) or a block, then '*N' and '@label'."""
    start = pos
    if pos < len(src) and src[pos] == "(":
        pos, node = parse_group(src, pos, None, depth)
    elif pos < len(src) and src[pos] == "&":
        raise misplaced(src, pos)  # parse_group reads the references that start a branch
    else:
        name_end, name = parse_name(src, pos)
        if not name:
            raise DslError(
                msg("dsl.expected_layer_name", got=describe(src, pos), example=EXAMPLE), src, pos
            )
        after = skip(src, name_end)
        block = BLOCK_REGISTRY.get(name.lower())
        if block is not None:
            if after >= len(src) or src[after] != "(":
                raise DslError(
                    msg("dsl.block_needs_parentheses", block=block.NAME, example=block.EXAMPLE),
                    src,
                    pos,
                    name_end,
                )
            pos, node = parse_group(src, after, block, depth)
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
        while pos < len(src) and (src[pos] not in ARG_STOP or _exponent(src, args_pos, pos)):
            pos += 1
        args = src[args_pos:pos]
        if not args:
            raise DslError(msg("dsl.expected_arguments", name=name), src, args_pos)
    elif pos < len(src) and src[pos] not in ARG_STOP:
        raise DslError(
            msg("dsl.unexpected_after_name", got=describe(src, pos), name=name, example=EXAMPLE),
            src,
            pos,
        )
    return pos, LayerAst(name, args, Span(start, pos), args_pos)


def _exponent(src: str, start: int, pos: int) -> bool:
    """The '-' at pos is a negative exponent's ('LReLU:1e-3'), not the next item's separator:
    a digit and an 'e' before it, within the arguments that begin at `start`, a digit after."""
    return (src[pos] == "-" and pos - start >= 2 and src[pos - 1] in "eE"
            and src[pos - 2].isdigit() and src[pos + 1 : pos + 2].isdigit())  # fmt: skip


def parse_group(
    src: str, pos: int, kind: type[BlockKind] | None, depth: int = 0
) -> tuple[int, GroupAst]:
    """'(' chain ( '|' chain )* ')' starting at the '('; at most MAX_NESTING deep."""
    open_pos = pos
    if depth >= MAX_NESTING:  # STYLE: bound the depth that every later walk recurses on
        raise DslError(
            msg("dsl.nesting", limit=MAX_NESTING),
            src,
            open_pos,
        )
    pos += 1
    branches = []
    while True:
        pos = skip(src, pos)
        if pos < len(src) and src[pos] in ")|":
            raise DslError(msg("dsl.empty_branch", got=describe(src, pos)), src, pos)
        if kind is not None and src.startswith("&", pos):  # issue 11: from an earlier tensor
            pos, ref = parse_ref(src, pos)
            chain = (ItemAst(ref, 1, None, None, ref.span),)
            pos = skip(src, pos)
            if pos < len(src) and src[pos] == "-":
                pos, rest = parse_chain(src, pos + 1, depth + 1)
                chain += rest
        else:
            pos, chain = parse_chain(src, pos, depth + 1)
        branches.append(chain)
        if pos < len(src) and src[pos] == "|":
            if kind is None:
                raise DslError(msg("dsl.bar_outside_block"), src, pos)
            pos += 1
            continue
        if pos < len(src) and src[pos] == ")":
            return pos + 1, GroupAst(kind, tuple(branches), Span(open_pos, pos + 1))
        if pos >= len(src):
            raise DslError(msg("dsl.unclosed_parenthesis"), src, open_pos)
        raise DslError(msg("dsl.expected_branch_end", got=describe(src, pos)), src, pos)


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
            if not ("0" <= src[end] <= "9"):  # '²', '３', '٣' pass isdigit (issue 9)
                raise DslError(
                    msg("dsl.repeat_digit", char=src[end]),
                    src,
                    end,
                )
            end += 1
        digits = src[num:end].lstrip("0")
        if not digits:
            raise DslError(
                msg("dsl.repeat_count"),
                src,
                num,
                max(end, num + 1),
            )
        # Past 19 digits the count is over any limit: read no further than that (a 5,000-digit
        # count would hit Python's int-string limit); MAX_ROWS is checked on the whole net.
        repeat = int(digits) if len(digits) <= 19 else ROW_CAP
        pos = look = end
        look = skip(src, pos)
    if look < len(src) and src[look] == "@":
        start = look + 1
        end = start
        while end < len(src) and (src[end].isalnum() or src[end] == "_"):
            end += 1
        if end == start:
            raise DslError(msg("dsl.label"), src, start)
        label = src[start:end]
        label_span = Span(start, end)
        pos = end
    return pos, repeat, label, label_span


def parse_text(src: str) -> tuple[ItemAst, ...]:
    """The whole text as one chain; anything left over is an error."""
    # These two say no more than the size: a caret would print the whole huge text again.
    if len(src) > MAX_TEXT:
        raise CnnCalcError(msg("dsl.text_too_long", length=f"{len(src):,}", limit=f"{MAX_TEXT:,}"))
    # Every '-' and '|' outside comments starts an item of at least one row: too many of them
    # is refused before the parser makes an object for each (issue 9).
    code = src if "#" not in src else "\n".join(code_lines(src))
    items = code.count("-") + code.count("|")
    if items > MAX_ROWS:
        raise CnnCalcError(msg("dsl.too_many_layers", limit=f"{MAX_ROWS:,}"))
    pos = skip(src, 0)
    if pos >= len(src):
        raise DslError(msg("dsl.empty", example=EXAMPLE), src, 0)
    pos, chain = parse_chain(src, pos)
    if pos < len(src):
        if src[pos] == ")":
            raise DslError(msg("dsl.unopened_parenthesis"), src, pos)
        if src[pos] == "|":
            raise DslError(msg("dsl.bar_outside_block"), src, pos)
        raise DslError(msg("dsl.expected_dash", got=describe(src, pos)), src, pos)
    return chain


# -- the size of the net, before anything is unrolled -------------------------------------


def count_rows(chain: tuple[ItemAst, ...], src: str) -> int:
    """The rows the analysis will make of `chain`, by arithmetic on the repeat counts (issue 9:
    nothing is unrolled before the limit is checked). Raises DslError past MAX_ROWS, with the
    caret under the innermost item that takes the count over."""
    culprit: list[ItemAst] = []
    _, rows = _count_chain(chain, culprit)
    if rows > MAX_ROWS:
        item = culprit[0] if culprit else chain[0]
        would = f"{rows:,}" if rows < ROW_CAP else msg("dsl.more_than_cap")
        raise DslError(
            msg("dsl.too_many_rows", rows=would, limit=f"{MAX_ROWS:,}"),
            src,
            item.span.pos,
            item.span.end,
        )
    return rows


def _count_chain(chain: tuple[ItemAst, ...], culprit: list[ItemAst]) -> tuple[int, int]:
    """(items, rows) of a chain once resolved, saturating at ROW_CAP; recursion is bounded by
    MAX_NESTING. The first item to push a running total past MAX_ROWS goes into `culprit`."""
    items = rows = 0
    for item in chain:
        node = item.node
        if isinstance(node, LayerAst):
            n_items = n_rows = 0 if _sets_input(node) else 1
        elif isinstance(node, RefAst):
            n_items = n_rows = 1
        elif node.kind is None:
            n_items, n_rows = _count_chain(node.branches[0], culprit)
        else:
            n_items, n_rows = 1, 1
            for branch in node.branches:
                n_rows = min(ROW_CAP, n_rows + _count_chain(branch, culprit)[1])
        n_items = min(ROW_CAP, n_items * item.repeat)
        n_rows = min(ROW_CAP, n_rows * item.repeat)
        if item.label is not None and n_items > 1:
            n_rows = min(ROW_CAP, n_rows + 1)  # the labelled Seq block's own row
        if item.label is not None:
            n_items = 1
        items = min(ROW_CAP, items + n_items)
        rows = min(ROW_CAP, rows + n_rows)
        if (rows > MAX_ROWS or n_rows > MAX_ROWS) and not culprit:
            culprit.append(item)
    return items, rows


# -- AST → IR ---------------------------------------------------------------------------


def _sets_input(ast: LayerAst) -> bool:
    """True when `ast` names a kind that sets the net's input (`In`) rather than adding a row."""
    kind = lookup(ast.name, bool(ast.args))
    return kind is not None and kind.SETS_INPUT


def make_layer(ast: LayerAst, src: str) -> object:
    """Look the name up in the registry and let the kind read its arguments."""
    kind = lookup(ast.name, bool(ast.args))  # `IN` alone is instance norm (issue 11)
    if kind is None:
        raise DslError(unknown_layer(ast.name), src, ast.span.pos, ast.span.pos + len(ast.name))
    example = kind.EXAMPLE or kind.NAMES[0]
    reader = ArgReader(kind.NAMES[0], ast.args, src, ast.args_pos, example)
    if ast.args:
        return kind.parse(reader)
    try:
        return kind.parse(reader)
    except DslError as exc:  # `Conv` alone: point at the name, not past it (DESIGN §3)
        raise DslError(exc.msg, src, ast.span.pos, ast.span.end) from None


def resolve(items: tuple[ItemAst, ...], src: str, top: bool, scope: Scope) -> tuple[Item, ...]:
    """Items in IR form: repetitions unrolled, plain groups spliced, In checked, references
    checked against the labels `scope` has in reach (cnncalc.references)."""
    out: list[Item] = []
    for index, item in enumerate(items):
        if isinstance(item.node, RefAst):
            out.append(scope.resolve(item.node))
            continue
        if item.label is not None:
            scope.open.append(item.label)
        mark = scope.mark()
        if isinstance(item.node, LayerAst):
            layer = make_layer(item.node, src)
            if layer.SETS_INPUT:
                if not (top and index == 0):
                    first = items[0].node if top else None
                    given = (
                        msg("dsl.input_already_set", given=src[first.span.pos : first.span.end])
                        if isinstance(first, LayerAst) and _sets_input(first)
                        else ""
                    )
                    raise DslError(
                        msg("dsl.input_not_first", given=given),
                        src,
                        item.node.span.pos,
                        item.node.span.end,
                    )
                continue
            body: tuple[Item, ...] = (Node(layer, item.node.span),)
        elif item.node.kind is None:
            body = resolve(item.node.branches[0], src, False, scope)
        else:
            branches = tuple(_branch(b, src, scope) for b in item.node.branches)
            # The span starts at the keyword, so errors underline `Res(…)`, not just `(…)`.
            span = Span(item.span.pos, item.node.span.end)
            if len(branches) > item.node.kind.MAX_BRANCHES:
                raise DslError(msg(item.node.kind.TOO_MANY), src, span.pos, span.end)
            body = (Block(item.node.kind, branches, span),)
        body = body * item.repeat
        if item.label is None:
            out.extend(body)  # a spliced group's labels stay in reach
            continue
        scope.undo(mark)  # a labelled group is a row of its own: its inside is out of reach
        scope.open.pop()
        scope.add(item.label)
        if len(body) == 1:
            out.append(_relabel(body[0], item.label))
        else:
            out.append(Block(Seq, (body,), item.span, item.label))
    return tuple(out)


def _branch(chain: tuple[ItemAst, ...], src: str, scope: Scope) -> tuple[Item, ...]:
    """One branch of a block: its labels are out of reach once it ends."""
    mark = scope.mark()
    branch = resolve(chain, src, False, scope)
    scope.undo(mark)
    return branch


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
    if isinstance(first.node, LayerAst) and _sets_input(first.node):
        layer = make_layer(first.node, src)
        # The input is not a row: a label or a repeat on it would be silently dropped (issue 9).
        if first.label_span is not None:
            raise DslError(
                msg("dsl.input_label"),
                src,
                first.label_span.pos - 1,
                first.label_span.end,
            )
        if first.repeat != 1:
            raise DslError(msg("dsl.input_repeat"), src, first.node.span.end, first.span.end)
        net_input = layer.shape
        input_span = first.node.span
        if len(chain) == 1:
            raise DslError(
                msg("dsl.input_only", example=EXAMPLE),
                src,
                first.span.end,
            )
    count_rows(chain, src)
    items = resolve(chain, src, True, Scope(src, chain))
    return Net(items, src, net_input, input_span)


def parse_shape(text: str) -> Shape:
    """'224x224x3', '784', 'chw:3x224x224' or 'hwc:…' (for --input and spec files)."""
    reader = ArgReader("input", text.strip(), text.strip(), 0, "224x224x3")
    return read_input(reader)
