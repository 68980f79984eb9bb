"""Issue 15: `diff` aligns layers, not text. Grouping, labels and renames are structure, shown
on their own rows (= regrouped, ≈ renamed); every figure of a paired row belongs to the layers
it names; real changes are still found and paired right."""

from __future__ import annotations

import json

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli import app
from cnncalc.diff import ADDED, CHANGED, LAYER_CHANGES, REGROUPED, REMOVED, RENAMED, diff_reports

runner = CliRunner()


def diff(a: str, b: str):
    return diff_reports(cnncalc.analyze(a), cnncalc.analyze(b))


def layers(report) -> list:
    return [r for r in report.rows if not r.block]


def test_the_issue_example_is_one_regrouping() -> None:
    # B wraps the first Conv and ReLU in a group labelled a: the same three layers.
    #   Conv:1 (3·3·3 + 1)·8 = 224 weights, Conv:2 (3·3·8 + 1)·8 = 584 weights
    d = diff("In:32x32x3-Conv:3x3x8p1-ReLU-Conv:3x3x8p1",
             "In:32x32x3-(Conv:3x3x8p1-ReLU)@a-Conv:3x3x8p1")  # fmt: skip
    assert [rd.status for rd in d.rows] == [REGROUPED, "same", "same", "same"]
    assert d.same_layers and not any(t.delta for t in d.totals)
    conv1, conv2 = d.rows[1], d.rows[3]
    assert (conv1.a.weights, conv1.b.weights) == (224, 224)
    assert (conv2.a.weights, conv2.b.weights) == (584, 584)
    assert d.rows[0].b.name == "a" and d.rows[0].delta("weights") == 0
    out = runner.invoke(app, ["diff", d.a.src, d.b.src])
    assert out.exit_code == 0, out.output
    assert "=  a " in out.stdout and "1 regrouped, 0 renamed" in out.stdout


VGG16_D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
           512, 512, 512, "M"]  # fmt: skip  # torchvision vgg.py cfgs["D"]


def test_flat_vgg16_against_the_builtin_changes_no_layer() -> None:
    flat = "In:224x224x3-" + "-".join(
        "Pool:2/2" if c == "M" else f"Conv:3x3x{c}p1-ReLU" for c in VGG16_D
    ) + "-AdaptAvg:7x7-FC:4096-ReLU-Drop-FC:4096-ReLU-Drop-FC:1000"  # fmt: skip
    doc = json.loads(runner.invoke(app, ["diff", flat, "vgg16", "-f", "json"]).stdout)
    s = doc["summary"]
    assert s["changed"] == s["added"] == s["removed"] == s["affected"] == 0
    assert s["regrouped"] == 5  # block1 … block5 of the built-in spec
    assert doc["same_layers"] and not doc["identical"]
    # 138,357,544 weights: Simonyan & Zisserman's configuration D, as torchvision counts it
    assert doc["totals"]["weights"]["a"] == doc["totals"]["weights"]["b"] == 138_357_544
    assert all(t["delta"] == 0 for t in doc["totals"].values())


def test_a_new_label_is_a_rename() -> None:
    d = diff("In:8x8x3-Conv:3x3x4p1@stem-ReLU", "In:8x8x3-Conv:3x3x4p1@first-ReLU")
    assert [rd.status for rd in d.rows] == [RENAMED, "same"]
    # a default number that moves is no rename: B adds a Conv before
    d = diff("In:8x8x3-Conv:3x3x4p1-ReLU", "In:8x8x3-Conv:1x1x3-Conv:3x3x4p1-ReLU")
    assert [rd.status for rd in d.rows] == [ADDED, "same", "same"]


def test_a_block_added_to_a_stage_is_one_added_block() -> None:
    # resnet-like: a third residual block; its rows are added, the others stay paired
    block = "Res(Conv:3x3x4p1-BN-ReLU-Conv:3x3x4p1-BN)-ReLU-"
    d = diff("In:8x8x4-" + block * 2 + "GAP", "In:8x8x4-" + block * 3 + "GAP")
    added = [rd for rd in d.rows if rd.status == ADDED]
    assert [rd.b.kind for rd in added] == ["Res", "Conv", "BN", "ReLU", "Conv", "BN", "ReLU"]
    assert all(rd.status == "same" for rd in d.rows if rd.status != ADDED)
    # the block: 2 × (3·3·4 + 1)·4 = 296 conv weights + 2 × 2·4 = 16 BN weights
    assert d.totals[0].delta == 312


# -- properties --------------------------------------------------------------------------------

LAYERS = ["Conv:3x3x8p1", "Conv:1x1x4", "ReLU", "BN", "GELU", "Drop", "Pool:3/1p1"]


