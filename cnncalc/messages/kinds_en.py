"""English messages of the new layer kinds (issue 11), kept apart so that en.py stays under
the house's 450 lines; en.py holds them in its `kinds` area."""

MESSAGES: dict[str, str] = {
    "kinds.too_large": "{kind}'s output side {side} passes cnncalc's limit of {limit} for any number",
    "kinds.needs_map": "{kind} needs an H×W×C input, got a flat vector of {n}",
    "kinds.groups_divide": "{what} ({n}) must be divisible by groups ({g})",
    "kinds.convt_needs_size": "ConvT needs a kernel size and a number of filters, e.g. {example}",
    "kinds.convt_same": "ConvT: 'psame' is for Conv; give the padding as pP",
    "kinds.convt_out_pad": "ConvT: output padding {op} must be smaller than the stride ({s}) or the dilation ({d}), as PyTorch requires",
    "kinds.convt_empty": "output size {formula} is ≤ 0 — the padding cuts away the whole output",
    "kinds.convt_bare": "output padding {op} exceeds the padding {p}: the last {n} output {what} receive no input, only the bias",
    "kinds.convt_macs_note": " (each input pixel scatters its kernel once)",
    "kinds.up_needs": "Up needs a scale factor S or an output size HxW, e.g. {example} or Up:56x56",
    "kinds.up_both": "Up: choose one of 'nearest' and 'bilinear'",
    "kinds.ps_needs": "PS needs an upscale factor r, e.g. {example}",
    "kinds.ps_channels": "PS:{r} needs channels divisible by r² = {r2}, got {c}",
    "kinds.crop_needs": "Crop needs an output size HxW, e.g. {example}",
    "kinds.crop_larger": "cannot crop {size} out of a {input} input; the crop must fit inside it",
    "kinds.crop_explain": "centre {size} of {input}: {top} rows cut at the top, {left} columns at the left",
    "kinds.norm_explain": "{kind} normalises over {over}; weights 2·{c} (γ, β) = {weights:,}",
    "kinds.gn_needs": "GN needs a number of groups, e.g. {example}",
    "kinds.gn_groups": "GN: {g} groups do not divide the {c} channels",
    "kinds.in_one_position": "InstNorm needs more than one position per channel, got 1×1×{c} (PyTorch refuses it in training)",
    "kinds.in_explain": "normalises each of the {c} channels of each image over its {h}·{w} positions; no weights",
    "kinds.scale_explain": "weights: {c} (one multiplier per channel)",
    "kinds.droppath_p": "DropPath: probability must be between 0 and 1, got {p}",
    "kinds.prelu_slopes": "PReLU:{n} needs {n} channels (or 1 slope for all), got {c}",
}
