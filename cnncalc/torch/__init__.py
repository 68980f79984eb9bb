"""cnncalc's PyTorch side (DESIGN §6, §8): measure a built net next to the static prediction.

One module per concern: `build` (IR → nn.Module, checked against the static report),
`modules` (cnncalc's own nn.Modules: stochastic pooling, the Res / Cat / Seq containers),
`report` (what a profile returns), `flops` (FlopCounterMode and the grouped-convolution
backward correction), `memory`, `timing`, `device` and `profile` (the orchestration). Only
`modules` imports torch at module level, and nothing imports it until a net is built, so
importing this package stays cheap; no module outside it imports torch at module level. Nothing is re-exported here: `profile` is both a module and a function, and a
re-exported function would be rebound to the module whenever `cnncalc.torch.profile` is
imported.
"""
