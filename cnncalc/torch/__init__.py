"""cnncalc's PyTorch side (DESIGN §6, §8): measure a built net next to the static prediction.

One module per concern: `report` (what a profile returns), `flops` (FlopCounterMode and the
grouped-convolution backward correction), `memory`, `timing`, `device` and `profile` (the
orchestration). Every module imports torch inside its functions, so importing this package
stays cheap. Nothing is re-exported here: `profile` is both a module and a function, and a
re-exported function would be rebound to the module whenever `cnncalc.torch.profile` is
imported.
"""
