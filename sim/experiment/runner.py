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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.metrics import (
    EXTRA_METRICS,
    INHERITED_METRICS,
    KEY_METRICS,
    METRICS,
    Combined,
    breakdowns,
    combine,
    replication_metrics,
)
from sim.analysis.stability import flagged, queue_stability
from sim.analysis.stats import mser, relative_half_width, summarise
from sim.experiment import tasks as tk
from sim.experiment.executors import ExecutorName, default_workers, run_tasks
from sim.experiment.world_tables import village_list, with_posts
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
    scenario: Scenario,
    replications: range,
    seed: int,
    days: int,
    warmup_days: int,
    drain_days: int,
    keep_requests: bool = False,
    event_log_cases: int = 0,
    export_state: bool = False,
) -> list[tk.Task]:
    """One task per (replication, county), largest counties first so workers stay busy.

    An event log of ``event_log_cases`` requests per replication is split evenly over the counties
    (the first ones take the remainder), so a replication never logs more than asked for.
    """
    params = scenario.model_params()
    params_json = params.model_dump_json()
    data_hash = tk.data_files_hash(params)
    counties = _county_names(scenario)
    quota, spare = divmod(event_log_cases, len(counties))
    weights = dict(zip(counties["name"], counties["villages"], strict=True))
    tasks = [
        tk.Task(
            scenario=scenario.name,
            params_json=params_json,
            county=ci,
            county_name=name,
            replication=r,
            seed=seed,
            days=days,
            warmup_days=warmup_days,
            drain_days=drain_days,
            keep_requests=keep_requests,
            event_log_cases=quota + (ci < spare),
            export_state=export_state,
            key=tk.task_key(params_json, name, r, seed, days, warmup_days, drain_days, data_hash),
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
    results: dict[str, ShardResult] = {}
    todo = []
    raw = options.keep_requests or options.event_log_cases > 0 or options.export_state
    cache = None if raw else options.cache_dir  # the cache keeps tables, not request rows or event logs
    for task in tasks:
        cached = tk.load(cache / task.key) if cache is not None else None
        if cached is not None:
            results[task.key] = cached
        else:
            todo.append(task)
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


def choose_warmup(scenario: Scenario, options: RunOptions, days: int, seed: int) -> tuple[int, dict[str, Any]]:
    """MSER-5 on a pilot replication's daily series (mean first response, visits)."""
    pilot = build_tasks(scenario, range(1), seed, days, 0, resolve_settings(scenario, options)["drain_days"])
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


def run(scenario: Scenario, options: RunOptions | None = None) -> Results:
    """Run replications of ``scenario`` and summarise them."""
    options = options or RunOptions()
    started = time.perf_counter()
    settings = resolve_settings(scenario, options)
    days, seed = settings["days"], settings["seed"]
    check_calendar_coverage(scenario, days, settings["drain_days"])
    check_initial_state(scenario)
    warm = settings["warmup"]
    if warm == "auto":
        warmup_days, warm_info = choose_warmup(scenario, options, days, seed)
    else:
        warmup_days, warm_info = int(round(float(warm))), {"method": "fixed", "chosen": int(round(float(warm)))}
    if warmup_days >= days:
        raise ValueError(f"warm-up ({warmup_days} days) must be shorter than the run ({days} days)")
    settings["warmup_days"] = warmup_days
    settings["warmup_info"] = warm_info
    n = settings["replications"]
    shards: dict[int, list[ShardResult]] = {}
    reused = 0
    n_counties = len(_county_names(scenario))
    target_total = n if options.precision is None else max(n, options.max_replications)
    while True:
        todo = [r for r in range(n) if r not in shards]
        tasks = (
            build_tasks(
                scenario,
                range(len(shards), n),
                seed,
                days,
                warmup_days,
                settings["drain_days"],
                options.keep_requests,
                options.event_log_cases,
                options.export_state,
            )
            if todo
            else []
        )
        got, k = execute_tasks(tasks, options, done_so_far=len(shards) * n_counties, total=target_total * n_counties)
        reused += k
        for r in todo:  # combine in county order, whatever order tasks finished in
            shards[r] = [got[t.key] for t in sorted((t for t in tasks if t.replication == r), key=lambda t: t.county)]
        if options.precision is None or n >= options.max_replications:
            break
        reps = _replication_table(scenario, shards, days, warmup_days, seed)
        widths = [relative_half_width(reps[m].to_numpy()) for m in KEY_METRICS if m in reps]
        if all(w <= options.precision for w in widths if not math.isnan(w)):
            break
        n = min(options.max_replications, n + max(2, n // 2))
    settings["replications"] = n
    if options.event_log_cases > 0:  # recorded only when asked for, so other manifests stay as they were
        settings["event_log_cases"] = options.event_log_cases
    return _results(scenario, shards, settings, time.perf_counter() - started, reused)


def _replication_table(
    scenario: Scenario, shards: dict[int, list[ShardResult]], days: int, warmup_days: int, seed: int
) -> pd.DataFrame:
    combined = {r: combine(shards[r]) for r in sorted(shards)}
    return _metrics_table(scenario, combined, days, warmup_days, seed)


def _metrics_table(
    scenario: Scenario, combined: dict[int, Combined], days: int, warmup_days: int, seed: int
) -> pd.DataFrame:
    urgent = [k for k, t in enumerate(scenario.requests.types.values()) if t.urgent]
    rows = [
        {"replication": r, "seed": seed, **replication_metrics(c, days, warmup_days, urgent)}
        for r, c in combined.items()
    ]
    return pd.DataFrame(rows)


def _results(
    scenario: Scenario, shards: dict[int, list[ShardResult]], settings: dict[str, Any], wall: float, reused: int
) -> Results:
    days, warmup_days = settings["days"], settings["warmup_days"]
    combined = {r: combine(shards[r]) for r in sorted(shards)}  # once per replication, read three times
    reps = _metrics_table(scenario, combined, days, warmup_days, settings["seed"])
    summary = summarise(reps, [m for m in METRICS + EXTRA_METRICS + INHERITED_METRICS if m in reps])
    queues = queue_stability(
        pd.concat([c.queues.assign(replication=r) for r, c in combined.items()], ignore_index=True)
    )
    type_names = list(scenario.requests.types)
    per_rep = {r: breakdowns(c, type_names, days - warmup_days) for r, c in combined.items()}
    tables = {}
    for name in per_rep[0]:
        frames = [t[name].assign(replication=r) for r, t in per_rep.items()]
        tables[name] = pd.concat(frames, ignore_index=True)
    daily = tables.pop("daily")
    tables["queues"] = queues
    world = build_world(scenario.model_params())
    tables["by_township"] = with_posts(tables["by_township"], world, queues)
    tables["villages"] = village_list(world)
    hist = pd.concat([c.hist for c in combined.values()])
    hist = hist.groupby(["metric", "type_index", "kind", "bin"], as_index=False)["count"].sum()
    stability = {"unstable_queues": flagged(queues, "unstable"), "coping_queues": flagged(queues, "coping")}
    extra: dict[str, Any] = {}
    rows = [
        s.requests.assign(replication=r, county=k)
        for r in sorted(shards)
        for k, s in enumerate(shards[r])
        if s.requests is not None
    ]
    if rows:
        extra["requests"] = pd.concat(rows, ignore_index=True)
    state = [s.open_requests for r in sorted(shards) for s in shards[r] if s.open_requests is not None]
    if state:
        extra["open_requests"] = pd.concat(state, ignore_index=True)
    logs = [s.event_log for r in sorted(shards) for s in shards[r] if s.event_log is not None]
    if logs:
        extra["event_log"] = pd.concat(logs, ignore_index=True)
    return Results(
        scenario=scenario,
        replications=reps,
        summary=summary,
        tables=tables,
        daily=daily,
        histograms=hist,
        settings=settings,
        wall_time_s=wall,
        cached_tasks=reused,
        stability=stability,
        extra=extra,
    )
