"""The layer-string DSL of DESIGN §3: blocks, groups, repetition, labels, comments and row
names, and every kind of bad input with the caret under the right character (DESIGN §7)."""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.dsl import parse
from cnncalc.errors import CnnCalcError, DslError


def rows(spec: str) -> list[tuple[str, int, tuple[int, ...]]]:
    """(name, depth, output dims) of every row."""
    return [(r.name, r.depth, r.output.dims) for r in cnncalc.analyze(spec).rows]


# -- constructs ---------------------------------------------------------------------------

# Hand-derived rows: names follow DESIGN §4 (weight layers numbered 1, 2, …; others take the
# last weight layer's number; blocks the number of their first weight layer), depth +1 inside
# a block (README, JSON `depth`).
CONSTRUCTS = [
    # Res(main): identity shortcut; 3x3 p1 keeps 8×8×8.
    (
        "In:8x8x8-Res(Conv:3x3x8p1-BN-ReLU-Conv:3x3x8p1-BN)-ReLU",
        [
            ("Res:1", 0, (8, 8, 8)),
            ("Conv:1", 1, (8, 8, 8)),
            ("BN:1", 1, (8, 8, 8)),
            ("ReLU:1", 1, (8, 8, 8)),
            ("Conv:2", 1, (8, 8, 8)),
            ("BN:2", 1, (8, 8, 8)),
            ("ReLU:2", 0, (8, 8, 8)),
        ],
    ),
    # Res(main | shortcut): main (8+2-3)/2+1 = 4 (4.5 floored), shortcut (8-1)/2+1 = 4.
    (
        "In:8x8x4-Res(Conv:3x3x8/2p1 | Conv:1x1x8/2)",
        [("Res:1", 0, (4, 4, 8)), ("Conv:1", 1, (4, 4, 8)), ("Conv:2", 1, (4, 4, 8))],
    ),
    # Cat(b1|b2|b3): channels 2 + 3 + 4 (the pool keeps the input's 4) = 9.
    (
        "In:8x8x4-Cat(Conv:1x1x2|Conv:3x3x3p1|Pool:3/1p1)",
        [
            ("Cat:1", 0, (8, 8, 9)),
            ("Conv:1", 1, (8, 8, 2)),
            ("Conv:2", 1, (8, 8, 3)),
            ("Pool:2", 1, (8, 8, 4)),
        ],
    ),
    # Cat of vectors: 10 + 20 = 30.
    ("In:16-Cat(FC:10|FC:20)", [("Cat:1", 0, (30,)), ("FC:1", 1, (10,)), ("FC:2", 1, (20,))]),
    # ( … ) groups splice in place: the same rows as without the parentheses.
    (
        "In:8x8x3-(Conv:3x3x4p1-ReLU)-Pool",
        [("Conv:1", 0, (8, 8, 4)), ("ReLU:1", 0, (8, 8, 4)), ("Pool:1", 0, (4, 4, 4))],
    ),
    # *N unrolls: three conv/relu pairs, numbered 1, 2, 3.
    (
        "In:8x8x3-(Conv:3x3x4p1-ReLU)*3",
        [
            ("Conv:1", 0, (8, 8, 4)),
            ("ReLU:1", 0, (8, 8, 4)),
            ("Conv:2", 0, (8, 8, 4)),
            ("ReLU:2", 0, (8, 8, 4)),
            ("Conv:3", 0, (8, 8, 4)),
            ("ReLU:3", 0, (8, 8, 4)),
        ],
    ),
    ("In:8x8x3-Conv:3x3x4p1*2", [("Conv:1", 0, (8, 8, 4)), ("Conv:2", 0, (8, 8, 4))]),
    # @label on a layer renames that row only.
    (
        "In:8x8x3-Conv:3x3x4p1@stem-ReLU-Conv:3x3x4p1",
        [("stem", 0, (8, 8, 4)), ("ReLU:1", 0, (8, 8, 4)), ("Conv:2", 0, (8, 8, 4))],
    ),
    # @label on a group: one nested Seq row with its layers under it (README).
    (
        "In:8x8x3-(Conv:3x3x4p1-ReLU)@blk-Pool",
        [
            ("blk", 0, (8, 8, 4)),
            ("Conv:1", 1, (8, 8, 4)),
            ("ReLU:1", 1, (8, 8, 4)),
            ("Pool:1", 0, (4, 4, 4)),
        ],
    ),
    # @label on a repetition: a nested Seq row too.
    (
        "In:8x8x3-(Conv:3x3x4p1-ReLU)*2@stage",
        [
            ("stage", 0, (8, 8, 4)),
            ("Conv:1", 1, (8, 8, 4)),
            ("ReLU:1", 1, (8, 8, 4)),
            ("Conv:2", 1, (8, 8, 4)),
            ("ReLU:2", 1, (8, 8, 4)),
        ],
    ),
    (
        "In:8x8x3-Conv:3x3x4p1*2@twice",
        [
            ("twice", 0, (8, 8, 4)),
            ("Conv:1", 1, (8, 8, 4)),
            ("Conv:2", 1, (8, 8, 4)),
        ],
    ),
    # a labelled group of one item labels that item (no Seq row)
    ("In:8x8x3-(Conv:3x3x4p1)@only", [("only", 0, (8, 8, 4))]),
    # labelled Res block; blocks nest: depth 2 inside a Res inside a Seq.
    (
        "In:8x8x4-(Res(Conv:3x3x4p1)-ReLU)*2@stage-Res(Conv:3x3x4p1)@last",
        [
            ("stage", 0, (8, 8, 4)),
            ("Res:1", 1, (8, 8, 4)),
            ("Conv:1", 2, (8, 8, 4)),
            ("ReLU:1", 1, (8, 8, 4)),
            ("Res:2", 1, (8, 8, 4)),
            ("Conv:2", 2, (8, 8, 4)),
            ("ReLU:2", 1, (8, 8, 4)),
            ("last", 0, (8, 8, 4)),
            ("Conv:3", 1, (8, 8, 4)),
        ],
    ),
    # a block without a weight layer takes the last weight layer's number
    (
        "In:8x8x4-Conv:1x1x4-Res(ReLU)",
        [("Conv:1", 0, (8, 8, 4)), ("Res:1", 0, (8, 8, 4)), ("ReLU:1", 1, (8, 8, 4))],
    ),
    # a Cat inside a Res branch
    (
        "In:8x8x4-Res(Cat(Conv:1x1x2|Conv:1x1x2))",
        [
            ("Res:1", 0, (8, 8, 4)),
            ("Cat:1", 1, (8, 8, 4)),
            ("Conv:1", 2, (8, 8, 2)),
            ("Conv:2", 2, (8, 8, 2)),
        ],
    ),
]


