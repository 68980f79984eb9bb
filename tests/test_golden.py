"""The golden numbers of DESIGN §9, each taken from the seed lecture notes in shared/seeds/."""

from __future__ import annotations

import pytest

import cnncalc

# seed 000 (000_4bf52fba70c6a215.txt, lines ~370-400): the AlexNet table
# "층 / 필터/블록 크기 / 필터 개수 / 스트라이드 / 패딩 / 노드개수 (출력 크기) / 학습대상 가중치 개수".
# Every number below is copied from that table; the weights are the seed's own formulas.
ALEXNET_ROWS = [
    # row       size       filters stride padding  output           nodes    weights
    ("Conv:1", "11×11×3", "96", "4", "3", (55, 55, 96), 290_400, 34_944),  # (11·11·3+1)·96
    ("Pool:1", "3×3", "", "2", "", (27, 27, 96), 69_984, 0),
    ("Conv:2", "5×5×96", "256", "1", "2", (27, 27, 256), 186_624, 614_656),  # (5·5·96+1)·256
    ("Pool:2", "3×3", "", "2", "", (13, 13, 256), 43_264, 0),
    ("Conv:3", "3×3×256", "384", "1", "1", (13, 13, 384), 64_896, 885_120),  # (3·3·256+1)·384
    ("Conv:4", "3×3×384", "384", "1", "1", (13, 13, 384), 64_896, 1_327_488),  # (3·3·384+1)·384
    ("Conv:5", "3×3×384", "256", "1", "1", (13, 13, 256), 43_264, 884_992),  # (3·3·384+1)·256
    # The seed prints 256 in Pool:5's filter column, a slip: a pool has no filters.
    ("Pool:5", "3×3", "", "2", "", (6, 6, 256), 9_216, 0),
    ("FC:6", "", "", "", "", (4096,), 4096, 37_748_736),  # 6·6·256·4096, no bias
    ("FC:7", "", "", "", "", (4096,), 4096, 16_777_216),  # 4096·4096
    ("FC:8", "", "", "", "", (1000,), 1000, 4_096_000),  # 4096·1000
]

# seed 000: "4바이트 float 사용시 249,476,608 바이트" and "노드 개수: 781,736".
# The seed's "개수 : 58,621,952" disagrees with its own rows: the rows sum to 62,369,152,
# and 249,476,608 / 4 = 62,369,152 (DESIGN §9: cnncalc prints the true sum).
ALEXNET_WEIGHTS = 62_369_152
ALEXNET_WEIGHT_BYTES = 249_476_608
ALEXNET_NODES = 781_736

# DESIGN §4 row naming, which follows the seed table: weight layers numbered 1, 2, 3…,
# every other layer takes the number of the last weight layer.
# fmt: off
ALEXNET_NAMES = [
    "Conv:1", "ReLU:1", "Pool:1", "Conv:2", "ReLU:2", "Pool:2", "Conv:3", "ReLU:3",
    "Conv:4", "ReLU:4", "Conv:5", "ReLU:5", "Pool:5", "FC:6", "ReLU:6", "FC:7", "ReLU:7",
    "FC:8", "SM:8",
]
# fmt: on


@pytest.fixture(scope="module")
def alexnet() -> cnncalc.analysis.Report:
    """The built-in AlexNet spec, analysed once for this module."""
    return cnncalc.analyze("alexnet")


def test_seed_rows_add_up_to_the_true_total() -> None:
    """The seed's own rows and byte figure agree on 62,369,152 (its printed total does not)."""
    assert sum(r[-1] for r in ALEXNET_ROWS) == ALEXNET_WEIGHTS
    assert ALEXNET_WEIGHT_BYTES == 4 * ALEXNET_WEIGHTS
    # 781,736 nodes = the sum of the seed's node column (the input is not counted).
    assert sum(r[-2] for r in ALEXNET_ROWS) == ALEXNET_NODES


