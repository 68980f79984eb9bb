"""The numpy executor behind `cnncalc run` (DESIGN §2, §8; issue 12): a forward pass, and its
backward, written so that a student can read each operation next to the lecture notes.

Nothing here imports numpy at module level: `params` is plain Python (the layer kinds read it),
and the modules that compute import numpy themselves, as the torch side imports torch.
"""
