"""Replications of a scenario: tasks, cache, warm-up, precision, and the Results object.

Why one runner for everything: a run, a comparison, a sweep point and the
regression check are all "replications of a scenario", so they share seeds,
caching, executors and statistics, and a comparison is just runs that share
seeds (common random numbers).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.metrics import EXTRA_METRICS, INHERITED_METRICS, KEY_METRICS, METRICS, combine
from sim.analysis.stability import flagged, queue_stability
from sim.analysis.stats import mser, relative_half_width, summarise
from sim.experiment import tasks as tk
from sim.experiment.executors import ExecutorName, default_workers, run_tasks
from sim.experiment.run_tables import (
    Shards,
    breakdown_tables,
    histograms,
    metrics_table,
    raw_tables,
    with_world_tables,
)
from sim.model.initial_state import place_backlog
from sim.model.records import ShardResult
from sim.model.world import build_world, read_counties, shard_name
from sim.scenario.errors import ScenarioError
from sim.scenario.official_days import START_FIELD, coverage_problem
from sim.scenario.params import Scenario

Progress = Callable[[int, int], None]


class OptionError(ValueError):
    """A run option out of its range; ``option`` is its name (the CLI shows it as ``--name``)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option, self.message = option, message


EXECUTORS = ("serial", "local", "dask")