@pytest.mark.parametrize(("spec", "expected"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
def test_construct(spec, expected) -> None:
    """Row names, depths and outputs of each construct."""
    assert rows(spec) == expected


# Block rows hold the sums of their children (README, JSON).
BLOCK_SUMS = [
    # Res: 2 convs (3·3·8+1)·8 = 584 each, 2 BNs 2·8 = 16 each → 1,200
    ("In:8x8x8-Res(Conv:3x3x8p1-BN-ReLU-Conv:3x3x8p1-BN)", 1_200),
    # Res with shortcut: (3·3·4+1)·8 = 296, (1·1·4+1)·8 = 40 → 336
    ("In:8x8x4-Res(Conv:3x3x8/2p1 | Conv:1x1x8/2)", 336),
    # Cat: (1·1·4+1)·2 = 10, (3·3·4+1)·3 = 111, pool 0 → 121
    ("In:8x8x4-Cat(Conv:1x1x2|Conv:3x3x3p1|Pool:3/1p1)", 121),
    # Seq: (3·3·3+1)·4 = 112, then (3·3·4+1)·4 = 148 → 260
    ("In:8x8x3-(Conv:3x3x4p1-ReLU)*2@stage", 260),
]


@pytest.mark.parametrize(("spec", "weights"), BLOCK_SUMS, ids=[b[0] for b in BLOCK_SUMS])
def test_block_sums(spec, weights) -> None:
    """The header row's weights and MACs are the sums over its leaf rows."""
    report = cnncalc.analyze(spec)
    head = report.rows[0]
    assert head.block
    assert head.weights == weights
    assert report.totals.weights == weights  # no double counting of the header
    assert head.macs == sum(r.macs for r in report.rows if not r.block)


def test_res_branch_index() -> None:
    """Rows of a Res shortcut carry branch 1 (JSON `branch`)."""
    report = cnncalc.analyze("In:8x8x4-Res(Conv:3x3x8/2p1-ReLU | Conv:1x1x8/2)")
    assert [(r.name, r.branch) for r in report.rows] == [
        ("Res:1", 0), ("Conv:1", 0), ("ReLU:1", 0), ("Conv:2", 1),
    ]  # fmt: skip


# Whitespace, tabs, newlines and comments (DESIGN §3) do not change the result.
SPACED = [
    ("In:8x8x3-Conv:3x3x4p1-ReLU-Pool", "In:8x8x3 - Conv:3x3x4p1\t-\tReLU -\n Pool"),
    (
        "In:8x8x3-Conv:3x3x4p1-ReLU-Pool",
        "In:8x8x3-     # the input\nConv:3x3x4p1-ReLU-   # conv1\n\tPool   # pool1\n",
    ),
    (
        "In:8x8x4-Res(Conv:3x3x4p1|Conv:1x1x4)",
        "In:8x8x4 - Res ( Conv:3x3x4p1 | Conv:1x1x4 )",
    ),
    (
        "In:8x8x4-Cat(Conv:1x1x2|Conv:1x1x2)*2@two",
        "# a comment first\nIn:8x8x4\n-\nCat(\n  Conv:1x1x2   # left\n|\n  Conv:1x1x2   # right\n) * 2 @two",
    ),
    ("In:8x8x3-(Conv:3x3x4p1-ReLU)*2", "In:8x8x3-( Conv:3x3x4p1 - ReLU )*2"),
]


@pytest.mark.parametrize(("compact", "spaced"), SPACED)
def test_whitespace_and_comments(compact, spaced) -> None:
    """The spaced-out spelling gives the same rows and totals as the compact one."""
    a, b = cnncalc.analyze(compact), cnncalc.analyze(spaced)
    assert [(r.name, r.depth, r.output, r.weights) for r in a.rows] == [
        (r.name, r.depth, r.output, r.weights) for r in b.rows
    ]
    assert a.totals == b.totals


# The DSL examples of DESIGN.md and README.md parse and analyse (input as documented).
README_OPENING = (
    "In:224x224x3-Conv:11x11x96/4p3-ReLU-Pool:3/2-Conv:5x5x256p2-ReLU-Pool:3/2-FC:4096-FC:1000-SM"
)
README_DSL = (
    "In:32x32x3-(Conv:3x3x32p1-BN-ReLU)*2@stem-Res(Conv:3x3x32p1-BN-ReLU-Conv:3x3x32p1-BN)"
    "-GAP-FC:10"
)
DOC_EXAMPLES = [
    # DESIGN, opening example (with the seed's 224×224×3 input)
    ("Conv:11x11x96/4p3-ReLU-Pool:3/2-Conv:5x5x256p2-ReLU-Pool:3/2-FC:4096-FC:1000-SM",
     "224x224x3", (1000,)),
    # README, opening example
    (README_OPENING, None, (1000,)),
    # README, DSL section
    (README_DSL, None, (10,)),
    # README tour and DESIGN §9
    ("In:32x32x3-Conv:5x5x10p2", None, (32, 32, 10)),
    # cnncalc shape --help
    ("In:32x32x3-Conv:3x3x16p1-ReLU-Pool-FC:10", None, (10,)),
    # README, errors section (with a correct name)
    ("Conv:3x3x64p1-ReLU", "32x32x3", (32, 32, 64)),
    # the examples the parser itself shows in its messages
    ("Conv:3x3x64p1-ReLU-Pool:2/2-FC:10", "32x32x3", (10,)),
    ("Res(Conv:3x3x64p1-BN | Conv:1x1x64)", "8x8x64", (8, 8, 64)),
    ("Cat(Conv:1x1x32 | Conv:3x3x32p1)", "8x8x16", (8, 8, 64)),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "inp", "output"), DOC_EXAMPLES, ids=[d[0] for d in DOC_EXAMPLES])
def test_documented_examples(spec, inp, output) -> None:
    """Each documented example gives the output its structure implies."""
    assert cnncalc.analyze(spec, input=inp).output.dims == output


def test_readme_example_numbers() -> None:
    """README's DSL example, by hand: stem convs (3·3·3+1)·32 = 896 and (3·3·32+1)·32 = 9,248,
    two more 9,248 in the Res block, four BNs of 2·32 = 64, FC (32+1)·10 = 330 after GAP
    → 896 + 3·9,248 + 4·64 + 330 = 29,226."""
    report = cnncalc.analyze(README_DSL)
    assert report.totals.weights == 29_226
    assert [r.name for r in report.rows if r.depth == 0] == ["stem", "Res:3", "GAP:4", "FC:5"]


@pytest.mark.parametrize(
    ("spelt", "canonical"),
    [
        ("In:8x8x4-res(conv:3x3x4p1)", "In:8x8x4-Res(Conv:3x3x4p1)"),
        ("In:8x8x4-RES(Conv:3x3x4p1 | CONV:1x1x4)", "In:8x8x4-Res(Conv:3x3x4p1|Conv:1x1x4)"),
        ("In:8x8x4-cat(Conv:1x1x2|Conv:1x1x2)", "In:8x8x4-Cat(Conv:1x1x2|Conv:1x1x2)"),
    ],
)
def test_block_keywords_ignore_case(spelt, canonical) -> None:
    """Res and Cat are names too: case-insensitive (DESIGN §3)."""
    assert rows(spelt) == rows(canonical)


def test_names_are_unique() -> None:
    """Two ReLUs after the same weight layer still get distinct names."""
    names = [r.name for r in cnncalc.analyze("In:8x8x3-Conv:3x3x4-ReLU-ReLU-Drop").rows]
    assert len(set(names)) == len(names)
    assert names[:2] == ["Conv:1", "ReLU:1"]
    assert names[2].startswith("ReLU:1")


def test_layer_before_any_weight_layer() -> None:
    """Before the first weight layer the 'last weight layer number' is 0."""
    assert rows("In:8x8x3-BN-Conv:1x1x4")[0][0] == "BN:0"


def test_parse_keeps_spans() -> None:
    """The IR keeps each layer's source span (DESIGN §8: AST with source spans)."""
    src = "In:8x8x3 - Conv:3x3x4p1 - ReLU"
    net = parse(src)
    conv, relu = net.items
    assert src[conv.span.pos : conv.span.end] == "Conv:3x3x4p1"
    assert src[relu.span.pos : relu.span.end] == "ReLU"
    assert net.input is not None and net.input.dims == (8, 8, 3)


def test_no_eval() -> None:
    """User text is never evaluated: Python in the spec is just a bad layer name."""
    for text in ("__import__('os').system('true')", "exec('1')", "In:8x8x3-Conv:3x3x(2+2)"):
        with pytest.raises(DslError):
            parse(text)


# -- errors -------------------------------------------------------------------------------

# (spec, words the message must contain, the text the caret must start under, how many
# characters it underlines or None). `at` is looked up in the spec from the right when it is
# prefixed with '>' (the last occurrence).
ERRORS = [
    # unknown layer, with a did-you-mean
    ("In:8x8x3-Cnov:3x3x8", ["unknown layer 'Cnov'", "did you mean 'Conv'"], "Cnov", 4),
    ("In:8x8x3-Conv:3x3x8-Rleu", ["unknown layer 'Rleu'", "did you mean 'ReLU'"], "Rleu", 4),
    ("In:8x8x3-Pooll:2", ["unknown layer 'Pooll'", "did you mean 'Pool'"], "Pooll", 5),
    ("In:8x8x3-Zzzz", ["unknown layer 'Zzzz'"], "Zzzz", 4),
    # missing sizes: the message shows an example (DESIGN §3)
    ("In:8x8x3-Conv", ["Conv needs", "Conv:3x3x64p1"], "Conv", 4),
    ("In:8x8x3-Conv-ReLU", ["Conv needs", "Conv:3x3x64p1"], "Conv", 4),
    ("In:8x8x3-FC", ["FC needs", "FC:4096"], "FC", 2),
    ("In:8x8x3-Conv:3x3x8-ReLU-FC-SM", ["FC needs", "FC:4096"], "FC", 2),
    ("In:8x8x3-AdaptAvg", ["AdaptAvg needs", "AdaptAvg:6x6"], "AdaptAvg", 8),
    ("Conv-ReLU-Pool-FC-SM", ["Conv needs", "Conv:3x3x64p1"], "Conv", 4),  # DESIGN §3
    ("In:8x8x3-Conv:", ["expected arguments after 'Conv:'"], ">", None),
    ("In:8x8x3-Conv:3x3", ["takes 3 number(s)", "got 2", "Conv:3x3x64p1"], "3x3", 3),
    ("In:8x8x3-Conv:axbxc", ["expected kernel size and filters", "got 'axbxc'"], "axbxc", None),
    ("In", ["In needs a shape"], "In", 2),
    # bad modifiers, with a did-you-mean where one is close
    ("In:8x8x3-Conv:3x3x8q2", ["unknown modifier 'q2'", "/S stride", "Conv:3x3x64p1"], "q2", 2),
    ("In:8x8x3-Pool:2/2ciel", ["unknown modifier 'ciel'", "did you mean 'ceil'"], "ciel", 4),
    ("In:8x8x3-Pool:3/2cell", ["unknown modifier 'cell'", "did you mean 'ceil'"], "cell", 4),
    ("In:8x8x3-FC:10bias", ["unknown modifier 'bias'", "expected nb (no bias)"], "bias", 4),
    ("In:8x8x3-Conv:3x3x8p1p1", ["modifier 'p' given twice"], ">p1", 1),
    ("In:8x8x3-Conv:3x3x8pdame", ["expected padding", "'dame'"], "dame", 4),
    ("In:8x8x3-Conv:3x3x8p1x2x3", ["padding takes 1 or 2 numbers"], "1x2x3", 5),
    ("In:8x8x3-ReLU:2", ["ReLU takes no arguments"], "2", 1),
    ("In:8x8x3-Pool:3p1same", ["unknown modifier 'same'"], "same", 4),
    ("In:8x8x3-Pool:2psame", ["'psame' is for Conv"], "psame", 5),
    ("In:8x8x3-Pool:2p2", ["padding 2 is more than half the kernel 2"], "p2", 2),
    ("In:8x8x3-Drop:1.5", ["probability must be between 0 and 1", "1.5"], "1.5", 3),
    ("In:8x8x3-LReLU:x", ["expected negative slope"], ">x", 1),
    # unbalanced parentheses, both ways
    ("In:8x8x3-(Conv:3x3x8-ReLU", ["unbalanced parenthesis", "never closed"], "(", 1),
    ("In:8x8x3-Res(Conv:3x3x8p1", ["unbalanced parenthesis", "never closed"], "(", 1),
    ("In:8x8x3-Conv:3x3x8)", ["unbalanced parenthesis", "has no '('"], ")", 1),
    ("In:8x8x3-(Conv:3x3x8p1))-ReLU", ["unbalanced parenthesis", "has no '('"], ">)", 1),
    ("In:8x8x3-((Conv:3x3x8p1)", ["unbalanced parenthesis", "never closed"], "(", 1),
    # empty text
    ("", ["the spec is empty", "Conv:3x3x64p1"], None, None),
    ("   \n\t  ", ["the spec is empty"], None, None),
    ("# nothing but a comment\n", ["the spec is empty"], None, None),
    ("In:8x8x3-", ["expected a layer name", "the end of the spec"], None, None),
    ("In:8x8x3--ReLU", ["expected a layer name", "'-'"], ">-", 1),
    ("In:8x8x3-()", ["a branch is empty"], ")", 1),
    ("In:8x8x3-Res(|Conv:1x1x3)", ["a branch is empty"], "|", 1),
    # blocks used wrongly
    ("In:8x8x3-Res-ReLU", ["Res needs its branches in parentheses"], "Res", 3),
    ("In:8x8x3-(ReLU|ReLU)", ["'|' separates branches only inside Res"], "|", 1),
    ("In:8x8x3-ReLU|ReLU", ["'|' separates branches only inside Res"], "|", 1),
    ("In:8x8x3-Res(ReLU|ReLU|ReLU)", ["at most one shortcut"], "Res", None),
    # repetition and labels
    ("In:8x8x3-ReLU*0", ["repeat count of at least 1"], "0", 1),
    ("In:8x8x3-ReLU*x", ["repeat count of at least 1"], ">x", 1),
    ("In:8x8x3-ReLU@", ["expected a label after '@'"], None, None),
    ("In:8x8x3-ReLU@a b", ["expected '-' between layers", "'b'"], "b", 1),
    # sizes: numbers ≤ 0 in the text
    ("In:8x8x3-Conv:0x3x8", ["must be at least 1", "got 0"], "0", 1),
    ("In:8x8x3-FC:0", ["FC", "must be at least 1", "got 0"], "0", 1),
    ("In:0x8x3-ReLU", ["must be at least 1", "got 0"], "0", 1),
    # In only first
    ("In:8x8x3-Conv:3x3x8-In:6x6x8", ["In: sets the input", "first layer"], ">In:6x6x8", 8),
    ("Conv:3x3x8-In:8x8x3", ["first layer"], "In:8x8x3", 8),
    ("In:8x8x3", ["has an input but no layers"], None, None),
    # a padding mode needs padding, and one mode at most (issue 11; psame takes a stride now)
    ("In:8x8x3-Conv:3x3x8reflect", ["'reflect' fills the padding"], "reflect", 7),
    ("In:8x8x3-Conv:3x3x8p1reflectcircular", ["one padding mode"], "circular", 8),
]


def caret_start(spec: str, at: str | None) -> int | None:
    """Index of `at` in spec ('>' prefix: the last occurrence; '>' alone: the end)."""
    if at is None:
        return None
    if at == ">":
        return len(spec)
    if at.startswith(">"):
        return spec.rindex(at[1:])
    return spec.index(at)


@pytest.mark.parametrize(("spec", "words", "at", "width"), ERRORS, ids=[e[0] for e in ERRORS])
def test_dsl_error(spec, words, at, width) -> None:
    """The message says what was wrong and what was expected; the caret sits under it."""
    with pytest.raises(DslError) as info:
        cnncalc.analyze(spec)
    err = info.value
    for word in words:
        assert word in err.msg, err.render()
    pos = caret_start(spec, at)
    if pos is not None:
        assert err.pos == pos, err.render()
        line_start = spec.rfind("\n", 0, pos) + 1
        caret_line = err.caret().splitlines()[1]
        # the caret drawing is indented by two spaces, like the text above it
        assert caret_line.index("^") - 2 == pos - line_start, err.render()
    if width is not None:
        assert err.end - err.pos == width, err.render()
        assert err.caret().splitlines()[1].count("^") == width


# Errors found by the analysis: they name the layer and show the numbers (DESIGN §4, §7).
SHAPE_ERRORS = [
    # size ≤ 0: (4 - 5 + 0)/1 + 1 = 0
    ("In:4x4x3-Conv:5x5x8", ["Conv:1", "(4 - 5 + 2·0) / 1 + 1 = 0", "≤ 0", "4×4×3"], "Conv:5"),
    # 8 → (8-3)/2+1 = 3 → (3-3)/2+1 = 1 → (1-3)/2+1 = 0
    ("In:8x8x3-Pool:3/2-Pool:3/2-Pool:3/2", ["Pool:0", "(1 - 3 + 2·0) / 2 + 1 = 0", "≤ 0"],
     ">Pool"),
    # only the width drops to 0: 16×2 with a 3×3 window
    ("In:16x2x3-Conv:3x3x8", ["Conv:1", "column", "(2 - 3 + 2·0) / 1 + 1 = 0"], "Conv"),
    # dilation: extent 2·(3-1)+1 = 5 > 4 → (4 + 0 - 2·(3 - 1) - 1)/1 + 1 = 0
    ("In:4x4x3-Conv:3x3x8d2", ["Conv:1", "≤ 0"], "Conv"),
    # Res: both shapes shown
    ("In:8x8x3-Res(Conv:3x3x8)", ["Res:1", "main branch gives 6×6×8",
                                  "identity shortcut gives 8×8×3"], "Res"),
    ("In:8x8x4-Res(Conv:3x3x8p1|Conv:1x1x4)", ["main branch gives 8×8×8",
                                               "shortcut gives 8×8×4"], "Res"),
    # Cat: H×W must agree; both shapes shown
    ("In:8x8x3-Cat(Conv:3x3x8|Conv:3x3x8p1)", ["Cat:1", "6×6×8", "8×8×8"], "Cat"),
    ("In:8x8x3-Cat(Conv:1x1x8|FC:10)", ["Cat:1", "8×8×8", "10"], "Cat"),
    # duplicate label
    ("In:8x8x3-Conv:3x3x8@a-ReLU@a", ["label 'a' is used twice"], "ReLU"),
    ("In:8x8x3-(ReLU)*2@a-(ReLU-ReLU)@a", ["label 'a' is used twice"], ">(ReLU-ReLU)"),
    # shapes a layer cannot take
    ("In:8x8x3-Conv:3x3x8g2", ["input channels (3) must be divisible by groups (2)"], "Conv"),
    ("In:8x8x4-Conv:3x3x6g4", ["filters (6) must be divisible by groups (4)"], "Conv"),
    ("In:10-Conv:3x3x8", ["Conv:1", "needs an H×W×C input", "flat vector of 10"], "Conv"),
    ("In:10-Pool", ["needs an H×W×C input"], "Pool"),
    ("In:10-GAP", ["needs an H×W×C input"], "GAP"),
    ("In:10-LRN", ["needs an H×W×C input"], "LRN"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "words", "at"), SHAPE_ERRORS, ids=[e[0] for e in SHAPE_ERRORS])
def test_shape_error(spec, words, at) -> None:
    """Message with the layer's name and numbers; caret at the layer or block."""
    with pytest.raises(DslError) as info:
        cnncalc.analyze(spec)
    err = info.value
    for word in words:
        assert word in err.msg, err.render()
    assert err.pos == caret_start(spec, at), err.render()


def test_strict_turns_the_warning_into_an_error() -> None:
    """seed 004: (7-3)/3+1 = 2.33 is a warning, and an error with --strict (DESIGN §4)."""
    spec = "In:7x7x3-ReLU-Conv:3x3x8/3"
    assert cnncalc.analyze(spec).rows[1].warnings
    with pytest.raises(DslError) as info:
        cnncalc.analyze(spec, strict=True)
    err = info.value
    assert "Conv:1" in err.msg and "2.33 → 2" in err.msg and "--strict" in err.msg
    assert err.pos == spec.index("Conv")


def test_caret_on_a_later_line() -> None:
    """In multi-line text the caret drawing shows the offending line only."""
    spec = "In:8x8x3-\n\tConv:3x3x8-   # conv\n\tCnov:3x3x8\n"
    with pytest.raises(DslError) as info:
        parse(spec)
    err = info.value
    assert (err.line, err.column) == (3, 2)
    text, marks = err.caret().splitlines()
    assert text.strip() == "Cnov:3x3x8"
    assert marks == "  " + " " + "^^^^"  # the tab is drawn one column wide


def test_error_render_has_message_and_caret() -> None:
    """render() is the message, then the text, then the carets (STYLE, Errors)."""
    with pytest.raises(DslError) as info:
        parse("Cnov:3x3x64p1-ReLU")
    assert info.value.render() == (
        "unknown layer 'Cnov' — did you mean 'Conv'?\n  Cnov:3x3x64p1-ReLU\n  ^^^^"
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({}, ["no input shape", "In:HxWxC", "--input"]),
        ({"dtype": "fp8"}, ["unknown dtype 'fp8'"]),
        ({"optimizer": "rmsprop"}, ["unknown optimizer 'rmsprop'"]),
        ({"batch": 0}, ["batch must be at least 1"]),
    ],
)
def test_analysis_argument_errors(kwargs, words) -> None:
    """Mistakes outside the text are CnnCalcErrors with a message, not tracebacks."""
    spec = "Conv:3x3x8" if not kwargs else "In:8x8x3-Conv:3x3x8"
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze(spec, **kwargs)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("text", "dims"),
    [("224x224x3", (224, 224, 3)), ("784", (784,)), (" 32×32×1 ", (32, 32, 1))],
)
def test_input_option_shapes(text, dims) -> None:
    """--input takes HxWxC or N."""
    assert cnncalc.analyze("ReLU", input=text).input.dims == dims


@pytest.mark.parametrize("text", ["32x32", "axb", "", "32x32x3x1", "0x4x4"])
def test_bad_input_option(text) -> None:
    """A bad --input is an error with a caret into the --input text."""
    with pytest.raises(DslError):
        cnncalc.analyze("ReLU", input=text)


# Float arguments print in positional notation, exactly: '1e-05' would split at its '-'
# (kinds helper's finding, issue 11), and ':g' kept six digits only.
@pytest.mark.parametrize(
    "layer",
    ["LReLU:0.00001", "ELU:0.00001", "Drop:0.000001", "DropPath:0.00001", "Scale:0.00001",
     "LReLU:0.1234567", "ELU:2.5"],
)  # fmt: skip
def test_a_float_argument_reads_back_as_written(layer: str) -> None:
    import cnncalc

    row = cnncalc.analyze(f"In:8x8x3-Conv:3x3x4-{layer}").rows[1]
    assert row.dsl == layer
    again = cnncalc.analyze(f"In:8x8x3-Conv:3x3x4-{row.dsl}").rows[1]
    assert (again.dsl, len(cnncalc.analyze(f"In:8x8x3-Conv:3x3x4-{row.dsl}").rows)) == (layer, 2)
