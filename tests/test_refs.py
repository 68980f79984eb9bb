"""References `&label` (issue 11, DESIGN §3): a branch of Res(…) or Cat(…) that starts from an
earlier labelled item's output. Parsing and its errors, the rows, liveness in the peak memory
(worked out by hand below), templates, `--expand`, `--depth`, and the PyTorch build measured by
PyTorch (shapes, weights, FLOPs, training memory), on written and on generated nets.
"""

from __future__ import annotations

import time

import pytest
from conftest import examples
from hypothesis import given, note, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.dsl import parse
from cnncalc.errors import CnnCalcError, DslError
from cnncalc.ir import Ref

try:  # the PyTorch oracle of the property tests (imported here: not inside a @given test)
    from test_properties import Case, check_net
except (ImportError, pytest.skip.Exception):  # no torch: those tests skip
    Case = check_net = None

# -- parsing ---------------------------------------------------------------------------------

SKIP = "In:16x16x3-Conv:3x3x8p1@e1-Pool:2/2-Conv:3x3x8p1-Cat(&e1-Pool:2/2 | Id)"


def test_a_reference_starts_its_branch() -> None:
    """The IR keeps the reference as the first item of its branch."""
    net = parse(SKIP)
    cat = net.items[-1]
    first = cat.branches[0][0]
    assert isinstance(first, Ref) and first.label == "e1"
    assert SKIP[first.span.pos : first.span.end] == "&e1"


# (text, words of the message, the text under the caret)
ERRORS = [
    # not yet computed
    ("In:8x8x3-Cat(&a | Id)-Conv:1x1x3@a", "computed later", "&a"),
    # itself: the reference sits inside the item it names
    ("In:8x8x3-Cat(&a | Id)@a", "the item it is in", "&a"),
    ("In:8x8x3-(Conv:1x1x3-Res(&g-Conv:1x1x3))@g", "the item it is in", "&g"),
    # out of reach: inside another branch, or inside a labelled group
    ("In:8x8x3-Cat(Conv:1x1x3@a | Id)-Cat(&a | Id)", "cannot reach @a", "&a"),
    ("In:8x8x3-(Conv:1x1x3@a-ReLU)@g-Cat(&a | Id)", "cannot reach @a", "&a"),
    ("In:8x8x3-Res(Conv:1x1x3@a | &a)", "cannot reach @a", "&a"),
    # unknown: a did-you-mean, or the labels in reach
    ("In:8x8x3-Conv:1x1x3@skip1-Cat(&skp1 | Id)", "did you mean 'skip1'", "&skp1"),
    ("In:8x8x3-Conv:1x1x3@e1-Conv:1x1x3@e2-Cat(&e5 | Id)", "in reach here: @e1, @e2", "&e5"),
    # where a reference may stand
    ("In:8x8x3-Conv:1x1x3@a-&a", "only start a branch of Res(…) or Cat(…)", "&a"),
    ("In:8x8x3-Conv:1x1x3@a-(&a-ReLU)", "only start a branch", "&a"),
    ("In:8x8x3-Conv:1x1x3@a-Cat(ReLU-&a | Id)", "only start a branch", "&a"),
    ("In:8x8x3-Cat(& | Id)", "expected a label after '&'", "&"),
    ("In:8x8x3-Conv:1x1x3@a-Cat(&a*2 | Id)", "takes no '*N' or '@label'", "*"),
    ("In:8x8x3-Conv:1x1x3@a-Cat(&a@b | Id)", "takes no '*N' or '@label'", "@"),
]


@pytest.mark.parametrize(("text", "words", "under"), ERRORS)
def test_reference_errors_point_at_the_reference(text: str, words: str, under: str) -> None:
    with pytest.raises(DslError) as info:
        cnncalc.analyze(text)
    exc = info.value
    assert words in exc.msg
    assert text[exc.pos : exc.end] == under


def test_reference_error_at_the_command_line(cli, user_error) -> None:
    result = cli("shape", "In:8x8x3-Cat(&a | Id)-Conv:1x1x3@a")
    user_error(result, "computed later", "^^")


def test_a_spliced_group_keeps_its_labels_in_reach() -> None:
    """A plain group is spliced into its chain (DESIGN §3), so its labels are the chain's."""
    report = cnncalc.analyze("In:8x8x3-(Conv:1x1x4@a-ReLU)-Cat(&a | Id)")
    assert report.output.dims == (8, 8, 8)


# Any mix of these: a report or cnncalc's own error, never another exception or a hang.
TOKENS = ["Conv:1x1x2", "Pool", "ReLU", "Id", "Res(", "Cat(", "(", ")", "|", "-", "*2", "@a",
          "@b", "&a", "&b", "&", "& a", " ", "\n", "#x\n"]  # fmt: skip


