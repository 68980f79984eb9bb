"""Whole-net figures of DESIGN §4, derived by hand for tiny nets: batch and dtype scaling,
FLOPs, backward FLOPs, peak and training memory, the in-place convention."""

from __future__ import annotations

import pytest

import cnncalc

# seed 000: AlexNet has 62,369,152 weights and 781,736 nodes per image (DESIGN §9).
ALEX_WEIGHTS = 62_369_152
ALEX_NODES = 781_736
# AlexNet MACs per image, by hand from the seed table (Hout·Wout·F·Kh·Kw·C and in·out):
ALEX_MACS = (
    55 * 55 * 96 * 11 * 11 * 3  # conv1 105,415,200
    + 27 * 27 * 256 * 5 * 5 * 96  # conv2 447,897,600
    + 13 * 13 * 384 * 3 * 3 * 256  # conv3 149,520,384
    + 13 * 13 * 384 * 3 * 3 * 384  # conv4 224,280,576
    + 13 * 13 * 256 * 3 * 3 * 384  # conv5 149,520,384
    + 6 * 6 * 256 * 4096  # fc6
    + 4096 * 4096  # fc7
    + 4096 * 1000  # fc8
)

# DESIGN §2: --dtype fp32/fp16/bf16/int8/fp64 → bytes per element
DTYPES = [("fp32", 4), ("fp16", 2), ("bf16", 2), ("int8", 1), ("fp64", 8)]


@pytest.mark.parametrize("batch", [1, 3, 32])
@pytest.mark.parametrize(("dtype", "size"), DTYPES)
def test_batch_and_dtype_scaling(batch, dtype, size) -> None:
    """Weights and nodes do not depend on them; MACs scale with batch; bytes with both."""
    t = cnncalc.analyze("alexnet", batch=batch, dtype=dtype).totals
    assert t.weights == ALEX_WEIGHTS
    assert t.nodes == ALEX_NODES  # per image, as the seed counts
    assert t.weight_bytes == ALEX_WEIGHTS * size  # seed: ×4 = 249,476,608 at fp32
    assert t.activation_bytes == ALEX_NODES * batch * size
    assert t.macs == ALEX_MACS * batch
    assert t.flops == 2 * ALEX_MACS * batch


def test_rows_scale_with_batch() -> None:
    """Row figures are for the whole batch, except `nodes` (one image's output)."""
    one = cnncalc.analyze("alexnet").rows
    many = cnncalc.analyze("alexnet", batch=5).rows
    for a, b in zip(one, many):
        assert (b.nodes, b.weights) == (a.nodes, a.weights)
        assert (b.macs, b.flops, b.backward_flops) == (
            5 * a.macs,
            5 * a.flops,
            5 * a.backward_flops,
        )
        assert (b.other_ops, b.activation_bytes) == (5 * a.other_ops, 5 * a.activation_bytes)


@pytest.mark.parametrize(
    "spec",
    [
        "alexnet",
        "lenet5",
        "In:8x8x4-Res(Conv:3x3x8/2p1 | Conv:1x1x8/2)-Cat(Conv:1x1x4|Conv:3x3x4p1g2)-GAP-FC:10",
    ],
)
def test_flops_are_twice_the_macs(spec) -> None:
    """DESIGN §4: FLOPs = 2·MACs for every row and in total (what FlopCounterMode counts)."""
    report = cnncalc.analyze(spec, batch=2)
    for row in report.rows:
        assert row.flops == 2 * row.macs, row.name
    assert report.totals.flops == 2 * report.totals.macs
    assert report.totals.macs == sum(r.macs for r in report.rows if not r.block)


# Backward FLOPs (DESIGN §4): grad-weight 2·MACs plus grad-input 2·MACs for each conv/FC,
# except the first weight layer, whose input needs no gradient. MACs by hand:
# Conv:3x3x4p1 on 8×8×3: 8·8·4·3·3·3 = 6,912; FC:10 after the 4×4×4 pool: 64·10 = 640.
BACKWARD = [
    # first conv: grad-weight only 2·6,912; FC: 4·640 → 13,824 + 2,560
    ("In:8x8x3-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10", [13_824, 2_560], 16_384),
    # an element-wise layer before it changes nothing: its input needs no gradient either
    ("In:8x8x3-ReLU-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10", [13_824, 2_560], 16_384),
    # a BN before the first conv has weights, so the conv must pass a gradient back: 4·6,912
    ("In:8x8x3-BN-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10", [27_648, 2_560], 30_208),
    # two branches both reading the input: both are "first" weight layers
    # Conv:1x1x2 on 4×4×2: 4·4·2·2 = 64 MACs; each 2·64 = 128
    ("In:4x4x2-Cat(Conv:1x1x2|Conv:1x1x2)", [128, 128], 256),
    # FC after FC: FC:10 on 20 is 200 MACs (2·200), FC:5 on 10 is 50 MACs (4·50)
    ("In:20-FC:10-FC:5", [400, 200], 600),
]


