"""Named devices for the static roofline (issue 13): datasheet peaks per dtype and memory bandwidth.

Each preset is a device one may not have at hand, with the figures its maker publishes (dense:
without 2:4 sparsity, which matmuls of a CNN do not use) and where they come from. FLOP/s are
per dtype as PyTorch runs it: fp32 on the CUDA cores (PyTorch does not use TF32 for fp32 matmuls
unless told to), fp16/bf16 on the tensor cores with fp32 accumulation, int8 as tensor-core ops.
A dtype a preset does not list has no published figure; give --peak-flops for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.messages import msg

T = 1e12
G = 1e9


@dataclass(frozen=True, slots=True)
class Preset:
    """One device's datasheet: peak FLOP/s per dtype, memory bandwidth (B/s) and the source."""

    name: str
    title: str
    flops: tuple[tuple[str, float], ...]  # (dtype, FLOP/s)
    bandwidth: float
    source: str

    def peak(self, dtype: str) -> float | None:
        """Peak FLOP/s at `dtype`, None when the maker publishes none."""
        return dict(self.flops).get(dtype)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "h100-sxm", "NVIDIA H100 SXM5 80GB",
            (("fp64", 67 * T), ("fp32", 67 * T), ("fp16", 989.4 * T), ("bf16", 989.4 * T),
             ("int8", 1979 * T)),
            3.35 * T,
            "NVIDIA H100 Tensor Core GPU datasheet (H100 SXM column; tensor-core figures"
            " there are with sparsity, halved here for dense)",
        ),
        Preset(
            "h200-sxm", "NVIDIA H200 SXM 141GB",
            (("fp64", 67 * T), ("fp32", 67 * T), ("fp16", 989.4 * T), ("bf16", 989.4 * T),
             ("int8", 1979 * T)),
            4.8 * T,
            "NVIDIA H200 Tensor Core GPU datasheet (H200 SXM column; tensor-core figures"
            " there are with sparsity, halved here for dense)",
        ),
        Preset(
            "a100-sxm", "NVIDIA A100 SXM4 80GB",
            (("fp64", 19.5 * T), ("fp32", 19.5 * T), ("fp16", 312 * T), ("bf16", 312 * T),
             ("int8", 624 * T)),
            2039 * G,
            "NVIDIA A100 Tensor Core GPU datasheet (A100 80GB SXM column, dense figures)",
        ),
        Preset(
            "rtx-4090", "NVIDIA GeForce RTX 4090",
            (("fp32", 82.6 * T), ("fp16", 165.2 * T), ("bf16", 165.2 * T), ("int8", 660.6 * T)),
            1008 * G,
            "NVIDIA Ada Lovelace architecture whitepaper, appendix table (RTX 4090; fp16/bf16"
            " tensor with fp32 accumulate, dense); 21 Gbps × 384-bit GDDR6X = 1008 GB/s",
        ),
        Preset(
            "m1-max", "Apple M1 Max, 32-core GPU",
            (("fp32", 10.4 * T), ("fp16", 10.4 * T)),
            400 * G,
            "Apple event, October 2021 (M1 Max GPU: 10.4 TFLOPS fp32; Apple publishes no"
            " separate fp16 figure, the M1 GPUs run it at the fp32 rate); Apple newsroom:"
            " 400 GB/s memory bandwidth",
        ),
        Preset(
            "ryzen-7950x", "AMD Ryzen 9 7950X, dual-channel DDR5-5200 (a DDR5 desktop CPU)",
            (("fp32", 2304 * G), ("fp64", 1152 * G)),
            83.2 * G,
            "AMD product page (16 cores, 4.5 GHz base, DDR5-5200, 2 channels); derived: 16"
            " cores × 4.5 GHz × 32 fp32 FLOP/cycle (Zen 4: two 256-bit FMA pipes), fp64 half;"
            " 2 channels × 8 B × 5200 MT/s = 83.2 GB/s",
        ),
    )
}  # fmt: skip
# Short names people write, each for one preset.
ALIASES = {"h100": "h100-sxm", "h200": "h200-sxm", "a100": "a100-sxm", "4090": "rtx-4090",
           "ddr5-desktop": "ryzen-7950x", "7950x": "ryzen-7950x"}  # fmt: skip


def _key(name: str) -> str:
    """'H200_SXM' → 'h200-sxm': case, '_' and spaces do not matter."""
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def find(name: str) -> Preset:
    """The preset `name` (or an alias), else an error listing them with a did-you-mean."""
    key = _key(name)
    key = ALIASES.get(key, key)
    if key in PRESETS:
        return PRESETS[key]
    names = [*PRESETS, *ALIASES]
    raise CnnCalcError(
        msg("roofline.unknown_preset", name=name, hint=did_you_mean(key, names),
            known=", ".join(PRESETS))
    )  # fmt: skip


def is_preset(name: str) -> bool:
    """True when `name` names a preset (or an alias)."""
    key = _key(name)
    return ALIASES.get(key, key) in PRESETS
