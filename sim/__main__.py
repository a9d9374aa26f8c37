"""``python -m sim`` is the ``grassroots`` command."""

from sim.cli import main

main()
