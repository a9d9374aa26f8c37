"""``scenarios``, ``runs`` and ``cache``: what is there to run, what has been run, and the cache.

Why: an analyst's first questions after installing are "which scenarios ship with it?" and,
a week later, "which runs did I make and what did they say?". Both were answered only by
reading folders by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sim.cli.app import app
from sim.cli.console import fmt_number, out_console, user_errors

cache_app = typer.Typer(help="Inspect or clear the task cache (results/cache).", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

RUN_COLUMNS = ("resolution_hours_mean", "admin_share", "household_visits_per_day")


@app.command()
def scenarios(
    folder: Annotated[Path, typer.Argument(help="Folder to list (searched recursively).")] = Path("scenarios"),
) -> None:
    """List the scenario, sweep and calibration files with their descriptions."""
    from sim.scenario.spec_kind import spec_kind, yaml_mapping

    with user_errors():
        table = Table(title=f"scenario files under {folder}", title_justify="left")
        for col in ("file", "kind", "name", "description"):
            table.add_column(col, overflow="fold")
        for path in sorted(folder.rglob("*.yaml")):
            head = yaml_mapping(path)
            table.add_row(
                str(path.relative_to(folder)),
                spec_kind(path),
                str(head.get("name", "")),
                str(head.get("description", "")),
            )
        out_console.print(table)


def run_index(folder: Path) -> list[dict[str, Any]]:
    """One row per run folder under ``folder`` (newest first): scenario, date, size, key metrics."""
    rows = [row for path in folder.rglob("manifest.json") if (row := _run_row(path.parent)) is not None]
    return sorted(rows, key=lambda r: r["started_at"] or "", reverse=True)


def _run_row(run_dir: Path) -> dict[str, Any] | None:
    """The folder's row, or None for an unreadable folder or one that is not a run (a comparison, a sweep)."""
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("kind") != "run":
        return None
    metrics = summary.get("metrics", {})
    return {
        "folder": str(run_dir),
        "scenario": manifest.get("scenario_name", ""),
        "started_at": manifest.get("started_at", ""),
        "replications": summary.get("replications"),
        "days": summary.get("days"),
        "unstable_queues": len(summary.get("unstable_queues", [])),
        **{m: metrics.get(m, {}).get("mean") for m in RUN_COLUMNS},
    }


@app.command()
def runs(
    folder: Annotated[Path, typer.Argument(help="Folder of run folders.")] = Path("results/runs"),
) -> None:
    """An index of the run folders: scenario, date, replications, days and key metrics."""
    from sim.cli.console import summary_row

    with user_errors():
        rows = run_index(folder) if folder.is_dir() else []
        table = Table(title=f"{len(rows)} runs under {folder}", title_justify="left")
        for col in ("folder", "scenario", "started", "reps", "days", "unstable", *RUN_COLUMNS):
            table.add_column(col, overflow="fold")
        for r in rows:
            shown = [summary_row(m, {"mean": r[m]})[2] if r[m] is not None else "—" for m in RUN_COLUMNS]
            table.add_row(
                r["folder"],
                r["scenario"],
                r["started_at"],
                str(r["replications"]),
                fmt_number(r["days"]),
                str(r["unstable_queues"]),
                *shown,
            )
        out_console.print(table)


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


@cache_app.command("info")
def cache_info(cache_dir: Annotated[Path, typer.Option("--cache-dir")] = Path("results/cache")) -> None:
    """How many cached tasks there are and how much space they take."""
    n, size = _size(cache_dir) if cache_dir.is_dir() else (0, 0)
    out_console.print(f"{cache_dir}: {n} files, {size / 1e6:.1f} MB")


@cache_app.command("clean")
def cache_clean(
    cache_dir: Annotated[Path, typer.Option("--cache-dir")] = Path("results/cache"),
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Delete the task cache (results are recomputed on the next run, bit-identically)."""
    if not cache_dir.is_dir():
        out_console.print(f"{cache_dir}: nothing to clean")
        return
    n, size = _size(cache_dir)
    if not yes and not typer.confirm(f"delete {n} cached files ({size / 1e6:.1f} MB) in {cache_dir}?"):
        raise typer.Exit(1)
    shutil.rmtree(cache_dir)
    out_console.print(f"deleted {n} files ({size / 1e6:.1f} MB) from {cache_dir}")