@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=40))
def test_generated_reference_text(tokens: list[str]) -> None:
    text = "In:8x8x2-" + "".join(tokens)
    start = time.perf_counter()
    try:
        cnncalc.analyze(text)
    except CnnCalcError:
        pass
    assert time.perf_counter() - start < 5


# -- rows, memory, receptive field -------------------------------------------------------------


def test_reference_rows() -> None:
    report = cnncalc.analyze(SKIP)
    names = [(r.name, r.depth, str(r.output)) for r in report.rows]
    assert names[-4:] == [
        ("Cat:2", 0, "8×8×16"),
        ("&e1", 1, "16×16×8"),  # the labelled tensor again: no work, no memory
        ("Pool:2", 1, "8×8×8"),
        ("Id:2", 1, "8×8×8"),
    ]
    ref = report.rows[-3]
    assert (ref.kind, ref.weights, ref.macs, ref.activation_bytes, ref.dsl) == (
        "Ref",
        0,
        0,
        0,
        "&e1",
    )
    # the field of the labelled tensor: conv1's 3×3 (DESIGN §4 recurrence)
    assert ref.rf.size == (3, 3) and ref.rf.jump == (1, 1)


def test_peak_memory_holds_the_referenced_tensor() -> None:
    """Worked out by hand (fp32, batch 1; DESIGN §4: a layer's input and output are alive, and
    what is kept for later): conv1's output e1 is 16·16·8·4 = 8,192 B and stays alive until the
    Cat reads it. At Conv:2 the live set is e1 + the pool's output 8·8·8·4 = 2,048 B + Conv:2's
    output 2,048 B = 12,288 B; in the Cat, e1 + Conv:2's output (for Id) + the new pool's output
    = 12,288 B, then Conv:2's output + the pooled skip + the concatenation 8·8·16·4 = 4,096 B =
    8,192 B. Without the reference the largest set would be the input and conv1's output, 3,072
    + 8,192 = 11,264 B."""
    report = cnncalc.analyze(SKIP)
    assert report.totals.peak_activation_bytes == 12_288
    plain = cnncalc.analyze("In:16x16x3-Conv:3x3x8p1-Pool:2/2-Conv:3x3x8p1")
    assert plain.totals.peak_activation_bytes == 11_264


def test_the_last_reference_frees_the_tensor() -> None:
    """Two references to e1: it stays alive through the first Cat, whose concatenation then
    runs with e1 (8,192 B) + the pooled skip (2,048) + Conv:2's output (2,048) + the
    concatenation (4,096) = 16,384 B alive; with one reference e1 is freed once its pool has
    read it, and the largest set stays 12,288 B (the previous test)."""
    two = SKIP + "-Conv:1x1x8-Res(&e1-Pool:2/2)"
    assert cnncalc.analyze(two).totals.peak_activation_bytes == 16_384
    one = SKIP + "-Conv:1x1x8-Res(Pool:1/1)"
    assert cnncalc.analyze(one).totals.peak_activation_bytes == 12_288


def test_a_block_whose_branches_all_start_from_references_frees_its_input() -> None:
    """Cat(&a-Conv | &b-Conv) reads neither branch from its input (Conv:3's output), so that is
    freed when the Cat starts. Hand-derived, fp32, every map 16×16: a and b (8 channels,
    8,192 B each) are alive from where they are made; the peak is at Conv:3, a + b + its output
    = 24,576 B. Were the Cat's input kept for its branches, the first branch's conv would see
    a + b + that input + its 1-channel output (1,024 B) = 25,600 B."""
    text = "In:16x16x8-Conv:1x1x8@a-Conv:1x1x8@b-Conv:1x1x8-Cat(&a-Conv:1x1x1 | &b-Conv:1x1x1)"
    assert cnncalc.analyze(text).totals.peak_activation_bytes == 24_576


def test_an_identity_branch_first_keeps_the_input_to_the_merge() -> None:
    """Cat(Id | Conv) is torch.cat([x, conv(x)]): x stays alive until the concatenation reads
    it, as with the Id last. Hand-derived, fp32, 8×8 maps: Conv:1's output x is 8·8·4·4 =
    1,024 B, Conv:2's 8·8·1·4 = 256 B, the concatenation 8·8·5·4 = 1,280 B, all alive at the
    Cat: 2,560 B (the walk once handed x to the second branch to free: 1,792 B). The same
    when the branch names x by a reference: x is the block's input the Id still reads."""
    for text in ("In:8x8x3-Conv:3x3x4p1-Cat(Id | Conv:3x3x1p1)",
                 "In:8x8x3-Conv:3x3x4p1-Cat(Conv:3x3x1p1 | Id)",
                 "In:8x8x3-Conv:3x3x4p1@x-Cat(&x-Conv:3x3x1p1 | Id)",
                 "In:8x8x3-Conv:3x3x4p1@x-Cat(Id | &x-Conv:3x3x1p1)"):  # fmt: skip
        assert cnncalc.analyze(text).totals.peak_activation_bytes == 2_560


