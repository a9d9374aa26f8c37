"""``sweep``, ``check``, ``validate``, ``schema`` and ``report``."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from sim.cli.app import app
from sim.cli.commands_run import reporter
from sim.cli.console import (
    UsageProblem,
    engine_hint,
    err_console,
    fmt_number,
    out_console,
    progress_bar,
    styled,
    user_errors,
)
from sim.cli.flag_groups import flag_groups
from sim.cli.options import Display, Execution, Lang, RunSettings, Sets, SweepOut, Workers
from sim.cli.settings import load, output_folder, run_options


@dataclass
class SweepExtras:
    """The options only ``sweep`` has."""

    out: SweepOut = None
    set_: Sets = None


@app.command()
@flag_groups
def sweep(
    spec: Annotated[Path, typer.Argument(help="Sweep YAML file (base scenario, factors, design).")],
    *,
    extras: SweepExtras,
    settings: RunSettings,
    execution: Execution,
    display: Display,
) -> None:
    """Run a sweep (grid, Latin hypercube, Morris or Sobol) and its sensitivity analysis.

    ``--set`` changes the base scenario of every point, as for ``run`` (e.g. one county).
    """
    from sim.experiment.sweep import load_sweep, run_sweep
    from sim.io.sweepdir import write_sweep

    with user_errors():
        sw = load_sweep(spec, extras.set_)
        options = run_options(execution, settings)
        target = output_folder(extras.out, "sweeps", sw.spec.name)
        with progress_bar(display.quiet, f"sweep {sw.spec.name} (points)") as bar:
            options.progress = bar
            result = run_sweep(sw, options)
        write_sweep(result, sw.base.name, target, command=sys.argv, report=reporter(display.lang))
        if not display.quiet:
            _print_sensitivity(result.sensitivity, sw.spec.design)
        out_console.print(f"sweep folder: {target}")
        engine_hint(display.quiet)


def _print_sensitivity(sensitivity: Any, design: str) -> None:
    table = Table(title=f"sensitivity ({design}), rank 1 = most influential", title_justify="left")
    cols = [c for c in sensitivity.columns if c not in ("design",)]
    for c in cols:
        table.add_column(c)
    for row in sensitivity.sort_values(["metric", "rank"])[cols].to_dict("records"):
        table.add_row(*[fmt_number(v) if isinstance(v, float) else str(v) for v in row.values()])
    out_console.print(table)


@dataclass
class CheckFlags:
    """The regression check's options."""

    update: Annotated[bool, typer.Option("--update", help="Rewrite the references; print what changed.")] = False
    only: Annotated[list[str] | None, typer.Option("--scenario", help="Check only these canonical scenarios.")] = None
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Demand bit-identical numbers even after a code change (speed work must not change results).",
        ),
    ] = False
    set_: Sets = None
    workers: Workers = None
    reference_dir: Annotated[Path, typer.Option("--reference-dir")] = Path("results/reference")


@app.command()
@flag_groups
def check(*, flags: CheckFlags) -> None:
    """Regression check of key metrics against the committed references (exit 1 on drift)."""
    from sim.experiment.check import CheckRuns, run_check
    from sim.scenario.overrides import parse_overrides

    with user_errors():
        overrides = {".".join(str(k) for k in o.path): o.value for o in parse_overrides(flags.set_ or [])}
        outcome = run_check(
            flags.only,
            update=flags.update,
            force_exact=flags.exact,
            reference_dir=flags.reference_dir,
            runs=CheckRuns(overrides=overrides or None, workers=flags.workers),
        )
        _print_check(outcome.table, show_all=flags.update)
        _verdict(outcome, flags.update)


def _verdict(outcome: Any, updated: bool) -> None:
    """What was rewritten, or pass / fail (exit 1 on drift)."""
    if updated:
        out_console.print("updated: " + ", ".join(outcome.updated))
        return
    if not outcome.passed:
        err_console.print(
            styled(
                "check failed:",
                "bold red",
                " metrics drifted from results/reference "
                "(if the change is intended: grassroots check --update, and commit the diff)",
            )
        )
        raise typer.Exit(1)
    out_console.print(f"check passed: {len(outcome.table)} metrics match the references")


def _print_check(table: Any, show_all: bool) -> None:
    if table.empty:
        return
    shown = table if show_all else table[table["status"] != "ok"]
    if shown.empty:
        shown = table.groupby("scenario", as_index=False).first()
    out = Table(title="regression check" + (" (changes)" if show_all else ""), title_justify="left")
    for col in ("scenario", "metric", "reference", "current", "difference", "tolerance", "tier", "status"):
        out.add_column(col, justify="right" if col in ("reference", "current", "difference", "tolerance") else "left")
    for r in shown.to_dict("records"):
        out.add_row(*_check_cells(r))
    out_console.print(out)


def _check_cells(r: dict[str, Any]) -> list[str | Text]:
    numbers = [fmt_number(r[c]) for c in ("reference", "current", "difference", "tolerance")]
    status = Text("ok", style="green") if r["status"] == "ok" else Text("FAIL", style="bold red")
    return [r["scenario"], r["metric"], *numbers, r["tier"], status]


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario, sweep or calibration YAML file.")], set_: Sets = None
) -> None:
    """Check a scenario, sweep or calibration file (and overrides) without running it."""
    from sim.scenario.spec_kind import spec_kind

    with user_errors():
        kind = spec_kind(scenario)
        if kind == "sweep":
            out_console.print(_valid_sweep(scenario, set_))
        elif kind == "calibration":
            out_console.print(_valid_calibration(scenario, set_))
        else:
            scen = load(scenario, set_)
            out_console.print(f"ok: {scenario} is a valid scenario ('{scen.name}')")


def _valid_sweep(path: Path, set_: list[str] | None) -> str:
    from sim.experiment.sweep import load_sweep

    sw = load_sweep(path, set_)
    return (
        f"ok: {path} is a valid sweep spec ('{sw.spec.name}': {sw.spec.design}, "
        f"{len(sw.spec.factors)} factors, base scenario '{sw.base.name}')"
    )


def _valid_calibration(path: Path, set_: list[str] | None) -> str:
    from sim.experiment.calibrate_spec import load_targets

    if set_:
        raise UsageProblem("--set: not used with a calibration spec (put overrides in its targets' 'set')")
    spec, _ = load_targets(path)
    return (
        f"ok: {path} is a valid calibration spec ('{spec.name}': {len(spec.parameters)} parameters, "
        f"{len(spec.targets)} targets)"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors' autocompletion)."""
    from sim.scenario.params import Scenario

    doc = Scenario.model_json_schema()
    doc["properties"]["extends"] = {"type": "string", "description": "Base scenario file, relative to this file."}
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run, comparison or sweep folder.")], lang: Lang = "en"
) -> None:
    """Rebuild the report (and figures) of an existing folder: report.html, or report.zh.html with --lang zh.

    Each language has its own file and figures folder, so a Chinese rebuild keeps the English report.
    """
    with user_errors():
        if not (run_dir / "manifest.json").is_file():
            raise UsageProblem(f"{run_dir} is not a run folder (no manifest.json)")
        builder = reporter(lang)
        if builder is None:
            raise UsageProblem("reports are not available in this installation")
        written = builder(run_dir)
        out_console.print(f"report: {written}")
