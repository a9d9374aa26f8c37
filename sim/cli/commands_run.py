"""``run`` and ``compare``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sim.cli.app import app
from sim.cli.console import (
    UsageProblem,
    engine_hint,
    fmt_number,
    out_console,
    print_summary,
    progress_bar,
    scenario_title,
    user_errors,
    warn_unstable,
)
from sim.cli.flag_groups import flag_groups
from sim.cli.options import CompareOut, Display, Execution, Out, Precision, RunSettings, Sets
from sim.cli.settings import load, output_folder, run_options
from sim.experiment.runner import RunOptions


@dataclass
class RunExtras:
    """The options only ``run`` has."""

    out: Out = None
    set_: Sets = None
    precision: Precision = None
    from_manifest: Annotated[Path | None, typer.Option("--from-manifest", help="Reproduce a run exactly.")] = None
    event_log: Annotated[
        bool,
        typer.Option(
            "--event-log",
            help="Also write event_log.csv and .xes: the journeys of a sample of requests, for process mining.",
        ),
    ] = False
    event_log_cases: Annotated[
        int,
        typer.Option(
            "--event-log-cases",
            help="Requests logged per replication with --event-log (a uniform sample, split evenly over the counties).",
        ),
    ] = 2000
    export_state: Annotated[
        bool,
        typer.Option(
            "--export-state",
            help="Also write open_requests.csv: the requests open at the horizon, every replication, as an "
            "initial_state table another run can start from (set its world.start_date to the table's as_of).",
        ),
    ] = False


@app.command()
@flag_groups
def run(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario YAML file.")] = None,
    *,
    settings: RunSettings,
    execution: Execution,
    display: Display,
    extras: RunExtras,
) -> None:
    """Run a scenario and write a run folder with summary, tables, figures and report."""
    from sim.experiment.runner import run as run_scenario
    from sim.io.rundir import write_run

    with user_errors():
        scen, options = _scenario_and_options(scenario, settings, execution, extras)
        target = output_folder(extras.out, "runs", scen.name)
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with progress_bar(display.quiet, f"{scen.name}") as bar:
            options.progress = bar
            results = run_scenario(scen, options)
        results.extra["started_at"] = started
        write_run(results, target, command=sys.argv, report=reporter(display.lang))
        warn_unstable(results, scen.name)
        _print_run(results, target, display, extras)
        out_console.print(f"run folder: {target}")
        engine_hint(display.quiet)


def _scenario_and_options(
    scenario: Path | None, settings: RunSettings, execution: Execution, extras: RunExtras
) -> tuple[Any, RunOptions]:
    if extras.from_manifest is not None:
        scen, options = _from_manifest(extras.from_manifest, execution)
    elif scenario is None:
        raise UsageProblem("give a SCENARIO.yaml (or --from-manifest MANIFEST.json)")
    else:
        scen = load(scenario, extras.set_)
        options = run_options(execution, settings, extras.precision)
    if extras.event_log:
        if extras.event_log_cases < 1:
            raise UsageProblem(f"--event-log-cases: must be ≥ 1, got {extras.event_log_cases}")
        options.event_log_cases = extras.event_log_cases
    options.export_state = extras.export_state
    return scen, options


def _print_run(results: Any, target: Path, display: Display, extras: RunExtras) -> None:
    if not display.quiet:
        s = results.settings
        print_summary(
            results,
            f"{scenario_title(results.scenario.name, extras.set_)}: {s['replications']} replications, "
            f"{s['days']} days (warm-up {s['warmup_days']})",
            display.lang,
        )
    if extras.event_log:
        logged = results.extra.get("event_log")
        cases = 0 if logged is None else logged["case:concept:name"].nunique()
        out_console.print(f"event log: {cases} requests in {target / 'event_log.xes'} and event_log.csv")
    if extras.export_state:
        state = results.extra.get("open_requests")
        n = 0 if state is None else len(state)
        out_console.print(f"open requests at the horizon: {n} rows in {target / 'open_requests.csv'}")


def _from_manifest(path: Path, execution: Execution) -> tuple[Any, RunOptions]:
    from sim.scenario.params import Scenario

    data = json.loads(path.read_text(encoding="utf-8"))
    scen = Scenario.model_validate(data["scenario"])
    s = data["settings"]
    recorded = RunSettings(s["replications"], s["seed"], s["days"], str(s["warmup_days"]), s.get("drain_days"))
    return scen, run_options(execution, recorded)


def reporter(lang: str) -> Callable[[Path], Any] | None:
    if lang not in ("en", "zh"):
        raise UsageProblem(f"--lang: expected en or zh, got {lang!r}")
    try:
        from sim.report.report import build_report
    except ImportError:
        return None
    return lambda folder: build_report(folder, lang=lang)


@dataclass
class CompareExtras:
    """The options only ``compare`` has."""

    out: CompareOut = None
    set_: Sets = None
    decompose: Annotated[
        bool,
        typer.Option("--decompose", help="Effect of each lever alone, in pairs, all together, and the interaction."),
    ] = False
    marginal: Annotated[
        bool, typer.Option("--marginal", help="Change per +1 worker, -1 signboard, +1 delegated item, for the base.")
    ] = False
    assumptions: Annotated[
        Path | None,
        typer.Option("--assumptions", help="accepted.csv of a calibration: repeat the comparison over its sets."),
    ] = None
    assumption_sets: Annotated[
        int, typer.Option("--assumption-sets", help="How many accepted sets to compare over (sampled).")
    ] = 10


@app.command()
@flag_groups
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="BASE.yaml OTHER.yaml [MORE.yaml ...]")],
    *,
    settings: RunSettings,
    execution: Execution,
    display: Display,
    extras: CompareExtras,
) -> None:
    """Paired comparison (common random numbers) of scenarios against the first one."""
    with user_errors():
        if len(scenarios) < 2 and not extras.marginal:
            raise UsageProblem("compare needs BASE.yaml and at least one OTHER.yaml (or --marginal)")
        options = run_options(execution, settings)
        if extras.assumptions is not None:
            from sim.cli.commands_calibrate import compare_over_accepted

            compare_over_accepted(scenarios, extras, options, display)
            return
        _compare_files(scenarios, options, display, extras)


def _compare_files(scenarios: list[Path], options: RunOptions, display: Display, extras: CompareExtras) -> None:
    from sim.experiment.compare import compare_scenarios
    from sim.io.comparedir import write_comparison

    loaded = [load(p, extras.set_) for p in scenarios]
    target = output_folder(extras.out, "comparisons", comparison_name([s.name for s in loaded]))
    with progress_bar(display.quiet, "compare") as bar:
        options.progress = bar
        comp = compare_scenarios(
            loaded,
            options,
            decompose=extras.decompose,
            marginal=extras.marginal,
            sources=scenarios,
            overrides=extras.set_,
        )
    write_comparison(comp, target, command=sys.argv, report=reporter(display.lang))
    for name, res in comp.runs.items():
        warn_unstable(res, name)
    if not display.quiet:
        print_comparison(comp)
    out_console.print(f"comparison folder: {target}")


def print_comparison(comp: Any) -> None:
    from sim.analysis.metrics import KEY_METRICS

    table = Table(title=f"paired differences against {comp.base} (95% CI, common random numbers)", title_justify="left")
    for col in ("scenario", "metric", "base", "other", "difference", "95% CI", "change"):
        table.add_column(col, justify="left" if col in ("scenario", "metric") else "right")
    warm = ["inherited_clearance_days_p90", "inherited_clearance_days"]  # present in warm starts only
    rows = comp.table[comp.table["metric"].isin([*KEY_METRICS, *warm])]
    for r in rows.itertuples():
        mark = "*" if r.excludes_zero else " "
        table.add_row(
            r.scenario,
            r.metric,
            fmt_number(r.base_mean),
            fmt_number(r.other_mean),
            fmt_number(r.mean_diff) + mark,
            f"[{fmt_number(r.ci_low)}, {fmt_number(r.ci_high)}]",
            "—" if r.relative_change != r.relative_change else f"{100 * r.relative_change:+.1f}%",
        )
    out_console.print(table)
    out_console.print("* the 95% CI of the difference excludes 0")


def comparison_name(names: list[str]) -> str:
    """A folder name that covers every scenario: all names when short, else three and a hash of all."""
    import hashlib

    joined = "-vs-".join(names)
    if len(names) <= 3 and len(joined) <= 60:
        return joined
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:8]
    return "-vs-".join(names[:3]) + f"-and-{len(names) - 3}-more-{digest}"
