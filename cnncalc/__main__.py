"""`python -m cnncalc` runs the command line, its language chosen first (cnncalc/launch.py)."""

from cnncalc.launch import main

main()