@st.composite
def nets(draw):
    """(layers, B's text): random layers on 8×8×4, and the same layers with random groups
    and labels."""
    items = draw(st.lists(st.sampled_from(LAYERS), min_size=1, max_size=14))
    return items, draw(regroup(items))


@st.composite
def regroup(draw, items: list[str]):
    """`items` as DSL text wrapped in random nested groups, with random labels."""
    parts = list(items)
    labels = iter(f"l{i}" for i in range(1000))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(parts) - 1))
        j = draw(st.integers(i + 1, len(parts)))
        label = f"@{next(labels)}" if draw(st.booleans()) else ""
        parts[i:j] = [f"({'-'.join(parts[i:j])}){label}"]
    for k, part in enumerate(parts):
        if draw(st.booleans()) and not part.endswith(")") and "@" not in part:
            parts[k] = f"{part}@{next(labels)}"
    return "In:8x8x4-" + "-".join(parts)


def flat(items: list[str]) -> str:
    return "In:8x8x4-" + "-".join(items)


def paired_right(d) -> None:
    """Every pair holds two rows of one layer (or block) kind; a layer pair's figures are
    those of its own rows (the issue's bug paired Conv:1 with Conv:2's weights)."""
    for rd in d.rows:
        if rd.a is not None and rd.b is not None:
            assert rd.a.kind == rd.b.kind and rd.a.block == rd.b.block
            if rd.status not in LAYER_CHANGES:
                assert (rd.a.dsl, rd.a.weights, rd.a.macs) == (rd.b.dsl, rd.b.weights, rd.b.macs)


@settings(max_examples=examples(60))
@given(nets())
def test_grouping_and_labels_change_no_layer(net) -> None:
    items, grouped = net
    d = diff(flat(items), grouped)
    assert d.same_layers, [(rd.status, rd.row.name) for rd in d.rows]
    assert not any(t.delta for t in d.totals)
    assert all(rd.delta(f) == 0 for rd in d.rows for f in ("weights", "macs"))
    paired_right(d)
    # and the other way round, grouped against grouped differently
    assert diff(grouped, flat(items)).same_layers


@settings(max_examples=examples(60))
@given(nets(), st.data())
def test_a_widened_conv_is_one_changed_row_paired_right(net, data) -> None:
    items, _ = net
    convs = [k for k, item in enumerate(items) if item == "Conv:3x3x8p1"]
    if not convs:
        return
    k = data.draw(st.sampled_from(convs))
    wider = [*items[:k], "Conv:3x3x16p1", *items[k + 1 :]]
    d = diff(flat(items), data.draw(regroup(wider)))
    changed = [rd for rd in d.rows if rd.status == CHANGED]
    assert len(changed) == 1, [(rd.status, rd.row.name) for rd in d.rows]
    (rd,) = changed
    assert rd.a is layers(d.a)[k] and rd.b is layers(d.b)[k]
    # (3·3·C + 1)·F: the same input C on both sides, 8 → 16 filters
    assert rd.b.weights == 2 * rd.a.weights
    assert not any(r.status in (ADDED, REMOVED) for r in d.rows)
    paired_right(d)


@settings(max_examples=examples(60))
@given(nets(), st.data())
def test_an_inserted_layer_is_one_added_row_paired_right(net, data) -> None:
    items, _ = net
    k = data.draw(st.integers(0, len(items)))
    more = [*items[:k], "Tanh", *items[k:]]  # a kind the nets never hold: one place for it
    d = diff(flat(items), data.draw(regroup(more)))
    added = [rd for rd in d.rows if rd.status == ADDED]
    assert [rd.b for rd in added] == [layers(d.b)[k]]
    assert d.same_layers is False
    assert all(rd.status not in LAYER_CHANGES for rd in d.rows if rd.status != ADDED)
    paired_right(d)


def test_a_layer_inserted_among_its_kind_is_the_one_added() -> None:
    # A Conv:1x1 between Conv:3x3s: aligned on kinds, all four are Convs; the place chosen
    # pairs every Conv:3x3 with its twin, so the 1x1 is the one added, not a 3x3 'changed'.
    d = diff("In:8x8x4-" + "-".join(["Conv:3x3x4p1"] * 3),
             "In:8x8x4-Conv:3x3x4p1-Conv:3x3x4p1-Conv:1x1x4-Conv:3x3x4p1")  # fmt: skip
    assert [(rd.status, rd.row.dsl) for rd in d.rows] == [
        ("same", "Conv:3x3x4p1"), ("same", "Conv:3x3x4p1"), (ADDED, "Conv:1x1x4"),
        ("same", "Conv:3x3x4p1"),
    ]  # fmt: skip
