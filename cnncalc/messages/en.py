"""English: the catalogue every other language follows, key for key (cnncalc/messages)."""

# Keys are "area.what", grouped by area below; each area ends with its own marker comment so
# that work on different areas lands as separate hunks. Templates are str.format strings:
# {name} is a field, {{ and }} are literal braces.

MESSAGES: dict[str, str] = {
    # --- cli: the command line, options, help --------------------------------------------
    "cli.error_prefix": "error: ",
    "cli.warning_prefix": "warning: ",
    "cli.unknown_language": "unknown language '{given}' (from {source}); cnncalc speaks {languages}",
    "cli.usage_error": "{message} ({where} --help shows the options)",
    "cli.interrupted": "interrupted",
    "cli.app.help": "Calculator and profiler for convolutional networks.\n\nWrite a network as one line, e.g. 'Conv:11x11x96/4p3-ReLU-Pool:3/2-FC:1000-SM', or name a built-in spec (cnncalc list) or a .toml spec file.",
    "cli.app.short": "Calculator and profiler for convolutional networks.",
    "cli.option.spec": "A .toml spec file, a built-in name (alexnet, lenet5, …) or DSL text such as 'In:32x32x3-Conv:3x3x16p1-ReLU-Pool-FC:10'.",
    "cli.option.debug": "Show the traceback of errors.",
    "cli.option.quiet": "Print no warnings.",
    "cli.option.input": "Input shape HxWxC (or N); overrides the spec's.",
    "cli.option.format": "Output format.",
    "cli.option.version": "Print the version and exit.",
    "cli.option.lang": "Language of the messages: en or ko (default: $CNNCALC_LANG, else en).",
    "cli.shape.help": "Static per-layer table: output shapes, weights, MACs, memory, receptive field.\n\nExamples:\n\n  cnncalc shape alexnet\n\n  cnncalc shape 'In:32x32x3-Conv:5x5x10p2' --explain\n\n  cnncalc shape specs/lenet5.toml --columns +macs,rf --format markdown\n\n  cnncalc shape resnet50 --depth 1 --columns +macs",
    "cli.shape.batch": "Batch size (default: the spec's \\[profile] batch, else 1).",
    "cli.shape.dtype": "Bytes per element for memory (default: the spec's, else fp32).",
    "cli.shape.optimizer": "Optimizer state counted in the training-memory estimate (default: the spec's, else sgd).",
    "cli.shape.columns": "Columns to show, comma-separated: layer, size, filters, stride, padding, output, weights, macs, flops, backward, other, memory, rf, jump, start, fan_in, fan_out, weights%, macs%; '+macs' adds to the defaults; 'all' shows all.",
    "cli.shape.explain": "Show each row's size formula with numbers.",
    "cli.shape.strict": "Make a non-integer output size an error.",
    "cli.shape.depth": "Show rows down to this nesting depth (0: top level only); deeper rows are folded into their block's row.",
    "cli.shape.expand": "Print the layers as plain DSL, with every \\[blocks] call expanded, and stop.",
    "cli.shape.expand_extra": "--expand prints the layers as DSL text; {options} would change nothing (run without --expand for a report)",
    "cli.list.help": "The built-in specs with their input, weights, MACs and description.",
    "cli.list.sort": "family: each model family together, smallest first; or by macs, weights or name.",
    "cli.check.help": "Check each spec's \\[budget]: exit 0 all within budget, 1 any over (or, with --require-budget, any spec without a budget), 2 bad input.\n\nExamples:\n\n  cnncalc check specs/\n\n  cnncalc check 'specs/*.toml' --format github\n\n  cnncalc check specs/alexnet.toml --profile --format junit > check.xml",
    "cli.check.specs": "Spec files (.toml), directories or globs of them, or built-in names.",
    "cli.check.profile": "Measure \\[budget.latency_ms] with PyTorch; without it latency budgets are reported as skipped.",
    "cli.check.format": "Output format: a table, json, junit (XML), github (workflow commands) or markdown.",
    "cli.check.require_budget": "Fail (exit 1) a spec that has no \\[budget] to check.",
    "cli.diff.help": "Two nets side by side: rows aligned, changes marked, deltas of weights, MACs and memory.\n\nExamples:\n\n  cnncalc diff alexnet my_alexnet.toml\n\n  cnncalc diff 'In:32x32x3-Conv:3x3x16p1-FC:10' 'In:32x32x3-Conv:3x3x32p1-FC:10'\n\n  cnncalc diff old.toml new.toml --format markdown",
    "cli.diff.a": "The net before: {spec}",
    "cli.diff.b": "The net after, as A.",
    "cli.diff.input": "Input shape HxWxC for both; overrides the specs'.",
    "cli.diff.batch": "Batch size for both (default: each spec's \\[profile] batch, else 1).",
    "cli.diff.dtype": "Bytes per element for both (default: each spec's, else fp32).",
    "cli.diff.optimizer": "Optimizer state in the training-memory estimate.",
    "cli.profile.help": "Build the net in PyTorch and measure FLOPs, latency and memory next to the static figures.\n\nExamples:\n\n  cnncalc profile alexnet --device cpu\n\n  cnncalc profile resnet50 --device cuda --dtype bf16 --batch 32 --mode train\n\n  cnncalc profile lenet5 --per-layer --format json",
    "cli.profile.device": "cpu, cuda, cuda:N, mps or auto (default: the spec file's, else cpu).",
    "cli.profile.batch": "Batch size (default: the spec file's, else 1).",
    "cli.profile.dtype": "Compute dtype (default: the spec's, else fp32).",
    "cli.profile.mode": "Time inference, a training step, or both (default: the spec file's, else both).",
    "cli.profile.warmup": "Untimed runs before timing (default 3; at most 10,000).",
    "cli.profile.min_time": "Seconds of timed runs per mode (default 1.0; at most 3600).",
    "cli.profile.threads": "CPU threads for PyTorch (default: PyTorch's).",
    "cli.profile.per_layer": "Also time every row with forward hooks.",
    "cli.profile.optimizer": "Optimizer of the training step and its state in the memory figures (default: the spec's, else sgd).",
    # end cli
    # --- errors and the DSL parser ---------------------------------------------------------
    # end dsl
    # --- layer kinds (cnncalc/layers) ------------------------------------------------------
    # end layers
    # --- analysis and reports --------------------------------------------------------------
    # end analysis
    # --- spec files, templates, settings ---------------------------------------------------
    # end specs
    # --- check and budgets -----------------------------------------------------------------
    # end check
    # --- diff ------------------------------------------------------------------------------
    # end diff
    # --- rendering: headings, totals, notes ------------------------------------------------
    "render.column.layer": "layer",
    "render.column.size": "filter/block size",
    "render.column.filters": "filters",
    "render.column.stride": "stride",
    "render.column.padding": "padding",
    "render.column.output": "output (nodes)",
    "render.column.weights": "weights",
    "render.column.macs": "MACs",
    "render.column.flops": "FLOPs",
    "render.column.backward": "bwd FLOPs",
    "render.column.other": "other ops",
    "render.column.memory": "act. memory",
    "render.column.rf": "RF",
    "render.column.jump": "jump",
    "render.column.start": "start",
    "render.column.fan_in": "fan-in",
    "render.column.fan_out": "fan-out",
    "render.column.weights%": "share of weights",
    "render.column.macs%": "share of MACs",
    "render.column_help.layer": "row name (Kind:number or @label)",
    "render.column_help.size": "kernel KhxKwxC/G, pool window, or block rows",
    "render.column_help.filters": "number of filters",
    "render.column_help.stride": "stride",
    "render.column_help.padding": "padding",
    "render.column_help.output": "output H×W×C (=elements per image)",
    "render.column_help.weights": "trainable weights",
    "render.column_help.macs": "multiply-accumulates (for the batch)",
    "render.column_help.flops": "2·MACs, as FlopCounterMode counts",
    "render.column_help.backward": "backward FLOPs (grad-input + grad-weight)",
    "render.column_help.other": "element-wise ops, not in FLOPs",
    "render.column_help.memory": "new activation memory at inference (batch, dtype)",
    "render.column_help.rf": "receptive field size",
    "render.column_help.jump": "receptive field jump (effective stride)",
    "render.column_help.start": "centre of the first output's field",
    "render.column_help.fan_in": "fan-in as PyTorch's init computes it",
    "render.column_help.fan_out": "fan-out as PyTorch's init computes it",
    "render.column_help.weights%": "bar: the row's share of all weights",
    "render.column_help.macs%": "bar: the row's share of all MACs",
    "render.plain.layer": "layer",
    "render.plain.size": "size",
    "render.plain.filters": "filters",
    "render.plain.stride": "stride",
    "render.plain.padding": "padding",
    "render.plain.output": "output",
    "render.plain.weights": "weights",
    "render.plain.macs": "macs",
    "render.plain.flops": "flops",
    "render.plain.backward": "backward",
    "render.plain.other": "other",
    "render.plain.memory": "memory",
    "render.plain.rf": "rf",
    "render.plain.jump": "jump",
    "render.plain.start": "start",
    "render.plain.fan_in": "fan_in",
    "render.plain.fan_out": "fan_out",
    "render.plain.weights%": "weights%",
    "render.plain.macs%": "macs%",
    "render.unknown_column": "unknown column '{key}'{hint}; columns are: {columns} (or 'all')",
    "render.input_row": "input",
    "render.title": "input {input} (={numel})",
    "render.title_named": "{name} — input {input} (={numel})",
    "render.total.weights": "weights",
    "render.total.buffers": "running statistics",
    "render.total.buffers_value": "{count} (not trainable)",
    "render.total.weight_memory": "weight memory",
    "render.total.weight_memory_value": "{bytes} at {dtype}",
    "render.total.activations": "activations",
    "render.total.activations_value": "{nodes} nodes = {bytes} ({dtype}, batch {batch}; input not counted, element-wise layers in place)",
    "render.total.peak": "peak inference memory",
    "render.total.peak_value": "{bytes} = weights + largest set of live tensors ({live})",
    "render.total.macs": "MACs",
    "render.total.flops": "FLOPs",
    "render.total.flops_value": "{flops} ({flops_short}) forward = 2·MACs; backward {backward} ({backward_short})",
    "render.total.other": "other ops",
    "render.total.other_value": "{count} ({short}) element-wise, not in FLOPs",
    "render.total.training": "training memory ({optimizer})",
    "render.total.training_value": "{bytes} = weights + grads + optimizer state ({state}) + saved for backward ({saved})",
    "render.total.rf": "receptive field",
    "render.total.rf_value": "{size} (jump {jump})",
    "render.total.rf_whole": ", last spatial layer; GAP/FC see the whole input",
    "render.total.rf_none": "none: the input is a vector, which FC layers see whole",
    "render.list.title": "built-in specs (cnncalc shape NAME)",
    "render.list.name": "name",
    "render.list.input": "input",
    "render.list.weights": "weights",
    "render.list.macs": "MACs",
    "render.list.memory": "fp32 weights",
    "render.list.description": "description",
    "render.warning_more_rows": "{rows} and {more} more row",
    "render.warning_more_rows_plural": "{rows} and {more} more rows",
    # end render
    # --- the torch side: build, profile, devices -------------------------------------------
    # end torch
    # --- from_torch and export (issue 10) --------------------------------------------------
    # end torch_io
    # --- new layer kinds, references, the decoder zoo (issue 11) ---------------------------
    # end kinds
    # --- run, values, init, worked examples (issue 12) -------------------------------------
    # end run
    # --- roofline (issue 13) ---------------------------------------------------------------
    # end roofline
    # --- the CI gate: structural diff, --base, growth (issue 15) ---------------------------
    # end gate
}
