"""``serve``: start the web scenario explorer (a local Streamlit app) on this machine."""

from __future__ import annotations

import importlib.util
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import app
from sim.cli.console import UsageProblem, out_console, user_errors
from sim.cli.flag_groups import flag_groups
from sim.cli.options import CacheDir, Workers


@dataclass
class AppFolders:
    """Where the explorer keeps finished tasks and run folders, and where it finds its presets."""

    cache_dir: CacheDir = Path("results/cache")
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where the app writes run folders.")] = Path(
        "results/runs/web"
    )
    scenarios: Annotated[
        Path | None, typer.Option("--scenarios", help="Folder of preset scenario files (default ./scenarios).")
    ] = None


@app.command()
@flag_groups
def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; the default serves this machine only.")
    ] = "127.0.0.1",
    lang: Annotated[str, typer.Option("--lang", help="Interface language at start: zh or en.")] = "zh",
    workers: Workers = None,
    *,
    folders: AppFolders,
) -> None:
    """Start the web scenario explorer: presets, reform levers, runs with progress, results and downloads."""
    with user_errors():
        _check_serve_options(port, lang, folders)
        from sim.web.server import app_env, streamlit_command

        env = app_env(lang, folders.cache_dir, folders.runs_dir, folders.scenarios, workers)
        out_console.print(f"scenario explorer: http://{host}:{port}  (Ctrl-C stops it)")
        code = _wait_for(subprocess.Popen(streamlit_command(host, port), env=env))
        if code not in (0, -15, -9):
            raise typer.Exit(code)


def _check_serve_options(port: int, lang: str, folders: AppFolders) -> None:
    if lang not in ("zh", "en"):
        raise UsageProblem(f"--lang: expected zh or en, got {lang!r}")
    if not 0 < port < 65536:
        raise UsageProblem(f"--port: expected 1-65535, got {port}")
    if importlib.util.find_spec("streamlit") is None:
        raise UsageProblem("the web explorer needs the optional extra: pip install 'grassroots-sim[web]'")
    if folders.scenarios is not None and not (folders.scenarios / "baseline.yaml").is_file():
        raise UsageProblem(f"--scenarios: {folders.scenarios} has no baseline.yaml")


def _wait_for(child: subprocess.Popen) -> int:
    """The app's exit code; Ctrl-C (or SIGTERM) stops it, killing it if a run in progress holds it up."""
    try:
        return child.wait()
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the entry point turns it into KeyboardInterrupt)
        child.terminate()
        try:
            return child.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a run still in progress: Streamlit would wait for it
            child.kill()
            return child.wait()
