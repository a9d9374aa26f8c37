"""``calibrate`` and the comparison over accepted assumption sets (``compare --assumptions``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from sim.cli.app import app
from sim.cli.commands_run import CompareExtras, reporter
from sim.cli.console import UsageProblem, fmt_number, out_console, progress_bar, user_errors
from sim.cli.flag_groups import flag_groups
from sim.cli.options import CalibrateOut, Display, Execution
from sim.cli.settings import output_folder, run_options
from sim.experiment.runner import RunOptions


@app.command()
@flag_groups
def calibrate(
    targets: Annotated[Path, typer.Argument(help="Calibration targets YAML (observed figures, inputs to search).")],
    out: CalibrateOut = None,
    *,
    execution: Execution,
    display: Display,
) -> None:
    """History matching of the assumptions to observed figures; accepted sets, diagnostics, held-out check."""
    from sim.experiment.calibrate import calibrate as run_calibration
    from sim.experiment.calibrate_spec import load_targets
    from sim.io.calibratedir import write_calibration

    with user_errors():
        spec, _ = load_targets(targets)
        options = run_options(execution)
        target = output_folder(out, "calibrations", spec.name)
        with progress_bar(display.quiet, f"calibrate {spec.name} (runs)") as bar:
            options.progress = bar
            result = run_calibration(targets, options)
        write_calibration(result, target, source=targets, command=sys.argv, report=reporter(display.lang))
        if not display.quiet:
            print_validation(result.validation)
        out_console.print(result.message)
        out_console.print(f"calibration folder: {target} (accepted sets: {target / 'accepted.csv'})")


def print_validation(table: pd.DataFrame) -> None:
    out = Table(title="held-out validation targets", title_justify="left")
    for col in ("target", "observed", "predicted 5-95 %", "smallest implausibility", "verdict"):
        out.add_column(col, justify="left" if col == "target" else "right")
    for _, r in table.iterrows():
        out.add_row(
            r["target"],
            fmt_number(r["observed"]),
            f"{fmt_number(r['predicted_low'])} – {fmt_number(r['predicted_high'])}",
            fmt_number(r["best_implausibility"]),
            "pass" if r["passed"] else Text("FAIL", style="bold red"),
        )
    out_console.print(out)


def compare_over_accepted(scenarios: list[Path], extras: CompareExtras, options: RunOptions, display: Display) -> None:
    """The paired comparison repeated over accepted assumption sets, with the robustness table."""
    from sim.experiment.calibrate import accepted_assumptions
    from sim.experiment.robustness import choose_sets, compare_over_assumptions
    from sim.io.comparedir import write_robust_comparison

    table = _accepted_table(extras)
    n_sets = extras.assumption_sets
    sets = choose_sets(accepted_assumptions(table), n_sets, seed=options.seed or 0)
    target = output_folder(extras.out, "comparisons", "robustness")
    with progress_bar(display.quiet, "compare over assumption sets") as bar:
        robust = compare_over_assumptions(scenarios, sets, options, extras.set_, progress=bar)
    write_robust_comparison(robust, target, command=sys.argv, report=reporter(display.lang))
    if not display.quiet:
        print_robustness(robust.table)
    out_console.print(f"comparison folder: {target}")


def _accepted_table(extras: CompareExtras) -> pd.DataFrame:
    """The calibration's accepted sets that ``--assumptions`` names, refused when missing or empty."""
    accepted = extras.assumptions
    assert accepted is not None  # compare calls this only with --assumptions
    if not accepted.is_file():
        raise UsageProblem(f"--assumptions: {accepted} not found (give a calibration folder's accepted.csv)")
    if extras.assumption_sets < 1:
        raise UsageProblem(f"--assumption-sets: must be ≥ 1, got {extras.assumption_sets}")
    table = pd.read_csv(accepted)
    if table.empty:
        raise UsageProblem(f"--assumptions: {accepted} has no accepted sets (the calibration ruled out everything)")
    return table


def print_robustness(table: pd.DataFrame) -> None:
    from sim.analysis.metrics import KEY_METRICS

    out = Table(title="effects across accepted assumption sets (how sure are we)", title_justify="left")
    for col in ("scenario", "metric", "effect", "95% CI (noise)", "5-95 % band (assumptions)", "robust"):
        out.add_column(col, justify="left" if col in ("scenario", "metric") else "right")
    for _, r in table[table["metric"].isin([*KEY_METRICS, "resolution_hours_p90"])].iterrows():
        out.add_row(
            r["scenario"],
            r["metric"],
            fmt_number(r["effect"]),
            f"[{fmt_number(r['ci_low'])}, {fmt_number(r['ci_high'])}]",
            f"[{fmt_number(r['band_low'])}, {fmt_number(r['band_high'])}]",
            "yes" if r["robust"] else "no",
        )
    out_console.print(out)
