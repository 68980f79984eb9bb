"""`python -m cnncalc` runs the command line."""

from cnncalc.cli import main

main()