@dataclass
class RunOptions:
    """Run control, kept apart from the model (CLI flags and API arguments land here).

    Validated on construction, so the Python API refuses the same values the CLI refuses
    (``OptionError`` names the option).
    """

    replications: int | None = None
    seed: int | None = None
    days: float | None = None
    warmup_days: float | str | None = None
    drain_days: float | None = None
    executor: ExecutorName = "local"
    workers: int | None = None
    scheduler: str | None = None
    cache_dir: Path | None = None  # the CLI passes results/cache; the API caches only when asked
    precision: float | None = None
    max_replications: int = 50
    progress: Progress | None = None
    keep_requests: bool = False  # Results.extra["requests"]: every request of the window, one row each
    event_log_cases: int = 0  # Results.extra["event_log"]: events of up to this many requests per replication
    # Results.extra["open_requests"]: the requests open at the horizon (a warm start's table)
    export_state: bool = False

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise OptionError("executor", f"expected one of {', '.join(EXECUTORS)}, got {self.executor!r}")
        for name in ("replications", "workers", "max_replications"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise OptionError(name, f"must be ≥ 1, got {value}")
        if self.days is not None and not self.days > 0:
            raise OptionError("days", f"must be > 0, got {self.days:g}")
        if self.drain_days is not None and self.drain_days < 0:
            raise OptionError("drain_days", f"must be ≥ 0, got {self.drain_days:g}")
        if isinstance(self.warmup_days, str) and self.warmup_days != "auto":
            raise OptionError("warmup_days", f"expected a number of days or 'auto', got {self.warmup_days!r}")
        if isinstance(self.warmup_days, int | float) and self.warmup_days < 0:
            raise OptionError("warmup_days", f"must be ≥ 0, got {self.warmup_days:g}")
        if self.precision is not None and not 0 < self.precision < 1:
            raise OptionError("precision", f"expected a relative half-width in (0, 1), got {self.precision:g}")

    def raw_outputs(self) -> tk.RawOutputs:
        """The per-request outputs asked for (request rows, event log, open requests)."""
        return tk.RawOutputs(self.keep_requests, self.event_log_cases, self.export_state)


@dataclass
class Results:
    """Replications of one scenario, as tidy tables."""

    scenario: Scenario
    replications: pd.DataFrame
    summary: dict[str, dict[str, Any]]
    tables: dict[str, pd.DataFrame]
    daily: pd.DataFrame
    histograms: pd.DataFrame
    settings: dict[str, Any]
    wall_time_s: float = 0.0
    cached_tasks: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    stability: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # unstable and coping queues

    def metric(self, name: str) -> dict[str, Any]:
        return self.summary[name]

    def summary_table(self) -> pd.DataFrame:
        """One row per metric: mean, ci_low, ci_high, std, n."""
        rows = [
            {"metric": k, **{c: v[c] for c in ("mean", "ci_low", "ci_high", "std", "n")}}
            for k, v in self.summary.items()
        ]
        return pd.DataFrame(rows)


def resolve_settings(scenario: Scenario, options: RunOptions) -> dict[str, Any]:
    run = scenario.run
    days = int(round(options.days if options.days is not None else run.days))
    warm = options.warmup_days if options.warmup_days is not None else run.warmup_days
    return {
        "replications": int(options.replications if options.replications is not None else run.replications),
        "seed": int(options.seed if options.seed is not None else run.seed),
        "days": days,
        "warmup": warm,
        "drain_days": int(round(options.drain_days if options.drain_days is not None else run.drain_days)),
        "executor": options.executor,
        "workers": options.workers or default_workers(),
        "precision": options.precision,
    }


def check_calendar_coverage(scenario: Scenario, days: int, drain_days: int) -> None:
    """The loader checked the file's run length; ``--days``/``--drain-days`` may reach further, so check again."""
    if not scenario.calendar.official_holidays:
        return
    problem = coverage_problem(scenario.world.start_date, days + drain_days + 1)  # ShardSpec.total_days
    if problem is not None:
        raise ScenarioError(problem, field=START_FIELD)


def check_initial_state(scenario: Scenario) -> None:
    """A warm start's table against the world (townships, village ids), before any task starts."""
    params = scenario.model_params()
    if params.initial_state is not None:
        place_backlog(params, build_world(params))


def build_tasks(
    scenario: Scenario, replications: range, horizon: tk.Horizon, raw: tk.RawOutputs | None = None
) -> list[tk.Task]:
    """One task per (replication, county), largest counties first so workers stay busy.

    An event log of ``raw.event_log_cases`` requests per replication is split evenly over the
    counties (the first ones take the remainder), so a replication never logs more than asked for.
    """
    raw = raw or tk.RawOutputs()
    params = scenario.model_params()
    params_json = params.model_dump_json()
    data_hash = tk.data_files_hash(params)
    counties = _county_names(scenario)
    quota, spare = divmod(raw.event_log_cases, len(counties))
    weights = dict(zip(counties["name"], counties["villages"], strict=True))
    tasks = [
        tk.Task(
            scenario=scenario.name,
            params_json=params_json,
            county=ci,
            county_name=name,
            replication=r,
            horizon=horizon,
            key=tk.task_key(params_json, name, r, horizon, data_hash),
            raw=replace(raw, event_log_cases=quota + (ci < spare)),
        )
        for r in replications
        for ci, name in enumerate(counties["name"])
    ]
    return sorted(tasks, key=lambda t: (t.replication, -weights[t.county_name]))


def _county_names(scenario: Scenario) -> pd.DataFrame:
    table = read_counties(scenario.world.counties_csv)
    if scenario.world.counties is not None:
        table = table[table["county"].isin(scenario.world.counties)]
    names, villages = [], []
    for k in range(scenario.world.size_multiplier):
        names += [shard_name(c, k) for c in table["county"]]
        villages += list(table["villages_and_communities"])
    return pd.DataFrame({"name": names, "villages": villages})


def execute_tasks(
    tasks: list[tk.Task], options: RunOptions, done_so_far: int = 0, total: int | None = None
) -> tuple[dict[str, ShardResult], int]:
    """Run (or load from the cache) every task; returns results by key and the number reused."""
    cache = None if options.raw_outputs().wanted else options.cache_dir  # the cache keeps tables, not request rows
    results, todo = _from_cache(tasks, cache)
    reused = len(results)
    total = total if total is not None else len(tasks)
    count = done_so_far + reused
    if options.progress:
        options.progress(count, total)
    for task, result in run_tasks(todo, options.executor, options.workers, options.scheduler):
        if cache is not None:
            tk.save(result, cache / task.key)
        results[task.key] = result
        count += 1
        if options.progress:
            options.progress(count, total)
    return results, reused


def _from_cache(tasks: list[tk.Task], cache: Path | None) -> tuple[dict[str, ShardResult], list[tk.Task]]:
    """The cached results by key, and the tasks still to run (all of them without a cache)."""
    results: dict[str, ShardResult] = {}
    todo = []
    for task in tasks:
        cached = tk.load(cache / task.key) if cache is not None else None
        if cached is not None:
            results[task.key] = cached
        else:
            todo.append(task)
    return results, todo


def choose_warmup(scenario: Scenario, options: RunOptions, days: int, seed: int) -> tuple[int, dict[str, Any]]:
    """MSER-5 on a pilot replication's daily series (mean first response, visits)."""
    horizon = tk.Horizon(seed, days, 0, resolve_settings(scenario, options)["drain_days"])
    pilot = build_tasks(scenario, range(1), horizon)
    results, _ = execute_tasks(pilot, RunOptions(**{**options.__dict__, "progress": None}))
    daily = combine([results[t.key] for t in pilot]).daily
    fr = (daily["sum_first_response"] / daily["arrived"].replace(0, np.nan)).ffill().fillna(0).to_numpy()
    visits = daily["visits"].to_numpy(dtype=float)
    cuts = {
        name: int(mser(series)["truncation_index"])
        for name, series in (("first_response_hours_daily", fr), ("household_visits_daily", visits))
    }
    warm = min(max(cuts.values()), days // 2)
    return warm, {"method": "MSER-5 on a pilot replication", "truncation_days": cuts, "chosen": warm}


@dataclass(frozen=True)
class _Plan:
    """What every batch of a run's replications shares: the scenario, the options, the horizon."""

    scenario: Scenario
    options: RunOptions
    horizon: tk.Horizon
    counties: int  # shards (tasks) per replication


def run(scenario: Scenario, options: RunOptions | None = None) -> Results:
    """Run replications of ``scenario`` and summarise them."""
    options = options or RunOptions()
    started = time.perf_counter()
    settings = resolve_settings(scenario, options)
    check_calendar_coverage(scenario, settings["days"], settings["drain_days"])
    check_initial_state(scenario)
    warmup_days, warm_info = _warmup(scenario, options, settings)
    settings["warmup_days"], settings["warmup_info"] = warmup_days, warm_info
    horizon = tk.Horizon(settings["seed"], settings["days"], warmup_days, settings["drain_days"])
    plan = _Plan(scenario, options, horizon, len(_county_names(scenario)))
    shards, settings["replications"], reused = _replicate(plan, settings["replications"])
    if options.event_log_cases > 0:  # recorded only when asked for, so other manifests stay as they were
        settings["event_log_cases"] = options.event_log_cases
    return _results(plan, shards, settings, time.perf_counter() - started, reused)


def _warmup(scenario: Scenario, options: RunOptions, settings: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The warm-up in days (fixed, or chosen by MSER-5) and how it was chosen; shorter than the run."""
    days, warm = settings["days"], settings["warmup"]
    if warm == "auto":
        warmup_days, warm_info = choose_warmup(scenario, options, days, settings["seed"])
    else:
        warmup_days, warm_info = int(round(float(warm))), {"method": "fixed", "chosen": int(round(float(warm)))}
    if warmup_days >= days:
        raise ValueError(f"warm-up ({warmup_days} days) must be shorter than the run ({days} days)")
    return warmup_days, warm_info


def _replicate(plan: _Plan, n: int) -> tuple[Shards, int, int]:
    """``n`` replications, more while a precision target is missed (up to the maximum): shards, count, reused tasks."""
    options = plan.options
    target_total = n if options.precision is None else max(n, options.max_replications)
    shards: Shards = {}
    reused = 0
    while True:
        batch, k = _run_batch(plan, range(len(shards), n), target_total)
        shards.update(batch)
        reused += k
        if options.precision is None or n >= options.max_replications or _precise_enough(plan, shards):
            break
        n = min(options.max_replications, n + max(2, n // 2))
    return shards, n, reused


def _run_batch(plan: _Plan, replications: range, target_total: int) -> tuple[Shards, int]:
    """The shards of some replications (run or from the cache) and how many tasks were reused."""
    tasks = build_tasks(plan.scenario, replications, plan.horizon, plan.options.raw_outputs()) if replications else []
    done_so_far, total = replications.start * plan.counties, target_total * plan.counties
    got, reused = execute_tasks(tasks, plan.options, done_so_far=done_so_far, total=total)
    by_county = sorted(tasks, key=lambda t: t.county)  # combined in county order, whatever order tasks finished in
    return {r: [got[t.key] for t in by_county if t.replication == r] for r in replications}, reused


def _precise_enough(plan: _Plan, shards: Shards) -> bool:
    """Every key metric's relative half-width (where defined) within the precision target."""
    reps = _replication_table(plan.scenario, shards, plan.horizon)
    widths = [relative_half_width(reps[m].to_numpy()) for m in KEY_METRICS if m in reps]
    return all(w <= plan.options.precision for w in widths if not math.isnan(w))


def _replication_table(scenario: Scenario, shards: Shards, horizon: tk.Horizon) -> pd.DataFrame:
    """The metrics of the replications so far (one row each)."""
    combined = {r: combine(shards[r]) for r in sorted(shards)}
    return metrics_table(scenario, combined, horizon)


def _results(plan: _Plan, shards: Shards, settings: dict[str, Any], wall: float, reused: int) -> Results:
    """The Results of a run's replications: metrics, summary, tables, stability and what else was asked for."""
    scenario, horizon = plan.scenario, plan.horizon
    combined = {r: combine(shards[r]) for r in sorted(shards)}  # once per replication, read three times
    reps = metrics_table(scenario, combined, horizon)
    queues = queue_stability(
        pd.concat([c.queues.assign(replication=r) for r, c in combined.items()], ignore_index=True)
    )
    tables, daily = breakdown_tables(scenario, combined, horizon.days - horizon.warmup_days)
    return Results(
        scenario=scenario,
        replications=reps,
        summary=summarise(reps, [m for m in METRICS + EXTRA_METRICS + INHERITED_METRICS if m in reps]),
        tables=with_world_tables(tables, scenario, queues),
        daily=daily,
        histograms=histograms(combined),
        settings=settings,
        wall_time_s=wall,
        cached_tasks=reused,
        stability={"unstable_queues": flagged(queues, "unstable"), "coping_queues": flagged(queues, "coping")},
        extra=raw_tables(shards),
    )
