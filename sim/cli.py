"""The ``grassroots`` command line: run, compare, sweep, check, validate, report, schema.

Why errors are caught here and nowhere else: the library raises typed
exceptions; only the CLI turns them into one readable line and exit code 2
(bad input) or 1 (a failed check), with a traceback only under ``--debug``.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from sim.experiment.runner import RunOptions
from sim.scenario.errors import ScenarioError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="grassroots-sim: grassroots-governance workload simulation (Qujing, Yunnan).")
out_console = Console() if sys.stdout.isatty() else Console(width=160)  # logs and pipes get full tables
err_console = Console(stderr=True)
STATE = {"debug": False}

Replications = Annotated[int | None, typer.Option("--replications", "-r", help="Replications (default: scenario).")]
Seed = Annotated[int | None, typer.Option("--seed", help="Base seed (default: scenario).")]
Days = Annotated[float | None, typer.Option("--days", help="Simulated days incl. warm-up.")]
Warmup = Annotated[str | None, typer.Option("--warmup-days", help="Warm-up days, or 'auto' (MSER-5).")]
Drain = Annotated[float | None, typer.Option("--drain-days", help="After the horizon, keep working at most this many "
                                             "days until the window's requests are resolved (default: scenario).")]
Out = Annotated[Path | None, typer.Option("--out", help="Output folder (default results/runs/<name>-<time>).")]
Sets = Annotated[list[str] | None, typer.Option("--set", help="Override a field: path.to.field=value (repeatable).")]
Workers = Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")]
Executor = Annotated[str, typer.Option("--executor", help="serial, local (process pool) or dask.")]
Scheduler = Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address tcp://HOST:PORT.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or tables.")]
Precision = Annotated[float | None, typer.Option("--precision", help="Add replications until half-width/mean ≤ this.")]
Lang = Annotated[str, typer.Option("--lang", help="Report language: en or zh.")]
CacheDir = Annotated[Path, typer.Option("--cache-dir", help="Finished tasks are kept here and reused on re-run.")]


class UsageProblem(Exception):
    """Bad input found by the CLI itself (exit 2)."""


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn expected failures into one line and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        err_console.print("interrupted: finished tasks are kept in the cache; run the same command to resume")
        raise typer.Exit(130) from None
    except (ScenarioError, UsageProblem, FileNotFoundError, FileExistsError, ValueError) as exc:
        if STATE["debug"]:
            raise
        fail(str(exc))
    except Exception as exc:
        if STATE["debug"]:
            raise
        fail(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)", code=1)


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr, off with --quiet or when stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def run_options(replications: int | None, seed: int | None, days: float | None, warmup: str | None,
                workers: int | None, executor: str, scheduler: str | None, precision: float | None = None,
                cache_dir: Path | None = None, drain_days: float | None = None) -> RunOptions:
    if executor not in ("serial", "local", "dask"):
        raise UsageProblem(f"--executor: expected serial, local or dask, got {executor!r}")
    warm: float | str | None = None
    if warmup is not None:
        if warmup == "auto":
            warm = "auto"
        else:
            try:
                warm = float(warmup)
            except ValueError:
                raise UsageProblem(f"--warmup-days: expected a number of days or 'auto', got {warmup!r}") from None
            if warm < 0:
                raise UsageProblem(f"--warmup-days: must be ≥ 0, got {warmup}")
    for name, value in (("--replications", replications), ("--workers", workers)):
        if value is not None and value < 1:
            raise UsageProblem(f"{name}: must be ≥ 1, got {value}")
    if days is not None and days <= 0:
        raise UsageProblem(f"--days: must be > 0, got {days:g}")
    if drain_days is not None and drain_days < 0:
        raise UsageProblem(f"--drain-days: must be ≥ 0, got {drain_days:g}")
    return RunOptions(replications=replications, seed=seed, days=days, warmup_days=warm, executor=executor,  # type: ignore[arg-type]
                      workers=workers, scheduler=scheduler, precision=precision, drain_days=drain_days,
                      cache_dir=cache_dir if cache_dir is not None else RunOptions().cache_dir)


def load(path: Path, sets: list[str] | None) -> Any:
    from sim.scenario.loader import load_scenario

    return load_scenario(path, sets or [])


def print_summary(results: Any, title: str) -> None:
    from sim.analysis.metrics import KEY_METRICS

    table = Table(title=title, title_justify="left")
    for col in ("metric", "mean", "95% CI"):
        table.add_column(col, justify="right" if col != "metric" else "left")
    for name in [*KEY_METRICS, "resolution_hours_p90", "service_share", "idle_share", "requests_arrived",
                 "backlog_end", "open_at_horizon_share", "open_after_drain_share"]:
        m = results.summary.get(name)
        if m is None:
            continue
        table.add_row(name, _fmt(m["mean"]), f"[{_fmt(m['ci_low'])}, {_fmt(m['ci_high'])}]")
    out_console.print(table)


def warn_unstable(results: Any, name: str) -> None:
    """Say on the terminal which queues do not settle (their means depend on the horizon), and which cope."""
    unstable = results.stability.get("unstable_queues", [])
    coping = results.stability.get("coping_queues", [])
    for q in unstable[:10]:
        err_console.print(f"[bold yellow]warning:[/] {name}: {q['queue']} ({q['county']}) does not settle: "
                          f"{q['reason']} (utilisation {q['utilisation']:.2f}, with coping "
                          f"{q['utilisation_with_coping']:.2f}; backlog change over the window "
                          f"{q['backlog_growth']:+.0f} requests)", highlight=False)
    if len(unstable) > 10:
        err_console.print(f"[bold yellow]warning:[/] {name}: {len(unstable) - 10} more unstable queues; see "
                          "summary.json (unstable_queues) and tables/queues.csv", highlight=False)
    if coping:
        err_console.print(f"note: {name}: {len(coping)} queues are over their regular capacity and bound their "
                          "backlog by coping (extra staff); see tables/queues.csv", highlight=False)


def _fmt(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) < 1 else f"{x:,.2f}"


@app.callback()
def main_options(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False) -> None:
    STATE["debug"] = debug


@app.command()
def run(scenario: Annotated[Path | None, typer.Argument(help="Scenario YAML file.")] = None,
        replications: Replications = None, seed: Seed = None, days: Days = None, warmup_days: Warmup = None,
        drain_days: Drain = None,
        out: Out = None, set_: Sets = None, workers: Workers = None, executor: Executor = "local",
        scheduler: Scheduler = None, quiet: Quiet = False, precision: Precision = None, lang: Lang = "en",
        cache_dir: CacheDir = Path("results/cache"),
        from_manifest: Annotated[Path | None, typer.Option("--from-manifest", help="Reproduce a run exactly.")] = None,
        ) -> None:
    """Run a scenario and write a run folder with summary, tables, figures and report."""
    from sim.experiment.runner import run as run_scenario
    from sim.io.rundir import default_run_dir, write_run

    with user_errors():
        if from_manifest is not None:
            scen, options = _from_manifest(from_manifest, workers, executor, scheduler, cache_dir)
        else:
            if scenario is None:
                raise UsageProblem("give a SCENARIO.yaml (or --from-manifest MANIFEST.json)")
            scen = load(scenario, set_)
            options = run_options(replications, seed, days, warmup_days, workers, executor, scheduler, precision,
                                  cache_dir, drain_days)
        target = out or default_run_dir(Path("results/runs"), scen.name)
        if target.exists():
            raise UsageProblem(f"--out: {target} already exists")
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with progress_bar(quiet, f"{scen.name}") as bar:
            options.progress = bar
            results = run_scenario(scen, options)
        results.extra["started_at"] = started
        write_run(results, target, command=sys.argv, report=_reporter(lang))
        warn_unstable(results, scen.name)
        if not quiet:
            print_summary(results, f"{scen.name}: {results.settings['replications']} replications, "
                                   f"{results.settings['days']} days (warm-up {results.settings['warmup_days']})")
        out_console.print(f"run folder: {target}")


def _from_manifest(path: Path, workers: int | None, executor: str, scheduler: str | None, cache_dir: Path
                   ) -> tuple[Any, RunOptions]:
    from sim.scenario.params import Scenario

    data = json.loads(path.read_text(encoding="utf-8"))
    scen = Scenario.model_validate(data["scenario"])
    s = data["settings"]
    options = run_options(s["replications"], s["seed"], s["days"], str(s["warmup_days"]), workers, executor,
                          scheduler, None, cache_dir, s.get("drain_days"))
    return scen, options


def _reporter(lang: str) -> Callable[[Path], Any] | None:
    if lang not in ("en", "zh"):
        raise UsageProblem(f"--lang: expected en or zh, got {lang!r}")
    try:
        from sim.report.report import build_report
    except ImportError:
        return None
    return lambda folder: build_report(folder, lang=lang)


@app.command()
def compare(scenarios: Annotated[list[Path], typer.Argument(help="BASE.yaml OTHER.yaml [MORE.yaml ...]")],
            replications: Replications = None, seed: Seed = None, days: Days = None, warmup_days: Warmup = None,
            drain_days: Drain = None,
            out: Out = None, set_: Sets = None, workers: Workers = None, executor: Executor = "local",
            scheduler: Scheduler = None, quiet: Quiet = False, lang: Lang = "en",
            cache_dir: CacheDir = Path("results/cache"),
            decompose: Annotated[bool, typer.Option("--decompose", help="Effect of each lever alone, in pairs, "
                                                    "all together, and the interaction.")] = False,
            marginal: Annotated[bool, typer.Option("--marginal", help="Change per +1 worker, -1 signboard, "
                                                   "+1 delegated item, for the base.")] = False) -> None:
    """Paired comparison (common random numbers) of scenarios against the first one."""
    from sim.experiment.compare import compare_scenarios
    from sim.io.comparedir import write_comparison
    from sim.io.rundir import default_run_dir

    with user_errors():
        if len(scenarios) < 2 and not marginal:
            raise UsageProblem("compare needs BASE.yaml and at least one OTHER.yaml (or --marginal)")
        loaded = [load(p, set_) for p in scenarios]
        options = run_options(replications, seed, days, warmup_days, workers, executor, scheduler, None, cache_dir,
                              drain_days)
        target = out or default_run_dir(Path("results/comparisons"), "-vs-".join(s.name for s in loaded[:3]))
        if target.exists():
            raise UsageProblem(f"--out: {target} already exists")
        with progress_bar(quiet, "compare") as bar:
            options.progress = bar
            comp = compare_scenarios(loaded, options, decompose=decompose, marginal=marginal, sources=scenarios,
                                     overrides=set_)
        write_comparison(comp, target, command=sys.argv, report=_reporter(lang))
        for name, res in comp.runs.items():
            warn_unstable(res, name)
        if not quiet:
            print_comparison(comp)
        out_console.print(f"comparison folder: {target}")


def print_comparison(comp: Any) -> None:
    from sim.analysis.metrics import KEY_METRICS

    table = Table(title=f"paired differences against {comp.base} (95% CI, common random numbers)",
                  title_justify="left")
    for col in ("scenario", "metric", "base", "other", "difference", "95% CI", "change"):
        table.add_column(col, justify="left" if col in ("scenario", "metric") else "right")
    rows = comp.table[comp.table["metric"].isin(KEY_METRICS)]
    for r in rows.itertuples():
        mark = "*" if r.excludes_zero else " "
        table.add_row(r.scenario, r.metric, _fmt(r.base_mean), _fmt(r.other_mean), _fmt(r.mean_diff) + mark,
                      f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]",
                      "—" if r.relative_change != r.relative_change else f"{100 * r.relative_change:+.1f}%")
    out_console.print(table)
    out_console.print("* the 95% CI of the difference excludes 0")


@app.command()
def sweep(spec: Annotated[Path, typer.Argument(help="Sweep YAML file (base scenario, factors, design).")],
          replications: Replications = None, seed: Seed = None, days: Days = None, warmup_days: Warmup = None,
          out: Out = None, workers: Workers = None, executor: Executor = "local", scheduler: Scheduler = None,
          quiet: Quiet = False, lang: Lang = "en", cache_dir: CacheDir = Path("results/cache")) -> None:
    """Run a sweep (grid, Latin hypercube, Morris or Sobol) and its sensitivity analysis."""
    from sim.experiment.sweep import load_sweep, run_sweep
    from sim.io.rundir import default_run_dir
    from sim.io.sweepdir import write_sweep

    with user_errors():
        sw = load_sweep(spec)
        options = run_options(replications, seed, days, warmup_days, workers, executor, scheduler, None, cache_dir)
        target = out or default_run_dir(Path("results/sweeps"), sw.spec.name)
        if target.exists():
            raise UsageProblem(f"--out: {target} already exists")
        with progress_bar(quiet, f"sweep {sw.spec.name} (points)") as bar:
            options.progress = bar
            result = run_sweep(sw, options)
        write_sweep(result, sw.base.name, target, command=sys.argv, report=_reporter(lang))
        if not quiet:
            table = Table(title=f"sensitivity ({sw.spec.design}), rank 1 = most influential", title_justify="left")
            cols = [c for c in result.sensitivity.columns if c not in ("design",)]
            for c in cols:
                table.add_column(c)
            for row in result.sensitivity.sort_values(["metric", "rank"])[cols].to_dict("records"):
                table.add_row(*[_fmt(v) if isinstance(v, float) else str(v) for v in row.values()])
            out_console.print(table)
        out_console.print(f"sweep folder: {target}")


@app.command()
def check(update: Annotated[bool, typer.Option("--update", help="Rewrite the references; print what changed.")] = False,
          only: Annotated[list[str] | None, typer.Option("--scenario", help="Check only these canonical scenarios.")]
          = None,
          exact: Annotated[bool, typer.Option("--exact", help="Demand bit-identical numbers even after a code "
                                              "change (speed work must not change results).")] = False,
          set_: Sets = None, workers: Workers = None,
          reference_dir: Annotated[Path, typer.Option("--reference-dir")] = Path("results/reference")) -> None:
    """Regression check of key metrics against the committed references (exit 1 on drift)."""
    from sim.experiment.check import run_check
    from sim.scenario.loader import parse_overrides

    with user_errors():
        overrides = {".".join(str(k) for k in o.path): o.value for o in parse_overrides(set_ or [])}
        outcome = run_check(only, update=update, force_exact=exact, reference_dir=reference_dir,
                            overrides=overrides or None, workers=workers)
        _print_check(outcome.table, show_all=update)
        if update:
            out_console.print("updated: " + ", ".join(outcome.updated))
            return
        if not outcome.passed:
            err_console.print("[bold red]check failed:[/] metrics drifted from results/reference "
                              "(if the change is intended: grassroots check --update, and commit the diff)")
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
        status = "[green]ok[/]" if r["status"] == "ok" else "[bold red]FAIL[/]"
        out.add_row(r["scenario"], r["metric"], _fmt(r["reference"]), _fmt(r["current"]), _fmt(r["difference"]),
                    _fmt(r["tolerance"]), r["tier"], status)
    out_console.print(out)


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")], set_: Sets = None) -> None:
    """Check a scenario file (and overrides) without running it."""
    with user_errors():
        scen = load(scenario, set_)
        out_console.print(f"ok: {scenario} is a valid scenario ('{scen.name}')")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors' autocompletion)."""
    from sim.scenario.params import Scenario

    doc = Scenario.model_json_schema()
    doc["properties"]["extends"] = {"type": "string", "description": "Base scenario file, relative to this file."}
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="A run, comparison or sweep folder.")],
           lang: Lang = "en") -> None:
    """Rebuild report.html (and figures) of an existing folder."""
    with user_errors():
        if not (run_dir / "manifest.json").is_file():
            raise UsageProblem(f"{run_dir} is not a run folder (no manifest.json)")
        builder = _reporter(lang)
        if builder is None:
            raise UsageProblem("reports are not available in this installation")
        builder(run_dir)
        out_console.print(f"report: {run_dir / 'report.html'}")


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM behaves like Ctrl-C: finished tasks stay cached, no half-written folder is left."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    app()