@pytest.mark.parametrize(
    ("name", "size", "filters", "stride", "padding", "output", "nodes", "weights"),
    ALEXNET_ROWS,
    ids=[r[0] for r in ALEXNET_ROWS],
)
def test_alexnet_row(alexnet, name, size, filters, stride, padding, output, nodes, weights):
    """Every row of the seed table: output shape, node count, weights and the text columns."""
    row = {r.name: r for r in alexnet.rows}[name]
    assert row.output.dims == output
    assert row.nodes == nodes
    assert row.weights == weights
    assert (row.columns.size, row.columns.stride) == (size, stride)
    if name.startswith("Conv"):
        assert (row.columns.filters, row.columns.padding) == (filters, padding)


def test_alexnet_totals(alexnet) -> None:
    """Totals of the seed table: weights, bytes of weights at fp32, nodes; input 224×224×3."""
    assert alexnet.input.dims == (224, 224, 3)  # seed: 입력 224×224×3 (=150,528)
    assert alexnet.input.numel == 150_528
    assert alexnet.totals.weights == ALEXNET_WEIGHTS
    assert alexnet.totals.weight_bytes == ALEXNET_WEIGHT_BYTES
    assert alexnet.totals.nodes == ALEXNET_NODES
    # seed: "메모리 요구량: ≈ 3MB" for the nodes at 4 bytes: 781,736·4 = 3,126,944 B.
    assert alexnet.totals.activation_bytes == 3_126_944
    assert alexnet.output.dims == (1000,)


def test_alexnet_row_names(alexnet) -> None:
    """Rows are named as in the seed (DESIGN §4), with the ReLU and softmax rows between."""
    assert [r.name for r in alexnet.rows] == ALEXNET_NAMES


# seed 001 (001_dcaa228583329770.txt): LeNet-5, input (1, 32, 32), tanh, avg_pool2d(2, 2),
# conv1/2/3 = Conv2d(1,6,5), (6,16,5), (16,120,5), fc1 = Linear(120, 84), fc2 = Linear(84, 10).
LENET_ROWS = [
    # row        output         weights
    ("Conv:1", (28, 28, 6), 156),  # C1: (5·5·1+1)·6; 32-5+1 = 28
    ("AvgPool:1", (14, 14, 6), 0),  # S2: 2×2, stride 2
    ("Conv:2", (10, 10, 16), 2_416),  # C3: (5·5·6+1)·16; 14-5+1 = 10
    ("AvgPool:2", (5, 5, 16), 0),  # S4
    ("Conv:3", (1, 1, 120), 48_120),  # C5: (5·5·16+1)·120; 5-5+1 = 1
    ("FC:4", (84,), 10_164),  # F6: (120+1)·84
    ("FC:5", (10,), 850),  # output: (84+1)·10
]


@pytest.mark.parametrize(("name", "output", "weights"), LENET_ROWS, ids=[r[0] for r in LENET_ROWS])
def test_lenet5_row(name, output, weights) -> None:
    """DESIGN §9, seed 001: each LeNet-5 row."""
    row = {r.name: r for r in cnncalc.analyze("lenet5").rows}[name]
    assert (row.output.dims, row.weights) == (output, weights)


def test_lenet5_total() -> None:
    """156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 (DESIGN §9)."""
    report = cnncalc.analyze("lenet5")
    assert report.input.dims == (32, 32, 1)
    assert report.totals.weights == 61_706


