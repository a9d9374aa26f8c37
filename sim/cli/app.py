"""The Typer application, its global options, and the entry point (SIGTERM behaves like Ctrl-C)."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="grassroots-sim: grassroots-governance workload simulation (Qujing, Yunnan).",
)
STATE = {"debug": False}


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"grassroots-sim {version('grassroots-sim')}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    show_version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    STATE["debug"] = debug


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM behaves like Ctrl-C: finished tasks stay cached, no half-written folder is left."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    app()


from sim.cli import commands_serve  # noqa: E402, F401  (registers ``serve``; after ``app`` exists)