def test_depth_folding_and_json(cli) -> None:
    import json

    folded = cnncalc.analyze(SKIP).folded(0)
    assert [r.name for r in folded.rows] == ["e1", "Pool:1", "Conv:2", "Cat:2"]
    # the folded Cat carries its hidden rows' memory: the pooled skip 2,048 B (the reference
    # and Id add none) and its own concatenation 8·8·16·4 = 4,096 B
    assert folded.rows[-1].folded and folded.rows[-1].activation_bytes == 6_144
    result = cli("shape", SKIP, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["layers"]
    ref = next(r for r in rows if r["kind"] == "Ref")
    assert (ref["name"], ref["dsl"], ref["output"]) == ("&e1", "&e1", [16, 16, 8])


# -- templates and --expand ----------------------------------------------------------------------

UNET_LIKE = """\
name = "tiny_unet"
input = "16x16x3"
layers = '''
$enc(c=8)@e1-Pool:2/2-
$enc(c=16)@e2-Pool:2/2-
$enc(c=32)-
$dec(c=16, skip=2, h=8)-
$dec(c=8, skip=1, h=16)-
Conv:1x1x2
'''
[blocks]
enc = "Conv:3x3x{c}p1-ReLU-Conv:3x3x{c}p1-ReLU"
dec = "Conv:1x1x{c}-AdaptAvg:{h}x{h}-Cat(&e{skip} | Id)-$enc(c={c})"
"""


def test_templates_carry_references(tmp_path, cli) -> None:
    """A [blocks] body may hold a reference, even one whose label is a placeholder; --expand
    prints plain DSL with the references, which gives the same report."""
    spec = tmp_path / "tiny_unet.toml"
    spec.write_text(UNET_LIKE, encoding="utf-8")
    report = cnncalc.analyze(str(spec))
    assert report.output.dims == (16, 16, 2)
    assert [r.name for r in report.rows if r.kind == "Ref"] == ["&e2", "&e1"]
    result = cli("shape", str(spec), "--expand")
    assert result.exit_code == 0, result.output
    assert "Cat(&e2 | Id)" in result.stdout and "Cat(&e1 | Id)" in result.stdout
    again = cnncalc.analyze(result.stdout)
    assert [(r.name, r.output, r.weights) for r in again.rows] == [
        (r.name, r.output, r.weights) for r in report.rows
    ]
    assert again.totals == report.totals


def test_template_reference_errors_point_into_the_block(tmp_path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(UNET_LIKE.replace("skip=1", "skip=3"), encoding="utf-8")
    with pytest.raises(DslError) as info:
        cnncalc.analyze(str(spec))
    assert "@e3" in info.value.msg
    assert "in block 'dec'" in info.value.render()


# -- the PyTorch build, measured by PyTorch --------------------------------------------------------


def check_with_pytorch(text: str, batch: int = 2, optimizer: str = "sgd") -> None:
    """test_properties.check_net: per-row weights and output shapes, forward and train FLOPs
    (FlopCounterMode) and training memory within 10% (saved_tensors_hooks), all on the module
    cnncalc builds, measured by PyTorch."""
    if check_net is None:
        pytest.skip("needs torch")
    x = parse(text).input
    assert x is not None
    case = Case(text.split("-", 1)[1], x.dims, batch, optimizer, True, (), "", frozenset())
    check_net(case, text)


WRITTEN = [
    SKIP,
    SKIP + "-Conv:1x1x8-Res(&e1-Pool:2/2)",
    # (not the net of the test above: PyTorch runs no backward through its unread Conv:3)
    "In:16x16x8-Conv:1x1x8@a-Conv:1x1x8@b-Cat(&a-Conv:1x1x1 | &b-Conv:1x1x1)",
    # a reference to the net's first tensor, before any weight: no grad-input there
    "In:8x8x4-ReLU@r-Conv:3x3x4p1-Res(Conv:3x3x4p1 | &r)",
    # references inside a labelled group, to its own labels and to the outer chain's
    "In:8x8x4-Conv:3x3x4p1@o-(Conv:1x1x4@i-BN-Cat(&i | &o-ReLU))@g-Conv:1x1x2",
    # the reference branch first, and alone in a Res with the identity shortcut
    "In:8x8x4-Conv:3x3x4p1@a-Pool:2/2-Conv:1x1x4-Res(&a-Pool:2/2)-Cat(&a-AvgPool:2 | Id)",
]


@pytest.mark.parametrize("text", WRITTEN)
def test_written_nets_match_pytorch(text: str) -> None:
    check_with_pytorch(text)


def test_the_build_keeps_and_frees_referenced_outputs() -> None:
    """The labelled output is kept for the Ref module that reads it and let go by the last
    one: after a forward pass nothing is left in the store."""
    torch = pytest.importorskip("torch")
    module = cnncalc.build(SKIP + "-Conv:1x1x8-Res(&e1-Pool:2/2)")
    refs = [m for m in module.modules() if type(m).__name__ == "Ref"]
    assert [(r.label, r.last) for r in refs] == [("e1", False), ("e1", True)]
    module(torch.randn(1, 3, 16, 16))
    assert refs[0].store == {}


# -- generated nets with references ------------------------------------------------------------


@st.composite
def ref_nets(draw: st.DrawFn) -> tuple[str, tuple[int, int, int]]:
    """A valid net whose Res and Cat branches start from labels in reach: the generator keeps
    the shape of each label it wrote and what each chain can reach (DESIGN §3)."""
    h = draw(st.integers(4, 12))
    x = (h, h, draw(st.integers(1, 4)))
    counter = [0]

    def chain(x: tuple[int, int, int], reach: dict, depth: int) -> tuple[str, tuple]:
        reach = dict(reach)  # labels made in here are out of reach after it
        texts = []
        for _ in range(draw(st.integers(2 if depth == 0 else 1, 5 if depth == 0 else 3))):
            text, x = item(x, reach, depth)
            if draw(st.booleans()):
                counter[0] += 1
                label = f"l{counter[0]}"
                text += f"@{label}"
                reach[label] = x
            texts.append(text)
        return "-".join(texts), x

    def branch(y: tuple[int, int, int], reach: dict) -> tuple[str, tuple] | None:
        """'&label…' ending at y's H×W, or None when no label in reach can get there."""
        fit = [k for k, v in reach.items() if v[0] % y[0] == 0 and v[1] % y[1] == 0]
        if not fit:
            return None
        label = draw(st.sampled_from(sorted(fit)))
        z = reach[label]
        text = f"&{label}"
        if z[0] != y[0]:
            text += f"-AvgPool:{z[0] // y[0]}"
        c = draw(st.integers(1, 4))
        return text + f"-Conv:1x1x{c}", (y[0], y[1], c)

    def item(x: tuple[int, int, int], reach: dict, depth: int) -> tuple[str, tuple]:
        what = draw(st.sampled_from(["conv", "relu", "bn", "pool", "group"] + ["cat", "res"] * 2))
        if what == "pool" and x[0] >= 2 and x[0] % 2 == 0:
            return "Pool:2/2", (x[0] // 2, x[1] // 2, x[2])
        if what in ("cat", "res") and depth < 2:
            ref = branch(x, reach)
            if ref is not None and what == "cat":
                other, y = chain(x, reach, depth + 1)
                parts = [ref[0], other] if draw(st.booleans()) else [other, ref[0]]
                if y[:2] == x[:2]:
                    return f"Cat({' | '.join(parts)})", (x[0], x[1], ref[1][2] + y[2])
            elif ref is not None:
                text = ref[0].rsplit("-Conv:", 1)[0] + f"-Conv:1x1x{x[2]}"
                if draw(st.booleans()):
                    return f"Res({text})", x
                return f"Res(Conv:3x3x{x[2]}p1 | {text})", x
        if what == "group" and depth < 2:
            inner, y = chain(x, reach, depth + 1)
            return f"({inner})", y  # labelled, or spliced, by the chain
        if what == "relu":
            return "ReLU", x
        if what == "bn":
            return "BN", x
        c = draw(st.integers(1, 6))
        return f"Conv:3x3x{c}p1", (x[0], x[1], c)

    text, _ = chain(x, {}, 0)
    return f"In:{x[0]}x{x[1]}x{x[2]}-{text}", x


@settings(max_examples=examples(25), deadline=None)
@given(ref_nets(), st.sampled_from(["sgd", "adam"]))
def test_generated_nets_with_references_match_pytorch(net, optimizer) -> None:
    """Static shapes, weights, forward and train FLOPs = PyTorch's; train memory within 10%;
    the build's self-check passes."""
    text, _ = net
    note(text)
    check_with_pytorch(text, optimizer=optimizer)
    cnncalc.build(text)  # the self-check: every row's weights and output shape


def test_help_teaches_references_and_decoders(cli) -> None:
    """`shape --help` shows a U-Net skip and a DCGAN generator (issue 11), and both run."""
    result = cli("shape", "--help")
    assert result.exit_code == 0
    examples = [line.strip() for line in result.stdout.splitlines() if "'In:" in line]
    assert any("Cat(&e1 | Id)" in e for e in examples) and any("ConvT" in e for e in examples)
    for example in examples:
        text = example.split("'")[1]
        assert cli("shape", text).exit_code == 0, text