# DESIGN §9 small cases: (seed, DSL, expected output per weight row / listed row, weights).
SMALL_CASES = [
    # seed 004, lines 140-142: 32x32x3, 10 filters 5x5x3, stride 1, pad 2
    # → (32-5+2·2)/1+1 = 32 → 32x32x10; parameters 10·(5·5·3+1) = 760
    ("004", "In:32x32x3-Conv:5x5x10p2", [(32, 32, 10)], [760]),
    # seed 004, lines 148-150: 32x32x3, 6 filters 1x1x3 → 32x32x6; 6·(1·1·3+1) = 24
    ("004", "In:32x32x3-Conv:1x1x6", [(32, 32, 6)], [24]),
    # seed 004, lines 81-84: 32x32x3 and one 5x5x3 filter → (32-5)/1+1 = 28 → 28x28x1
    ("004", "In:32x32x3-Conv:5x5x1", [(28, 28, 1)], [76]),  # (5·5·3+1)·1
    # seed 004, lines 96-97: six 5x5x3 filters → 28x28x6; parameters 6·(5·5·3+1) = 456
    # (the seed writes `6x(5x3x3+1)`, a typo for the same formula)
    ("004", "In:32x32x3-Conv:5x5x6", [(28, 28, 6)], [456]),
    # seed 004, line 143: the same map fully connected: (32·32·3)·(32·32·10) = 31,457,280
    ("004", "In:32x32x3-FC:10240nb", [(10240,)], [31_457_280]),
    # seed 002, lines 269-281 (Keras summary): 4x4x512 → flatten 8192 → Dense 300 → Dense 10
    # with dropouts between: 2,457,900 = (8192+1)·300 and 3,010 = (300+1)·10.
    (
        "002",
        "In:4x4x512-Flatten-Drop-FC:300-Drop-FC:10",
        [(8192,), (300,), (10,)],
        [0, 2_457_900, 3_010],
    ),
    # seed 002: the GAP variant: GAP gives 512 values → (512+1)·300 = 153,900, then 3,010.
    (
        "002",
        "In:4x4x512-GAP-Drop-FC:300-Drop-FC:10",
        [(1, 1, 512), (300,), (10,)],
        [0, 153_900, 3_010],
    ),
    # seed 003, lines 96-99: Input (3, 256, 256); conv 64 filters 3x3, stride 1, padding
    # → (64, 256, 256); pooling 2x2 stride 2 → (64, 128, 128)
    (
        "003",
        "In:256x256x3-Conv:3x3x64psame-ReLU-Pool:2/2",
        [(256, 256, 64), (128, 128, 64)],
        [1_792, 0],
    ),  # (3·3·3+1)·64 = 1,792
    # seed 000, lines ~130-200 (Conv2D worked example): X 5x5, W 3x3, bias w0.
    # p=(0,0), s=(1,1) → 3x3; p=(1,1), s=(1,1) → 5x5; p=(1,1), s=(2,2) → (5+2-3)/2+1 = 3.
    # (The seed prints a 2x2 result for the last one: its loop steps range() by s over the
    # already divided count; the formula gives 3, DESIGN §9.)
    ("000", "In:5x5x1-Conv:3x3x1", [(3, 3, 1)], [10]),  # 3·3 weights + w0
    ("000", "In:5x5x1-Conv:3x3x1p1", [(5, 5, 1)], [10]),
    ("000", "In:5x5x1-Conv:3x3x1p1/2", [(3, 3, 1)], [10]),
]


@pytest.mark.parametrize(
    ("seed", "dsl", "outputs", "weights"), SMALL_CASES, ids=[c[1] for c in SMALL_CASES]
)
def test_small_golden(seed, dsl, outputs, weights) -> None:
    """Rows that change the shape (everything but element-wise layers), in order."""
    report = cnncalc.analyze(dsl)
    shaping = [r for r in report.rows if r.kind not in ("ReLU", "Drop")]
    assert [r.output.dims for r in shaping] == outputs, f"seed {seed}"
    assert [r.weights for r in shaping] == weights, f"seed {seed}"


def test_seed_002_flatten_size() -> None:
    """seed 002: the Keras summary shows flatten_1 (None, 8192) = 4·4·512."""
    report = cnncalc.analyze("In:4x4x512-Flatten")
    assert report.rows[0].output.dims == (8192,)


def test_seed_004_stride_3_needs_padding() -> None:
    """seed 004, lines 127-129: stride 3 on a 7x7 input gives a fractional size,
    (7-3)/3+1 = 2.33; with zero padding 1 it is (7-3+2)/3+1 = 3 → 3x3."""
    rough = cnncalc.analyze("In:7x7x1-Conv:3x3x1/3")
    assert rough.rows[0].output.dims == (2, 2, 1)
    assert rough.rows[0].warnings, "a non-integer size must be flagged (DESIGN §4)"
    padded = cnncalc.analyze("In:7x7x1-Conv:3x3x1/3p1")
    assert padded.rows[0].output.dims == (3, 3, 1)
    assert padded.rows[0].warnings == ()
