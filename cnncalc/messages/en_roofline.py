"""English messages of `cnncalc roofline` (issue 13), kept apart so that en.py stays under the
house's 450 lines; en.py merges them into its MESSAGES, in the roofline area."""

MESSAGES: dict[str, str] = {
    "roofline.unknown_preset": "unknown device preset '{name}'{hint} (presets: {known})",
    "roofline.bad_rate": "{what} must be a positive finite rate such as 989e12 or 989T,"
    " got '{value}'",
    "roofline.need_peaks": "roofline needs the device's ceilings: --preset NAME (e.g. h200),"
    " or --peak-flops and --bandwidth (e.g. --peak-flops 989e12 --bandwidth 3.35e12), or"
    " --device cpu|cuda|mps to measure them",
    "roofline.method_given": "peaks given on the command line (--peak-flops, --bandwidth)",
    "roofline.method_preset": "datasheet of the {title}: {source}",
    "roofline.preset_dtype": "preset '{name}' has no published peak for {dtype} (it lists"
    " {listed}); give --peak-flops for {dtype}, or another --dtype",
    "roofline.bad_mode": "unknown roofline mode '{mode}'; expected infer or train",
    "roofline.beats_cache": "ran {pct}% faster than its floor: its bytes fit the"
    " last-level cache, so it ran from cache, above the memory bandwidth measured from DRAM",
    "roofline.beats_floor": "ran {pct}% faster than its floor, which cache cannot explain"
    " (compute-bound, or its bytes do not fit the cache): the measured peaks are low (a busy"
    " machine while they were measured?); try --remeasure",
    "roofline.budget_no_dtype": "preset '{name}' has no published peak for {dtype}",
    "roofline.device_and_peaks": "--device measures the device's peaks; it does not go with"
    " --preset, --peak-flops or --bandwidth (use one or the other)",
    "roofline.measure_only": "--threads, --min-time and --remeasure are for measuring: add"
    " --device cpu|cuda|mps",
    "roofline.title": "{head}roofline on {device}, {dtype}, batch {batch}, {mode}",
    "roofline.note_short": "below floor",
    "roofline.label_peaks": "ceilings",
    "roofline.peaks_value": "peak {flops} · bandwidth {bw} · ridge {ridge} FLOP/B",
    "roofline.label_floor": "latency floor",
    "roofline.label_measured": "measured",
    "roofline.measured_value": "{ms} (the net's median; the floor is {eff} of it)",
    "roofline.label_method": "method",
    "roofline.label_note": "note",
    "roofline.help_preset": "A device's datasheet peaks: h100-sxm, h200-sxm, a100-sxm,"
    " rtx-4090, m1-max, ryzen-7950x (aliases h100, h200, a100, 4090, ddr5-desktop).",
    "roofline.help_peak_flops": "Peak FLOP/s, e.g. 989e12 or 989T (overrides the preset's).",
    "roofline.help_bandwidth": "Memory bandwidth in bytes/s, e.g. 3.35e12 or 3.35T"
    " (overrides the preset's).",
    "roofline.help_device": "Measure the peaks of cpu, cuda, cuda:N or mps, then time every"
    " row there.",
    "roofline.help_batch": "Batch size (default: the spec's \\[profile] batch, else 1).",
    "roofline.help_dtype": "Bytes per element and the preset's peak (default: the spec's, else"
    " fp32).",
    "roofline.help_mode": "infer: forward FLOPs and bytes; train: forward and backward.",
    "roofline.help_threads": "CPU threads for measuring (default: PyTorch's, one per core).",
    "roofline.help_min_time": "Seconds of timed passes for the per-row times (default 1.0).",
    "roofline.help_remeasure": "Measure the device's peaks again instead of reading the cache.",
    "roofline.help_plot": "Also draw the roofline to FILE.svg or FILE.png (needs matplotlib:"
    ' pip install "cnncalc[plot]").',
    "roofline.plot_written": "roofline plot written to {path}",
    "roofline.budget_table": "'roofline_ms' must be a table of device preset = milliseconds,"
    " e.g. [budget.roofline_ms] h200 = 0.5",
    "roofline.measured_infer_only": "measured rows are forward passes: --device works with"
    " --mode infer (the static roofline takes --mode train)",
    "roofline.method_measured": "measured on {name}: peak FLOP/s the best run of a"
    " {n}×{n} {dtype} matmul, bandwidth the best of a large copy and a large sum",
    "roofline.d_flops": "peak FLOP/s",
    "roofline.d_flops_text": "{peak}: best of {runs} runs of torch.matmul {n}×{n} {dtype}"
    " (median {median}, p10 {p10}, p90 {p90})",
    "roofline.d_reference": "reference",
    "roofline.d_reference_text": "{ref}: torch.utils.benchmark.Timer(torch.matmul)"
    ".blocked_autorange, median, same size and threads (peak / reference = {ratio})",
    "roofline.d_bandwidth": "bandwidth",
    "roofline.d_bandwidth_text": "{bw}: best of copy {copy} (read + write counted) and sum"
    " {read} (read counted), tensors of {size}",
    "roofline.d_threads": "threads",
    "roofline.d_threads_text": "{threads} (PyTorch's default, one per physical core, unless"
    " --threads says otherwise; peaks and rows at the same count)",
    "roofline.d_cache": "last-level cache",
    "roofline.d_when": "peaks",
    "roofline.d_from_cache": "read from the cache {path} (measured {at}; --remeasure to"
    " measure again)",
    "roofline.d_measured_now": "measured now, cached in {path}",
    "roofline.d_cache_failed": "measured now; not cached ({why})",
    "roofline.plot_missing": "--plot needs matplotlib, which is not installed: pip install"
    ' "cnncalc[plot]" (or pip install matplotlib)',
    "roofline.plot_suffix": "--plot writes .svg or .png, not '{path}'",
    "roofline.plot_is_spec": "--plot {path} is the spec file itself: name another file for the"
    " plot (nothing was written)",
    "roofline.plot_is_dir": "--plot {path} is a directory: name a file such as roofline.svg",
    "roofline.plot_failed": "cannot write the plot to {path}: {why}",
    "roofline.plot_title": "{name}roofline on {device} ({dtype}, batch {batch})",
    "roofline.plot_x": "arithmetic intensity (FLOPs per byte moved)",
    "roofline.plot_y": "attainable FLOP/s",
    "roofline.plot_ridge": "ridge {ridge} FLOP/B",
    "roofline.plot_weight_rows": "weight layers (Conv, FC)",
    "roofline.plot_other_rows": "other rows",
    "roofline.plot_measured": "measured (achieved FLOP/s)",
    "roofline.plot_no_flops": "{n} rows without FLOPs (element-wise) not drawn",
    "roofline.plot_no_dir": "--plot {path}: its directory does not exist",
}
