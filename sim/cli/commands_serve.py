"""``serve``: start the web scenario explorer (a local Streamlit app) on this machine."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import app
from sim.cli.console import UsageProblem, out_console, user_errors
from sim.cli.options import CacheDir, Workers


def app_script() -> Path:
    """The Streamlit script's path (found, not imported: importing it would run the app)."""
    import sim.web

    return Path(sim.web.__file__).resolve().parent / "app.py"


def streamlit_command(script: Path, host: str, port: int) -> list[str]:
    """``python -m streamlit run`` bound to ``host:port``, headless, no usage statistics sent."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
    ]


@app.command()
def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; the default serves this machine only.")
    ] = "127.0.0.1",
    lang: Annotated[str, typer.Option("--lang", help="Interface language at start: zh or en.")] = "zh",
    cache_dir: CacheDir = Path("results/cache"),
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where the app writes run folders.")] = Path(
        "results/runs/web"
    ),
    scenarios: Annotated[
        Path | None, typer.Option("--scenarios", help="Folder of preset scenario files (default ./scenarios).")
    ] = None,
    workers: Workers = None,
) -> None:
    """Start the web scenario explorer: presets, reform levers, runs with progress, results and downloads."""
    with user_errors():
        if lang not in ("zh", "en"):
            raise UsageProblem(f"--lang: expected zh or en, got {lang!r}")
        if not 0 < port < 65536:
            raise UsageProblem(f"--port: expected 1-65535, got {port}")
        if importlib.util.find_spec("streamlit") is None:
            raise UsageProblem("the web explorer needs the optional extra: pip install 'grassroots-sim[web]'")
        if scenarios is not None and not (scenarios / "baseline.yaml").is_file():
            raise UsageProblem(f"--scenarios: {scenarios} has no baseline.yaml")
        env = {
            **os.environ,
            "GRASSROOTS_WEB_LANG": lang,
            "GRASSROOTS_WEB_CACHE": str(cache_dir.resolve()),
            "GRASSROOTS_WEB_RUNS": str(runs_dir.resolve()),
        }
        if scenarios is not None:
            env["GRASSROOTS_SCENARIOS"] = str(scenarios.resolve())
        if workers is not None:
            env["GRASSROOTS_WEB_WORKERS"] = str(workers)
        out_console.print(f"scenario explorer: http://{host}:{port}  (Ctrl-C stops it)")
        child = subprocess.Popen(streamlit_command(app_script(), host, port), env=env)
        try:
            code = child.wait()
        except KeyboardInterrupt:
            child.terminate()
            code = child.wait(timeout=30)
        if code not in (0, -15):
            raise typer.Exit(code)