@pytest.mark.parametrize(("spec", "per_layer", "total"), BACKWARD, ids=[b[0] for b in BACKWARD])
def test_backward_flops(spec, per_layer, total) -> None:
    """Per weight layer and in total."""
    report = cnncalc.analyze(spec)
    weighted = [r for r in report.rows if r.kind in ("Conv", "FC")]
    assert [r.backward_flops for r in weighted] == per_layer
    assert report.totals.backward_flops == total


# The tiny chain In:8x8x3-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10, by hand at fp32, batch 1:
#   input 8·8·3 = 192 elements = 768 B
#   Conv:1 → 8×8×4 = 256 elements = 1,024 B; weights (3·3·3+1)·4 = 112
#   ReLU:1 in place (no new bytes)
#   Pool:1 → 4×4×4 = 64 elements = 256 B
#   FC:2 → 10 elements = 40 B; weights (64+1)·10 = 650
#   weights 762 = 3,048 B
TINY = "In:8x8x3-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10"


def test_tiny_chain_memory() -> None:
    """Activation memory, nodes and peak inference memory by hand."""
    t = cnncalc.analyze(TINY).totals
    assert t.weights == 762
    assert t.weight_bytes == 3_048
    # activations: 1,024 + 256 + 40 (the input and the in-place ReLU add nothing)
    assert t.activation_bytes == 1_320
    assert t.nodes == 330
    # peak: the conv reads the 768 B input while writing its 1,024 B output → 1,792 B
    # (later pairs are smaller: 1,024 + 256, 256 + 40)
    assert t.peak_activation_bytes == 1_792
    assert t.peak_bytes == 3_048 + 1_792


# Tensors saved for backward in the tiny chain (README: Conv and FC keep their input, ReLU
# its output, MaxPool its input and int64 indices; each storage counted once):
#   Conv: its input, 768 B; ReLU: its output, 1,024 B; Pool: its input = that same ReLU
#   output (counted once) + indices 64·8 = 512 B; FC: its input, 256 B → 2,560 B at fp32.
#   At fp16 the float tensors halve, the int64 indices do not: 384 + 512 + 512 + 128 = 1,536.
# Adam also keeps a float32 `step` scalar per parameter tensor (torch.optim.Adam's state):
# Conv and FC, each a weight and a bias → 4 · 4 B = 16 B.
TRAIN = [
    # dtype  optimizer   saved   train = 2·weights + optimizer state + saved
    ("fp32", "sgd", 2_560, 2 * 3_048 + 0 + 2_560),
    ("fp32", "momentum", 2_560, 2 * 3_048 + 3_048 + 2_560),
    ("fp32", "adam", 2_560, 2 * 3_048 + 2 * 3_048 + 16 + 2_560),
    ("fp16", "sgd", 1_536, 2 * 1_524 + 0 + 1_536),
    ("fp16", "adam", 1_536, 2 * 1_524 + 2 * 1_524 + 16 + 1_536),
]


@pytest.mark.parametrize(("dtype", "optimizer", "saved", "train"), TRAIN)
def test_tiny_chain_training_memory(dtype, optimizer, saved, train) -> None:
    """Weights + grads + optimizer state (sgd 0, momentum 1×, adam 2× weights and the step
    counters) + saved."""
    t = cnncalc.analyze(TINY, dtype=dtype, optimizer=optimizer).totals
    assert t.saved_bytes == saved
    steps = 16 if optimizer == "adam" else 0
    moments = {"sgd": 0, "momentum": 1, "adam": 2}[optimizer]
    assert t.optimizer_bytes == moments * t.weight_bytes + steps
    assert t.train_bytes == train


def test_training_memory_with_bn() -> None:
    """BN first: it saves its input (the 768 B image) and the batch's mean and inverse std
    (2·3 float32, 24 B), and its output feeds the conv, which saves that 768 B map; then as the
    tiny chain: 1,024 + 512 + 256. Weights 6 + 112 + 650 = 768 (3,072 B); 6 running statistics
    (24 B) and the int64 num_batches_tracked (8 B) → 2·3,072 + 32 + 3,352 = 9,528 B."""
    t = cnncalc.analyze("In:8x8x3-BN-Conv:3x3x4p1-ReLU-Pool:2/2-FC:10").totals
    assert t.saved_bytes == 768 + 24 + 768 + 1_024 + 512 + 256
    assert t.buffer_bytes == 24 + 8
    assert t.train_bytes == 9_528


