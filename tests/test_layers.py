"""Every layer kind and modifier of DESIGN §3 against hand-derived numbers.

The size formula (DESIGN §3, seed 003/004): out = floor((N + 2P − D(K−1) − 1) / S) + 1.
Weights (DESIGN §3): Conv (Kh·Kw·C/G + bias)·F, FC (in + bias)·N, BN 2C.
MACs (DESIGN §4): Conv Hout·Wout·F·Kh·Kw·C/G, FC in·out.
Receptive field (DESIGN §4, the standard recurrence) from the input's (size 1, jump 1,
start 0.5): size += (D(K−1)+1 − 1)·jump; jump ·= S; start += ((D(K−1)+1 − 1)/2 − P)·jump.
"""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.analysis import Row
from cnncalc.layers import KINDS


def first_row(dsl: str, inp: str, **kw) -> Row:
    """The row of a single layer `dsl` applied to input `inp`."""
    report = cnncalc.analyze(f"In:{inp}-{dsl}", **kw)
    assert len(report.rows) == 1
    return report.rows[0]


# fmt: off
CASES = [
    # dsl                     input       output         weights  MACs    rf (H,W)  jump (H,W)
    # -- Conv ---------------------------------------------------------------------------------
    # (8-3)/1+1 = 6; (3·3·3+1)·8 = 224; 6·6·8·3·3·3 = 7,776
    ("Conv:3x3x8",            "8x8x3",   (6, 6, 8),      224,    7_776, (3, 3),  (1, 1)),
    # stride /2: (9-3)/2+1 = 4; 4·4·8·27 = 3,456
    ("Conv:3x3x8/2",          "9x9x3",   (4, 4, 8),      224,    3_456, (3, 3),  (2, 2)),
    # stride /2x1: H (9-3)/2+1 = 4, W (9-3)/1+1 = 7; 4·7·8·27 = 6,048
    ("Conv:3x3x8/2x1",        "9x9x3",   (4, 7, 8),      224,    6_048, (3, 3),  (2, 1)),
    # p1: (8-3+2)/1+1 = 8; 8·8·8·27 = 13,824
    ("Conv:3x3x8p1",          "8x8x3",   (8, 8, 8),      224,   13_824, (3, 3),  (1, 1)),
    # p1x0: H (8-3+2)+1 = 8, W (8-3+0)+1 = 6; 8·6·8·27 = 10,368
    ("Conv:3x3x8p1x0",        "8x8x3",   (8, 6, 8),      224,   10_368, (3, 3),  (1, 1)),
    # psame keeps 7×5; 7·5·8·27 = 7,560
    ("Conv:3x3x8psame",       "7x5x3",   (7, 5, 8),      224,    7_560, (3, 3),  (1, 1)),
    # psame with an even kernel keeps 8×8 too; (4·4·3+1)·8 = 392; 8·8·8·48 = 24,576
    ("Conv:4x4x8psame",       "8x8x3",   (8, 8, 8),      392,   24_576, (4, 4),  (1, 1)),
    # d2: extent 2·(3-1)+1 = 5: (9-5)/1+1 = 5; 5·5·8·27 = 5,400; RF 5
    ("Conv:3x3x8d2",          "9x9x3",   (5, 5, 8),      224,    5_400, (5, 5),  (1, 1)),
    # g2 on 4 channels: C/G = 2; (3·3·2+1)·8 = 152; 6·6·8·3·3·2 = 5,184
    ("Conv:3x3x8g2",          "8x8x4",   (6, 6, 8),      152,    5_184, (3, 3),  (1, 1)),
    # depthwise g8: (3·3·1+1)·8 = 80; 8·8·8·9 = 4,608
    ("Conv:3x3x8g8p1",        "8x8x8",   (8, 8, 8),       80,    4_608, (3, 3),  (1, 1)),
    # nb: 3·3·3·8 = 216
    ("Conv:3x3x8nb",          "8x8x3",   (6, 6, 8),      216,    7_776, (3, 3),  (1, 1)),
    # non-square kernel 3×5 on 10×12×2: H 10-3+1 = 8, W 12-5+1 = 8; (15·2+1)·4 = 124;
    # 8·8·4·3·5·2 = 7,680
    ("Conv:3x5x4",            "10x12x2", (8, 8, 4),      124,    7_680, (3, 5),  (1, 1)),
    # every modifier, in an unusual order: d2 extent 5, p2, /2: (16+4-5)/2+1 = 8.5 → 8;
    # g4: C/G = 2; nb: 3·3·2·16 = 288; 8·8·16·3·3·2 = 18,432
    ("Conv:3x3x16nbg4p2d2/2", "16x16x8", (8, 8, 16),     288,   18_432, (5, 5),  (2, 2)),
    # seed 000 AlexNet conv1: (224-11+6)/4+1 = 55.75 → 55; 55·55·96·11·11·3 = 105,415,200
    ("Conv:11x11x96/4p3",     "224x224x3", (55, 55, 96), 34_944, 105_415_200, (11, 11), (4, 4)),
    # -- Conv padding modes and TensorFlow's 'same' with a stride (issue 11) ------------------
    # reflect fills the border from the input: the same numbers as zeros
    ("Conv:3x3x8p1reflect",   "8x8x3",   (8, 8, 8),      224,   13_824, (3, 3),  (1, 1)),
    # TF same, stride 2: ⌈9/2⌉ = 5, padding (5−1)·2 + 3 − 9 = 2, 1 on each side; 5·5·8·27
    ("Conv:3x3x8psame/2",     "9x9x3",   (5, 5, 8),      224,    5_400, (3, 3),  (2, 2)),
    # ⌈8/2⌉ = 4, padding 3·2 + 3 − 8 = 1: 0 before, 1 after; 4·4·8·27 = 3,456
    ("Conv:3x3x8/2psamereplicate", "8x8x3", (4, 4, 8),   224,    3_456, (3, 3),  (2, 2)),
    # -- Pool / MaxPool -----------------------------------------------------------------------
    # `Pool` alone is Pool:2/2 (DESIGN §3): 8/2 = 4; RF 2, jump 2
    ("Pool",                  "8x8x4",   (4, 4, 4),        0,        0, (2, 2),  (2, 2)),
    # seed 000 Pool:5: (13-3)/2+1 = 6
    ("Pool:3/2",              "13x13x256", (6, 6, 256),    0,        0, (3, 3),  (2, 2)),
    # stride defaults to K: (9-3)/3+1 = 3
    ("Pool:3",                "9x9x2",   (3, 3, 2),        0,        0, (3, 3),  (3, 3)),
    # p1: (8+2-3)/2+1 = 4.5 → 4
    ("Pool:3/2p1",            "8x8x2",   (4, 4, 2),        0,        0, (3, 3),  (2, 2)),
    # ceil: ceil((8-3)/2)+1 = 4 (floor would give 3); the last window starts at 6 < 8
    ("Pool:3/2ceil",          "8x8x2",   (4, 4, 2),        0,        0, (3, 3),  (2, 2)),
    # ceil with padding: ceil((5+2-2)/2)+1 = 4, but window 4 would start at 3·2 = 6 ≥ 5+1,
    # entirely in the right padding, so PyTorch drops it → 3
    ("Pool:2/2p1ceil",        "5x5x1",   (3, 3, 1),        0,        0, (2, 2),  (2, 2)),
    # non-square window and stride: H (6-2)/1+1 = 5, W (7-3)/2+1 = 3
    ("MaxPool:2x3/1x2",       "6x7x1",   (5, 3, 1),        0,        0, (2, 3),  (1, 2)),
    # -- AvgPool / StochPool (same arithmetic as Pool) -----------------------------------------
    # seed 001 S2: 28/2 = 14
    ("AvgPool:2",             "28x28x6", (14, 14, 6),      0,        0, (2, 2),  (2, 2)),
    # ceil((8+2-3)/2)+1 = 5; window 5 starts at 4·2 = 8 < 8+1: kept
    ("AvgPool:3/2p1ceil",     "8x8x2",   (5, 5, 2),        0,        0, (3, 3),  (2, 2)),
    ("StochPool:2/2",         "8x8x3",   (4, 4, 3),        0,        0, (2, 2),  (2, 2)),
    ("StochPool:3/2",         "7x7x3",   (3, 3, 3),        0,        0, (3, 3),  (2, 2)),
    # -- GAP, AdaptAvg -------------------------------------------------------------------------
    # GAP: 1×1×C; it sees the whole 5×7 map (RF 5×7)
    ("GAP",                   "5x7x4",   (1, 1, 4),        0,        0, (5, 7),  (1, 1)),
    ("AdaptAvg:2x3",          "8x9x5",   (2, 3, 5),        0,        0, (4, 3),  (4, 3)),
    # AdaptAvg:N means N×N; seed 000's pool5 size 6×6×256
    ("AdaptAvg:6",            "13x13x256", (6, 6, 256),    0,        0, (3, 3),  (2, 2)),
    # -- FC / Dense / Linear -------------------------------------------------------------------
    # implicit flatten: 4·5·3 = 60 inputs; (60+1)·10 = 610; MACs 600; sees 4×5
    ("FC:10",                 "4x5x3",   (10,),          610,      600, (4, 5),  (1, 1)),
    # nb on a vector: 20·10 = 200
    ("FC:10nb",               "20",      (10,),          200,      200, (1, 1),  (1, 1)),
    ("Dense:5",               "8",       (5,),            45,       40, (1, 1),  (1, 1)),
    ("Linear:3nb",            "2x2x2",   (3,),            24,       24, (2, 2),  (1, 1)),
    # -- Flatten -------------------------------------------------------------------------------
    ("Flatten",               "3x4x5",   (60,),            0,        0, (1, 1),  (1, 1)),
    # -- activations, softmax: shape unchanged, nothing trainable ------------------------------
    ("ReLU",                  "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("ReLU6",                 "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("LReLU",                 "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("LReLU:0.2",             "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("Tanh",                  "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("Sigmoid",               "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("GELU",                  "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("SiLU",                  "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("HSwish",                "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("HSigmoid",              "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("ELU",                   "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("ELU:0.5",               "10",      (10,),            0,        0, (1, 1),  (1, 1)),
    ("Mish",                  "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("SM",                    "10",      (10,),            0,        0, (1, 1),  (1, 1)),
    ("Softmax",               "3x3x4",   (3, 3, 4),        0,        0, (1, 1),  (1, 1)),
    # -- BN: 2C trainable (γ, β), on a map (BatchNorm2d) and on a vector (BatchNorm1d) ------
    ("BN",                    "4x4x3",   (4, 4, 3),        6,        0, (1, 1),  (1, 1)),
    ("BN",                    "10",      (10,),           20,        0, (1, 1),  (1, 1)),
    # -- LRN, Drop -----------------------------------------------------------------------------
    ("LRN",                   "4x4x8",   (4, 4, 8),        0,        0, (1, 1),  (1, 1)),
    ("LRN:3",                 "5x5x6",   (5, 5, 6),        0,        0, (1, 1),  (1, 1)),
    ("Drop",                  "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("Drop:0.2",              "10",      (10,),            0,        0, (1, 1),  (1, 1)),
    # -- Id, SE --------------------------------------------------------------------------------
    ("Id",                    "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    # SE on C = 8 with n = 2: (8+1)·2 + (2+1)·8 = 42; MACs 8·2 + 2·8 = 32 on the pooled vector
    ("SE:2",                  "4x4x8",   (4, 4, 8),       42,       32, (1, 1),  (1, 1)),
    # -- ConvT (issue 11): out (H−1)·S − 2P + D(K−1) + OP + 1; weights Kh·Kw·C·F/G + F;
    # MACs Hin·Win·C·Kh·Kw·F/G; RF: ceil((D(K−1)+1)/S) input pixels, jump ÷ S -------------
    # (5−1)·2 + 1 + 1 = 10, (6−1)·2 + 2 = 12; 2·2·4·8 + 8 = 136; 5·6·4·2·2·8 = 3,840
    ("ConvT:2x2x8/2",         "5x6x4",   (10, 12, 8),    136,    3_840, (1, 1),  (0.5, 0.5)),
    # (5−1)·2 − 2 + 2 + 1 + 1 = 10, (6−1)·2 − 2 + 2 + 1 + 1 = 12; 9·4·8 + 8 = 296;
    # 5·6·4·9·8 = 8,640; ceil(3/2) = 2 pixels
    ("ConvT:3x3x8/2p1op1",    "5x6x4",   (10, 12, 8),    296,    8_640, (2, 2),  (0.5, 0.5)),
    # g2 nb: (7−1)·2 − 2 + 3 + 1 = 14; 4·4·8·8 = 1,024; 7·7·8·16·8 = 50,176
    ("ConvT:4x4x16/2p1g2nb",  "7x7x8",   (14, 14, 16), 1_024,   50_176, (2, 2),  (0.5, 0.5)),
    # d2, stride 1: 3 + 2·2 + 1 = 8; 9·2·4 + 4 = 76; 4·4·2·9·4 = 1,152; extent 5
    ("ConvT:3x3x4d2",         "4x4x2",   (8, 8, 4),       76,    1_152, (5, 5),  (1, 1)),
    # the DCGAN tutorial's first layer, ConvTranspose2d(100, 512, 4, 1, 0, bias=False):
    # 1×1 → 4×4; 4·4·100·512 = 819,200 weights and as many MACs
    ("Deconv:4x4x512nb",      "1x1x100", (4, 4, 512), 819_200, 819_200, (4, 4),  (1, 1)),
    # -- Up, PS, Crop (issue 11): no weights, no MACs; Up and PS divide the jump ----------
    ("Up:2",                  "4x5x3",   (8, 10, 3),       0,        0, (1, 1),  (0.5, 0.5)),
    # bilinear mixes 2 input pixels per axis; jump 1/3 to six digits
    ("Up:3bilinear",          "4x4x2",   (12, 12, 2),      0,        0, (2, 2),
     (0.333333, 0.333333)),
    # to a size: factors 8/4 = 2 and 12/3 = 4
    ("Upsample:8x12",         "4x3x2",   (8, 12, 2),       0,        0, (1, 1),  (0.5, 0.25)),
    # 8/2² = 2 channels, 3·2 × 4·2
    ("PS:2",                  "3x4x8",   (6, 8, 2),        0,        0, (1, 1),  (0.5, 0.5)),
    ("Crop:4x6",              "7x9x3",   (4, 6, 3),        0,        0, (1, 1),  (1, 1)),
    ("Crop:5",                "5x5x1",   (5, 5, 1),        0,        0, (1, 1),  (1, 1)),
    # -- LN, GN, InstNorm, Scale, DropPath, PReLU (issue 11): shape kept, no MACs ----------
    # LN: γ, β over the C channels (2C); on a vector over its N values (2N)
    ("LN",                    "4x4x8",   (4, 4, 8),       16,        0, (1, 1),  (1, 1)),
    ("LayerNorm",             "10",      (10,),           20,        0, (1, 1),  (1, 1)),
    # GN: 2C whatever the groups
    ("GN:2",                  "4x4x8",   (4, 4, 8),       16,        0, (1, 1),  (1, 1)),
    ("GroupNorm:4",           "3x3x4",   (3, 3, 4),        8,        0, (1, 1),  (1, 1)),
    # InstanceNorm2d has no γ, β by default (affine=False)
    ("InstNorm",              "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("IN",                    "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    # Scale: one per channel (ConvNeXt's layer scale, dim × 1 × 1)
    ("Scale",                 "4x4x8",   (4, 4, 8),        8,        0, (1, 1),  (1, 1)),
    ("Scale:0.5",             "10",      (10,),           10,        0, (1, 1),  (1, 1)),
    ("DropPath",              "4x4x3",   (4, 4, 3),        0,        0, (1, 1),  (1, 1)),
    ("DropPath:0.3",          "10",      (10,),            0,        0, (1, 1),  (1, 1)),
    # PReLU: nn.PReLU() has 1 slope, nn.PReLU(3) one per channel
    ("PReLU",                 "4x4x3",   (4, 4, 3),        1,        0, (1, 1),  (1, 1)),
    ("PReLU:3",               "4x4x3",   (4, 4, 3),        3,        0, (1, 1),  (1, 1)),
]
# fmt: on


@pytest.mark.parametrize(
    ("dsl", "inp", "output", "weights", "macs", "rf", "jump"),
    CASES,
    ids=[f"{c[0]}@{c[1]}" for c in CASES],
)
def test_layer(dsl, inp, output, weights, macs, rf, jump) -> None:
    """Output shape, trainable weights, MACs (batch 1), FLOPs = 2·MACs, RF size and jump."""
    row = first_row(dsl, inp)
    assert row.output.dims == output
    assert row.nodes == row.output.numel
    assert row.weights == weights
    assert row.macs == macs
    assert row.flops == 2 * macs  # DESIGN §4
    assert row.rf.size == rf
    assert row.rf.jump == jump


# Every registered kind but the input (which is no row): built from the registry, so that a
# kind added there without a hand-derived case above fails here.
DESIGN_KINDS = {k.NAMES[0] for k in KINDS if not k.SETS_INPUT}


def test_every_design_kind_has_a_case() -> None:
    """Each registered layer kind has hand-derived numbers above."""
    assert {first_row(c[0], c[1]).kind for c in CASES} == DESIGN_KINDS


# AdaptAvg's receptive field above: PyTorch's windows for 8 → 2 are [0,4) and [4,8): kernel
# ceil(8/2) = 4, stride floor(8/2) = 4; for 9 → 3: [0,3), [3,6), [6,9): kernel 3, stride 3.
# For 13 → 6 the windows are ceil(13/6) = 3 wide, every ~2 (floor(13/6) = 2).


# BN: 2C running statistics besides its 2C trainable weights (DESIGN §3), 1d and 2d.
@pytest.mark.parametrize(("inp", "buffers"), [("4x4x3", 6), ("10", 20), ("7x7x64", 128)])
def test_bn_buffers(inp, buffers) -> None:
    """Running mean and variance per channel, reported apart from the weights."""
    report = cnncalc.analyze(f"In:{inp}-BN")
    assert report.rows[0].buffers == buffers
    assert report.totals.buffers == buffers
    assert report.totals.weights == buffers  # γ and β: as many as the statistics


# Receptive field start: from 0.5 (the centre of the first input pixel), start +=
# ((K_eff−1)/2 − P)·jump_in.
START_CASES = [
    ("Conv:3x3x8", "8x8x3", (1.5, 1.5)),  # 0.5 + (1 - 0)·1
    ("Conv:3x3x8p1", "8x8x3", (0.5, 0.5)),  # 0.5 + (1 - 1)·1
    ("Conv:11x11x96/4p3", "224x224x3", (2.5, 2.5)),  # 0.5 + (5 - 3)·1
    ("Pool", "8x8x3", (1.0, 1.0)),  # 0.5 + (0.5 - 0)·1
    ("Conv:3x3x8d2", "9x9x3", (2.5, 2.5)),  # extent 5: 0.5 + 2·1
    ("Conv:3x5x4", "10x12x2", (1.5, 2.5)),  # H 0.5 + 1, W 0.5 + 2
    # TF same at stride 2 on 8: nothing before, so output 0 is centred on input row 1: 1.5
    ("Conv:3x3x8/2psame", "8x8x3", (1.5, 1.5)),
    # issue 11. ConvT: output 0 is reached from input (P − D(K−1)/2)/S: 0.5 + (1 − 1)/2
    ("ConvT:3x3x8/2p1", "5x5x3", (0.5, 0.5)),
    # ConvT 2×2/2, P 0: 0.5 + (0 − 0.5)/2 = 0.25
    ("ConvT:2x2x8/2", "5x5x3", (0.25, 0.25)),
    ("Up:2", "4x4x3", (0.5, 0.5)),  # output 0 repeats input 0
    ("Up:2bilinear", "4x4x3", (1.0, 1.0)),  # between input pixels 0 and 1
    # centre crop 7 → 4: floor(3/2) = 1 row cut at the top; 9 → 6: 1 column
    ("Crop:4x6", "7x9x3", (1.5, 1.5)),
    ("Crop:3x4", "8x9x3", (2.5, 2.5)),  # 5//2 = 2 rows, 5//2 = 2 columns: 0.5 + 2
]


@pytest.mark.parametrize(("dsl", "inp", "start"), START_CASES, ids=[c[0] for c in START_CASES])
def test_rf_start(dsl, inp, start) -> None:
    """The centre of the first output's receptive field, in input pixels."""
    assert first_row(dsl, inp).rf.start == start


# Receptive field through a chain (DESIGN §4), derived step by step.
CHAIN_RF = [
    # seed 003 (Receptive Field): two stacked 3×3 convs see 5×5 of the image.
    ("In:8x8x1-Conv:3x3x1-Conv:3x3x1", 5, 1),
    # Conv 3×3 (3, j1) → Pool 2/2 (3+1 = 4, j2) → Conv 3×3 (4+2·2 = 8, j2)
    ("In:16x16x1-Conv:3x3x4p1-Pool-Conv:3x3x4p1", 8, 2),
    # AlexNet (seed 000 table): conv1 11/j4 → pool1 11+2·4 = 19/j8 → conv2 19+4·8 = 51
    # → pool2 51+2·8 = 67/j16 → conv3..5 +2·16 each = 163 → pool5 163+2·16 = 195/j32
    # (195 is the published receptive field of AlexNet's pool5, Araujo et al., Distill 2019)
    # → FC:6 sees the whole 6×6 map: the totals keep pool5's 195, not the recurrence's
    # 195 + 5·32 = 355 (issue 9).
    ("alexnet", 195, 32),
    # issue 11: a pool then an up-convolution restores the jump: Conv 3 (j1) → Pool 3+1 = 4
    # (j2) → ConvT 2×2/2: ceil(2/2) = 1 pixel, 4 + 0 = 4, jump 2/2 = 1 → Conv 3×3: 4 + 2 = 6
    ("In:16x16x1-Conv:3x3x4p1-Pool-ConvT:2x2x4/2-Conv:3x3x4p1", 6, 1),
    # Up:2 then a 3×3 conv: jump 0.5, the conv adds 2·0.5 = 1 input pixel
    ("In:8x8x1-Up:2-Conv:3x3x1p1", 2, 0.5),
]


@pytest.mark.parametrize(("spec", "size", "jump"), CHAIN_RF, ids=[c[0] for c in CHAIN_RF])
def test_rf_chain(spec, size, jump) -> None:
    """The report's receptive field: the last spatial layer's."""
    report = cnncalc.analyze(spec)
    assert report.totals.rf.size == (size, size)
    assert report.totals.rf.jump == (jump, jump)


def test_alexnet_pool5_rf() -> None:
    """195 (jump 32) after pool5, as derived above."""
    rows = {r.name: r for r in cnncalc.analyze("alexnet").rows}
    assert (rows["Conv:5"].rf.size, rows["Conv:5"].rf.jump) == ((163, 163), (16, 16))
    assert (rows["Pool:5"].rf.size, rows["Pool:5"].rf.jump) == ((195, 195), (32, 32))


# Names are case-insensitive and the aliases of DESIGN §3 resolve to one kind.
ALIASES = [
    ("conv:3x3x4", "Conv"),
    ("CONV:3X3X4P1NB", "Conv"),  # upper-case separator and modifiers too
    ("Conv:3×3×4", "Conv"),  # '×' as in the seed tables
    ("pool", "Pool"),
    ("MaxPool:2", "Pool"),
    ("maxpool", "Pool"),
    ("AVGPOOL:2", "AvgPool"),
    ("stochpool:2", "StochPool"),
    ("gap", "GAP"),
    ("adaptavg:2", "AdaptAvg"),
    ("AdaptiveAvgPool:2", "AdaptAvg"),
    ("fc:4", "FC"),
    ("Dense:4", "FC"),
    ("LINEAR:4", "FC"),
    ("flatten", "Flatten"),
    ("relu", "ReLU"),
    ("RELU6", "ReLU6"),
    ("lrelu", "LReLU"),
    ("LeakyReLU:0.1", "LReLU"),
    ("TANH", "Tanh"),
    ("sigmoid", "Sigmoid"),
    ("gelu", "GELU"),
    ("silu", "SiLU"),
    ("Swish", "SiLU"),
    ("hswish", "HSwish"),
    ("Hardswish", "HSwish"),
    ("hsigmoid", "HSigmoid"),
    ("Hardsigmoid", "HSigmoid"),
    ("sm", "SM"),
    ("Softmax", "SM"),
    ("SOFTMAX", "SM"),
    ("bn", "BN"),
    ("BatchNorm", "BN"),
    ("lrn", "LRN"),
    ("drop", "Drop"),
    ("Dropout:0.1", "Drop"),
    ("convt:2x2x4/2", "ConvT"),
    ("ConvTranspose:2x2x4", "ConvT"),
    ("UPCONV:2x2x4/2", "ConvT"),
    ("up:2", "Up"),
    ("UPSAMPLE:2BILINEAR", "Up"),
    ("pixelshuffle:2", "PS"),
    ("crop:4", "Crop"),
    ("CenterCrop:4x4", "Crop"),
    ("layernorm", "LN"),
    ("LN", "LN"),
    ("groupnorm:2", "GN"),
    ("instnorm", "InstNorm"),
    ("INSTANCENORM", "InstNorm"),
    ("IN", "InstNorm"),  # in capitals, bare: instance norm (README); `In:…` is the input
    ("layerscale", "Scale"),
    ("stochasticdepth:0.1", "DropPath"),
    ("prelu", "PReLU"),
]


@pytest.mark.parametrize(("dsl", "kind"), ALIASES, ids=[a[0] for a in ALIASES])
def test_alias(dsl, kind) -> None:
    """Each spelling gives its kind."""
    assert first_row(dsl, "8x8x4").kind == kind


@pytest.mark.parametrize("first", ["In:8x8x4", "in:8x8x4", "INPUT:8x8x4", "Input:8×8×4"])
def test_input_spellings(first) -> None:
    """In and Input, any case, any separator."""
    assert cnncalc.analyze(f"{first}-ReLU").input.dims == (8, 8, 4)


def test_flat_input() -> None:
    """In:N makes a vector input."""
    report = cnncalc.analyze("In:784-FC:10")
    assert report.input.dims == (784,)
    assert report.totals.weights == 7_850  # (784+1)·10


# Modifiers are read in any order (DESIGN §3): the same layer written differently.
SAME_LAYER = [
    ("Conv:3x3x8/2p1d1g1nb", "Conv:3x3x8nbg1d1p1/2"),
    ("Conv:3x3x8p1/2", "Conv:3x3x8/2p1"),
    ("Pool:3/2p1ceil", "Pool:3ceilp1/2"),
    ("Conv:3x3x8/2x2", "Conv:3x3x8/2"),
    ("Conv:3x3x8p1x1", "Conv:3x3x8p1"),
    ("Pool:2", "Pool"),
    ("Pool:2x2/2", "Pool"),
    ("LRN:5", "LRN"),
    ("Drop:0.5", "Drop"),
    ("LReLU:0.01", "LReLU"),
    ("ConvT:3x3x8op1p1/2", "ConvT:3x3x8/2p1op1"),
    ("ConvT:2x2x8/2x2p0", "ConvT:2x2x8/2"),
    ("Up:2nearest", "Up:2"),
    ("Crop:4", "Crop:4x4"),
]


@pytest.mark.parametrize(("a", "b"), SAME_LAYER)
def test_modifier_order_and_defaults(a, b) -> None:
    """Both spellings make the same layer: same canonical text, same numbers."""
    from cnncalc.dsl import parse

    assert parse(a).items[0].layer.dsl() == parse(b).items[0].layer.dsl()
    ra, rb = first_row(a, "9x9x8"), first_row(b, "9x9x8")
    assert (ra.output, ra.weights, ra.macs, ra.rf) == (rb.output, rb.weights, rb.macs, rb.rf)


# Non-integer sizes (DESIGN §4, seed 004): a warning that says how many rows/columns go.
WARN_CASES = [
    # (224-11+6)/4+1 = 55.75: remainder 3; the windows reach padded row 54·4+11 = 227 of
    # 230 (3 + 224 + 3), so the 3 left over are the trailing padding: no input is lost
    (
        "Conv:11x11x96/4p3",
        "224x224x3",
        ["55.75 → 55", "last 3 padding rows and columns", "no input is lost"],
    ),
    # (8-3+2)/3+1 = 3.33: remainder 1, and 1 padding row at the far edge absorbs it
    ("Conv:3x3x1/3p1", "8x8x1", ["3.33 → 3", "last padding row and column are never used"]),
    # (9-3+2)/3+1 = 3.67: remainder 2 with padding 1: 1 padding row and 1 input row go
    ("Conv:3x3x1/3p1", "9x9x1", ["3.67 → 3", "last input row and column are ignored"]),
    # (7-3)/3+1 = 2.33: remainder 1
    ("Conv:3x3x1/3", "7x7x1", ["2.33 → 2", "ignored"]),
    # only the width: H (8-2)/2+1 = 4, W (9-2)/2+1 = 4.5
    ("Pool", "8x9x1", ["4.5 → 4", "column"]),
]


@pytest.mark.parametrize(("dsl", "inp", "words"), WARN_CASES, ids=[w[0] for w in WARN_CASES])
def test_non_integer_warning(dsl, inp, words) -> None:
    """The row carries the warning and the report lists it."""
    report = cnncalc.analyze(f"In:{inp}-{dsl}")
    # issue 15: only padding left over loses no input: a note (read with --explain), no warning
    padding_only = "no input is lost" in words[-1] or "never used" in words[-1]
    found, empty = (report.notes, report.warnings) if padding_only else (
        report.warnings, report.notes)  # fmt: skip
    (note,) = report.rows[0].notes if padding_only else report.rows[0].warnings
    for word in words:
        assert word in note
    assert found == ((report.rows[0].name, note),)
    assert empty == ()
    assert any(note in line for line in report.rows[0].explain) == padding_only


@pytest.mark.parametrize(
    ("dsl", "inp"),
    [("Conv:3x3x8p1", "8x8x3"), ("Pool:3/2ceil", "8x8x2"), ("Conv:3x3x8psame", "7x7x1")],
)
def test_no_warning_when_exact(dsl, inp) -> None:
    """Exact sizes, ceil mode and 'same' padding do not warn."""
    assert first_row(dsl, inp).warnings == ()


# Element-wise work is "other ops", never FLOPs (DESIGN §4). Conventions of the layer
# kinds' docstrings: activation 1 op per element, Conv/FC one bias add per output, pooling
# one op per window element, BN scale and shift (2 per element), softmax exp+sum+divide.
OTHER_OPS = [
    ("ReLU", "4x4x3", 48),
    ("Conv:3x3x8", "8x8x3", 288),  # 6·6·8 bias adds
    ("Conv:3x3x8nb", "8x8x3", 0),
    ("FC:10", "20", 10),
    ("Pool", "8x8x3", 192),  # 4·4·3 outputs · 2·2 window
    ("BN", "4x4x3", 96),
    ("SM", "10", 30),
    ("Flatten", "4x4x3", 0),
    ("ConvT:2x2x8/2", "4x4x3", 512),  # 8·8·8 bias adds
    ("ConvT:2x2x8/2nb", "4x4x3", 0),
    ("Up:2", "4x4x3", 0),  # nearest copies
    ("Up:2bilinear", "4x4x3", 1_344),  # 8·8·3 outputs · (4 multiplies + 3 adds)
    ("PS:2", "4x4x8", 0),
    ("Crop:2", "4x4x3", 0),
    ("LN", "4x4x3", 288),  # sum, sum of squares, subtract, multiply, scale, shift: 6·48
    ("GN:3", "4x4x3", 288),
    ("InstNorm", "4x4x3", 192),  # no γ, β: 4·48
    ("Scale", "4x4x3", 48),
    ("PReLU", "4x4x3", 48),
]


@pytest.mark.parametrize(("dsl", "inp", "ops"), OTHER_OPS, ids=[o[0] for o in OTHER_OPS])
def test_other_ops(dsl, inp, ops) -> None:
    """Other ops per image, and no FLOPs for element-wise layers."""
    row = first_row(dsl, inp)
    assert row.other_ops == ops
    if row.kind not in ("Conv", "FC", "ConvT"):
        assert row.flops == 0


@pytest.mark.parametrize(
    ("dsl", "inp", "fan"),
    [
        ("Conv:3x3x8", "8x8x3", (27, 72)),  # PyTorch: fan_in C/G·Kh·Kw, fan_out F·Kh·Kw
        ("Conv:3x3x8g2", "8x8x4", (18, 72)),
        ("FC:10", "4x5x3", (60, 10)),
        # ConvTranspose2d's weight is (C, F/G, Kh, Kw): fan_in F/G·Kh·Kw, fan_out C·Kh·Kw
        ("ConvT:3x3x8/2g2", "8x8x4", (36, 36)),
        ("ConvT:2x2x8", "8x8x3", (32, 12)),
        ("ReLU", "4x4x3", None),
    ],
)
def test_fan(dsl, inp, fan) -> None:
    """fan-in/fan-out as torch.nn.init._calculate_fan_in_and_fan_out computes them."""
    assert first_row(dsl, inp).fan == fan


def test_the_registry_exports_what_it_names() -> None:
    """`from cnncalc.layers import *` works: every name in __all__ exists."""
    import cnncalc.layers

    assert [n for n in cnncalc.layers.__all__ if not hasattr(cnncalc.layers, n)] == []
