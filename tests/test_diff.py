"""`cnncalc diff` (issue 4): rows aligned, changes marked, per-row and total deltas.

Every expected delta is derived by hand in the comments (DESIGN §4: Conv weights
(Kh·Kw·C + 1)·F, MACs Hout·Wout·F·Kh·Kw·C; BN 2C weights; fp32 = 4 bytes; activation memory
counts each layer's new output, element-wise layers in place).

The base net, A:   In:8x8x3-Conv:3x3x4p1-ReLU-Conv:3x3x4p1-GAP-FC:10
    Conv:1  8×8×4   weights (3·3·3 + 1)·4 = 112   MACs 8·8·4·27 = 6,912    memory 256·4 = 1,024 B
    ReLU:1  8×8×4   in place
    Conv:2  8×8×4   weights (3·3·4 + 1)·4 = 148   MACs 8·8·4·36 = 9,216    memory 1,024 B
    GAP:2   1×1×4                                                          memory 4·4 = 16 B
    FC:3    10      weights (4 + 1)·10 = 50       MACs 4·10 = 40           memory 10·4 = 40 B
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.cli import app

runner = CliRunner()
A = "In:8x8x3-Conv:3x3x4p1-ReLU-Conv:3x3x4p1-GAP-FC:10"


def write(folder: Path, name: str, layers: str) -> str:
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nlayers = "{layers}"\n[budget]\nweights = "1M"\n', encoding="utf-8"
    )
    return str(path)


def diff_json(a: str, b: str, *options: str) -> dict:
    result = runner.invoke(app, ["diff", a, b, "--format", "json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def differing(doc: dict) -> list[tuple[str, str | None, str | None, dict]]:
    """(status, A's dsl, B's dsl, deltas) of every row that is not the same."""
    return [
        (r["status"], r["a"] and r["a"]["dsl"], r["b"] and r["b"]["dsl"], r["delta"])
        for r in doc["rows"]
        if r["status"] != "same"
    ]


def test_one_changed_layer_is_exactly_one_row(tmp_path: Path) -> None:
    # B swaps Conv:2's 3×3 kernel for 5×5 with padding 2: output stays (8 + 4 − 5)/1 + 1 = 8.
    #   weights (5·5·4 + 1)·4 = 404, i.e. 404 − 148 = +256
    #   MACs    8·8·4·5·5·4 = 25,600, i.e. 25,600 − 9,216 = +16,384
    #   memory  8×8×4 both: ±0
    a = write(tmp_path, "a", A)
    b = write(tmp_path, "b", A.replace("ReLU-Conv:3x3x4p1", "ReLU-Conv:5x5x4p2"))
    doc = diff_json(a, b)
    assert doc["schema"] == "cnncalc.diff/1"
    assert differing(doc) == [
        (
            "changed",
            "Conv:3x3x4p1",
            "Conv:5x5x4p2",
            {"weights": 256, "macs": 16_384, "activation_bytes": 0},
        ),
    ]
    assert doc["summary"] == {"same": 4, "changed": 1, "affected": 0, "added": 0, "removed": 0,
                              "regrouped": 0, "renamed": 0}  # fmt: skip
    t = doc["totals"]
    # totals: weights 112 + 148 + 50 = 310 → 112 + 404 + 50 = 566; weight memory ×4 B
    assert (t["weights"]["a"], t["weights"]["b"], t["weights"]["delta"]) == (310, 566, 256)
    assert t["weight_bytes"]["delta"] == 1_024
    # MACs 6,912 + 9,216 + 40 = 16,168 → 6,912 + 25,600 + 40 = 32,552; FLOPs twice that
    assert (t["macs"]["a"], t["macs"]["b"], t["macs"]["delta"]) == (16_168, 32_552, 16_384)
    assert t["flops"]["delta"] == 32_768
    # activation memory 1,024 + 1,024 + 16 + 40 = 2,104 B on both sides
    assert (t["activation_bytes"]["a"], t["activation_bytes"]["delta"]) == (2_104, 0)
    assert t["weights"]["delta_pct"] == pytest.approx(256 / 310 * 100)


def test_an_inserted_layer_is_one_added_row(tmp_path: Path) -> None:
    # B adds BN after Conv:1: weights 2·4 = +8, a new 8×8×4 output = +1,024 B, no MACs.
    a = write(tmp_path, "a", A)
    b = write(tmp_path, "b", A.replace("p1-ReLU", "p1-BN-ReLU"))
    doc = diff_json(a, b)
    assert differing(doc) == [
        ("added", None, "BN", {"weights": 8, "macs": 0, "activation_bytes": 1_024}),
    ]
    t = doc["totals"]
    assert (t["weights"]["delta"], t["macs"]["delta"], t["activation_bytes"]["delta"]) == (
        8,
        0,
        1_024,
    )
    # and the other way round: one removed row with the opposite deltas
    back = diff_json(b, a)
    assert differing(back) == [
        ("removed", "BN", None, {"weights": -8, "macs": 0, "activation_bytes": -1_024}),
    ]


def test_a_change_upstream_marks_rows_below_as_affected() -> None:
    # B gives Conv:1 8 filters instead of 4:
    #   Conv:1 changed:  weights (27 + 1)·8 = 224 (+112), MACs 8·8·8·27 = 13,824 (+6,912),
    #                    memory 8·8·8·4 = 2,048 B (+1,024 B)
    #   ReLU:1 affected: its input is now 8×8×8 (in place: ±0)
    #   Conv:2 affected: same text, weights (3·3·8 + 1)·4 = 292 (+144),
    #                    MACs 8·8·4·72 = 18,432 (+9,216), output still 8×8×4 (±0)
    #   GAP, FC: unchanged
    b = A.replace("In:8x8x3-Conv:3x3x4p1", "In:8x8x3-Conv:3x3x8p1")
    doc = diff_json(A, b)
    assert differing(doc) == [
        (
            "changed",
            "Conv:3x3x4p1",
            "Conv:3x3x8p1",
            {"weights": 112, "macs": 6_912, "activation_bytes": 1_024},
        ),
        ("affected", "ReLU", "ReLU", {"weights": 0, "macs": 0, "activation_bytes": 0}),
        (
            "affected",
            "Conv:3x3x4p1",
            "Conv:3x3x4p1",
            {"weights": 144, "macs": 9_216, "activation_bytes": 0},
        ),
    ]
    # totals: +112 + 144 = +256 weights; +6,912 + 9,216 = +16,128 MACs
    assert doc["totals"]["weights"]["delta"] == 256
    assert doc["totals"]["macs"]["delta"] == 16_128


def test_identical_nets_and_builtin_names() -> None:
    doc = diff_json("alexnet", "alexnet")
    assert doc["identical"] is True
    assert all(t["delta"] == 0 for t in doc["totals"].values())
    result = runner.invoke(app, ["diff", "lenet5", "lenet5"])
    assert result.exit_code == 0
    assert "no differences" in result.stdout


def test_same_rows_with_other_settings_are_not_identical(tmp_path: Path) -> None:
    # adam keeps 2 states per weight (DESIGN §4): A's 310 weights · 4 B · 2 = +2,480 B of
    # training memory, and a float32 step per parameter tensor (two convs and the FC, each a
    # weight and a bias: 6 · 4 B = 24 B), while every row is the same
    sgd = tmp_path / "sgd.toml"
    sgd.write_text(f'layers = "{A}"\n', encoding="utf-8")
    adam = tmp_path / "adam.toml"
    adam.write_text(f'layers = "{A}"\n[profile]\noptimizer = "adam"\n', encoding="utf-8")
    doc = diff_json(str(sgd), str(adam))
    assert doc["identical"] is False
    assert doc["totals"]["train_bytes"]["delta"] == 2_480 + 24
    result = runner.invoke(app, ["diff", str(sgd), str(adam)])
    assert "only the totals differ (training memory)" in result.stdout
    assert "optimizer adam" in result.stdout


def test_options_apply_to_both_sides() -> None:
    # --batch 2 --dtype fp16 (2 B): the Conv:2 change above costs 256·2 B = +512 B of weight
    # memory and 16,384·2 = +32,768 MACs.
    b = A.replace("ReLU-Conv:3x3x4p1", "ReLU-Conv:5x5x4p2")
    doc = diff_json(A, b, "--batch", "2", "--dtype", "fp16")
    assert (doc["a"]["batch"], doc["b"]["dtype"]) == (2, "fp16")
    assert doc["totals"]["weight_bytes"]["delta"] == 512
    assert doc["totals"]["macs"]["delta"] == 32_768


def test_table_and_markdown_show_the_changed_row(tmp_path: Path) -> None:
    b = A.replace("ReLU-Conv:3x3x4p1", "ReLU-Conv:5x5x4p2")
    table = runner.invoke(app, ["diff", A, b])
    assert table.exit_code == 0, table.output
    marked = [line for line in table.stdout.splitlines() if line.startswith("~")]
    assert len(marked) == 1
    assert "Conv:3x3x4p1 → Conv:5x5x4p2" in marked[0] and "148 → 404" in marked[0]
    assert "+256" in marked[0] and "+16,384" in marked[0]

    md = runner.invoke(app, ["diff", A, b, "--format", "markdown"])
    assert md.exit_code == 0
    rows = [line for line in md.stdout.splitlines() if line.startswith("| ~ ")]
    assert len(rows) == 1 and "+256" in rows[0]
    assert "4 unchanged rows not shown" in md.stdout
    assert "| weights | 310 | 566 | +256 | +82.6% |" in md.stdout  # 256 / 310 = 82.6 %


@pytest.mark.parametrize("a, b, message", [
    (A, "In:8x8x3-Cnov:3x3x4", "unknown layer 'Cnov'"),
    ("missing.toml", A, "no such spec file: missing.toml"),
])  # fmt: skip
def test_bad_input_exits_2(a: str, b: str, message: str) -> None:
    result = runner.invoke(app, ["diff", a, b])
    assert result.exit_code == 2
    assert message in result.stderr


def test_an_added_block_starts_at_its_header() -> None:
    # B has a third identical residual block. Several alignments are equally short (the added
    # rows could start at any row of a block); the diff shows the one that starts at the
    # block's header, followed by its two rows and the ReLU after it.
    #   the block: Conv (3·3·4 + 1)·4 = 148 weights, 8·8·4·36 = 9,216 MACs; ReLUs add nothing
    block = "Res(Conv:3x3x4p1-ReLU)-ReLU-"
    a = "In:8x8x4-" + block * 2 + "GAP-FC:10"
    b = "In:8x8x4-" + block * 3 + "GAP-FC:10"
    doc = diff_json(a, b)
    added = [(r["b"]["kind"], r["b"]["depth"]) for r in doc["rows"] if r["status"] == "added"]
    assert added == [("Res", 0), ("Conv", 1), ("ReLU", 1), ("ReLU", 0)]
    assert doc["summary"]["changed"] == doc["summary"]["affected"] == 0
    assert (doc["totals"]["weights"]["delta"], doc["totals"]["macs"]["delta"]) == (148, 9_216)


def test_an_insertion_slides_to_start_at_the_block_header() -> None:
    """SequenceMatcher may report a block added as [ReLU, Res, Conv] starting mid-block
    (as it does for resnet18 → resnet34's layer3); every shift of the hunk over equal rows is
    an equally short diff, and the one starting at the block header is shown."""
    from cnncalc.diff import _slide

    # issue 15: the layers alone are aligned, on their kind; a layer's score is the depth of the shallowest
    # block that opens at it (Res at depth 0 opens at its Conv), else none (a large number)
    conv, relu, none = ("Conv", "Conv:3x3x4p1"), ("ReLU", "ReLU"), 1 << 30
    a, score_a = [conv, relu], [0, none]
    b, score_b = [conv, relu, conv, relu], [0, none, 0, none]
    # matcher-style opcodes: a[0:1] = b[0:1], b[1:3] inserted, a[1:2] = b[3:4]
    ops = [["equal", 0, 1, 0, 1], ["insert", 1, 1, 1, 3], ["equal", 1, 2, 3, 4]]
    got = _slide(ops, (a, b), (a, b), (score_a, score_b))  # kinds, exact keys, blocks opened
    assert got == [["equal", 0, 2, 0, 2], ["insert", 2, 2, 2, 4]]