def test_nothing_saved_before_the_first_weight() -> None:
    """A pool on the input has nothing to differentiate: it saves nothing (DESIGN §4).
    Only the FC saves its input: the 4×4×3 pool output, 48·4 = 192 B."""
    t = cnncalc.analyze("In:8x8x3-Pool-FC:10").totals
    assert t.saved_bytes == 192


# The in-place convention (README, seed 000): element-wise layers show their output but add
# no activation memory, which is how the seed's 781,736 nodes come about.
@pytest.mark.parametrize("layer", ["ReLU", "Tanh", "Sigmoid", "GELU", "Drop", "LReLU", "SM"])
def test_elementwise_layers_add_no_memory(layer) -> None:
    """The row shows its output; the totals do not change when it is added."""
    base = cnncalc.analyze("In:8x8x3-Conv:3x3x4p1")
    more = cnncalc.analyze(f"In:8x8x3-Conv:3x3x4p1-{layer}")
    row = more.rows[-1]
    assert row.output.dims == (8, 8, 4)
    assert row.activation_bytes == 0
    assert more.totals.activation_bytes == base.totals.activation_bytes == 1_024
    assert more.totals.peak_activation_bytes == base.totals.peak_activation_bytes


def test_flatten_is_a_view() -> None:
    """Flatten's output shares its input's storage: no bytes, no ops."""
    row = cnncalc.analyze("In:4x4x3-Flatten").rows[0]
    assert (row.activation_bytes, row.other_ops) == (0, 0)


def test_alexnet_nodes_exclude_elementwise_rows() -> None:
    """781,736 = the sum of the conv, pool and FC outputs of the seed table."""
    report = cnncalc.analyze("alexnet")
    counted = [r for r in report.rows if r.kind in ("Conv", "Pool", "FC")]
    assert sum(r.nodes for r in counted) == ALEX_NODES
    assert sum(r.activation_bytes for r in report.rows) == ALEX_NODES * 4


# Peak memory of blocks, by hand (fp32, batch 1).
PEAKS = [
    # Res with identity: the 4·4·2 = 32-element input (128 B) stays alive for the add while
    # the conv writes its 128 B output → 256 B; the add is in place.
    ("In:4x4x2-Res(Conv:3x3x2p1)", 256, 128),
    # Cat of two 1x1 convs: at the concatenation the two 128 B branch outputs and the
    # 4·4·4 = 64-element (256 B) result are alive → 512 B (the input is freed by then).
    ("In:4x4x2-Cat(Conv:1x1x2|Conv:1x1x2)", 512, 128 + 128 + 256),
    # a plain chain for contrast: input 128 B + conv output 4·4·8 = 128 elements (512 B)
    ("In:4x4x2-Conv:3x3x8p1", 640, 512),
]


@pytest.mark.parametrize(("spec", "peak", "activations"), PEAKS, ids=[p[0] for p in PEAKS])
def test_block_peak(spec, peak, activations) -> None:
    """Peak inference activation bytes and activation memory."""
    t = cnncalc.analyze(spec).totals
    assert t.peak_activation_bytes == peak
    assert t.activation_bytes == activations


def test_totals_do_not_double_count_blocks() -> None:
    """Block headers hold sums; totals add leaf rows for weights, MACs, FLOPs."""
    report = cnncalc.analyze(
        "In:8x8x4-(Res(Conv:3x3x4p1-BN)-ReLU)*2@stage-Cat(Conv:1x1x2|Conv:1x1x2)-GAP-FC:10"
    )
    leaf = [r for r in report.rows if not r.block]
    t = report.totals
    # by hand: two Res convs (3·3·4+1)·4 = 148 and BNs 8 each, two (4+1)·2 = 10, FC (4+1)·10
    assert t.weights == 2 * (148 + 8) + 2 * 10 + 50 == sum(r.weights for r in leaf)
    assert t.macs == sum(r.macs for r in leaf)
    assert t.backward_flops == sum(r.backward_flops for r in leaf)
    assert t.buffers == 16


def test_report_metadata() -> None:
    """What the figures are for."""
    report = cnncalc.analyze("lenet5", batch=4, dtype="bf16", optimizer="momentum")
    assert (report.name, report.batch, report.dtype, report.optimizer) == (
        "lenet5", 4, "bf16", "momentum",
    )  # fmt: skip
    assert report.dtype_bytes == 2
    assert report.output.dims == (10,)
