"""The ``grassroots`` command line: run, compare, sweep, check, validate, report, schema.

One module per concern: the application and entry point (``app``), shared options, terminal
output and errors (``console``), option parsing (``settings``) and the commands.
"""

from __future__ import annotations

from sim.cli import commands_calibrate, commands_catalog, commands_other, commands_run  # noqa: F401  (registers the commands)
from sim.cli.app import app, main

__all__ = ["app", "main"]
