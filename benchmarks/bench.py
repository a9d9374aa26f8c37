"""Performance benchmark: the model against the SimPy ceiling, M/M/c references, and scaling.

Why one script that measures everything in one run: the targets of the
performance issue are *ratios* (model events/s against the raw SimPy event
loop, model customers/s against textbook SimPy and Ciw). Ratios are only
meaningful when numerator and denominator are measured on the same machine,
under the same load, minutes apart, so this script measures both sides.

Usage::

    python benchmarks/bench.py                 # full mode, several minutes
    python benchmarks/bench.py --quick         # < 2 minutes, small city fractions and short horizons
    python benchmarks/bench.py --json out.json # also write the figures as JSON
    python benchmarks/bench.py --profile       # only profile a county year and M/M/5 -> benchmarks/out/

Rates (events/s, customers/s) are per CPU-second of the measuring process
(``time.process_time``), because the benchmark machine is a shared VM whose
wall clock includes time stolen by other tenants; wall times are reported
beside them. Runs that use a process pool execute in a fresh subprocess of this
script (``--child``), so ``getrusage(RUSAGE_CHILDREN)`` there gives the pool
workers' CPU time and the largest worker's peak RSS without interference from
earlier measurements.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import simpy

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
CHILD_MARK = "BENCH-CHILD-RESULT "

# Targets of the performance issue (the last one is this benchmark's reading of "cost linear").
TARGET_FULL_CITY_WALL_S = 20.0
TARGET_RATIO_TO_CEILING = 0.60
TARGET_VS_TEXTBOOK = 3.0
TARGET_VS_CIW = 5.0
TARGET_PEAK_RSS_MB = 1024.0
TARGET_LOGLOG_EXPONENT = 1.10

MMC_ARRIVALS_PER_HOUR = 4.0  # mmc.yaml: lambda = 4/h, mu = 1/h, c = 5, rho = 0.8
MMC_SERVERS = 5
MMC_SERVICE_MEAN_H = 1.0


@dataclass(frozen=True)
class Mode:
    """Sizes of one benchmark mode; quick mode exists so a smoke check stays under two minutes."""

    name: str
    ceiling_events: int  # events per micro-benchmark repetition
    repeats: int  # repetitions of the micro-benchmarks (median reported)
    rate_counties: tuple[str, ...]  # serial subset for the model's events/s
    rate_days: int
    scaling_days: int  # horizon of the 1/8 ... 1 points
    big_days: int  # horizon of the 10x point
    big_of_eighth: bool  # 10x of the 1/8 city instead of the whole city (quick mode: per-village setup dominates)
    days_series: tuple[int, ...]  # extra horizons for the 1/8 city (linearity in days)
    mmc_customers: int
    workers: int


FULL = Mode("full", 1_000_000, 3, ("Luoping",), 365, 365, 30, False, (30, 90), 200_000, 2)
QUICK = Mode("quick", 200_000, 3, ("Malong",), 90, 30, 5, True, (10,), 30_000, 2)
PROFILE_COUNTY = "Luoping"  # the median county by number of villages (154 of 1,688)


# ====================================================================== helpers


def _cpu() -> float:
    return time.process_time()


def _median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def _env_events(env: simpy.Environment) -> int:
    """Events an environment scheduled: SimPy numbers every scheduled event with this counter.

    The model counts its events the same way (``sim.model.shard._events``), so
    ceiling and model are measured in the same unit.
    """
    return next(env._eid)


def _mark(ok: bool | None) -> str:
    return "EST" if ok is None else ("PASS" if ok else "MISS")


def _fmt(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def _load(path: Path, overrides: dict[str, Any] | None = None) -> Any:
    from sim.scenario.loader import load_scenario

    return load_scenario(path, overrides or None)


# ====================================================================== SimPy ceiling


def _one_process_timeouts(n: int) -> tuple[int, float]:
    """The issue's ceiling: one process yielding n plain timeouts (about 1.5 M events/s on the reference box)."""
    env = simpy.Environment()

    def proc(env: simpy.Environment) -> Iterator[simpy.events.Event]:
        for _ in range(n):
            yield env.timeout(1.0)

    env.process(proc(env))
    c = _cpu()
    env.run()
    return _env_events(env), _cpu() - c


def _many_process_timeouts(n: int, processes: int = 10_000) -> tuple[int, float]:
    """Ten thousand processes share n timeouts: a deep event heap, the issue's second reference point."""
    env = simpy.Environment()
    per = max(1, n // processes)

    def proc(env: simpy.Environment, k: int) -> Iterator[simpy.events.Event]:
        delay = 1.0 + (k % 97) / 97.0
        for _ in range(per):
            yield env.timeout(delay)

    for k in range(processes):
        env.process(proc(env, k))
    c = _cpu()
    env.run()
    return _env_events(env), _cpu() - c


def _callback_timeouts(n: int, chains: int = 100) -> tuple[int, float]:
    """Timeouts whose callbacks schedule the next one, no generators: the style the village model uses."""
    env = simpy.Environment()
    left = [n]

    def fire(ev: simpy.events.Event) -> None:
        if left[0] > 0:
            left[0] -= 1
            env.timeout(ev.value, ev.value).callbacks.append(fire)

    for k in range(chains):
        env.timeout(1.0 + k / chains, 1.0 + k / chains).callbacks.append(fire)
    c = _cpu()
    env.run()
    return _env_events(env), _cpu() - c


def measure_ceiling(mode: Mode) -> dict[str, Any]:
    """Median events per CPU-second of three fixed micro-benchmarks; the first is the ceiling."""
    out: dict[str, Any] = {}
    for name, fn in (
        ("one_process_timeouts", _one_process_timeouts),
        ("ten_thousand_processes", _many_process_timeouts),
        ("callback_timeouts", _callback_timeouts),
    ):
        rates = []
        for _ in range(mode.repeats):
            events, cpu = fn(mode.ceiling_events)
            rates.append(events / cpu)
        out[name] = {"events": events, "events_per_s": _median(rates), "all": rates}
    out["ceiling_events_per_s"] = out["one_process_timeouts"]["events_per_s"]
    return out


def merge_ceilings(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Median over the repeats run before and after the model, so a burst of load on one side counts once."""
    out: dict[str, Any] = {}
    for name, b in before.items():
        if isinstance(b, dict):
            rates = b["all"] + after[name]["all"]
            out[name] = {"events": b["events"], "events_per_s": _median(rates), "all": rates}
    out["ceiling_events_per_s"] = out["one_process_timeouts"]["events_per_s"]
    return out


# ====================================================================== model, serial


@contextmanager
def timed_env_run() -> Iterator[list[float]]:
    """Accumulate CPU time spent inside ``simpy.Environment.run`` (event loop plus model callbacks).

    Why a patch rather than a model hook: the model must not change for the
    benchmark; this separates "simulating" from drawing inputs and summarising
    outputs with pandas, which also belong to the shard's cost.
    """
    cls = simpy.Environment
    own = "run" in cls.__dict__
    original = cls.run
    acc = [0.0]

    def run(self: simpy.Environment, until: Any = None) -> Any:
        c = _cpu()
        try:
            return original(self, until)
        finally:
            acc[0] += _cpu() - c

    cls.run = run  # type: ignore[method-assign]
    try:
        yield acc
    finally:
        if own:
            cls.run = original  # type: ignore[method-assign]
        else:
            del cls.run


def measure_model_rate(mode: Mode) -> dict[str, Any]:
    """Events per CPU-second of whole ``run_shard`` calls, serial, in this process, on a fixed county subset."""
    from sim.model.shard import run_shard
    from sim.model.world import build_world

    scenario = _load(BASELINE, {"world.counties": list(mode.rate_counties)})
    params = scenario.model_params()
    world = build_world(params)
    warmup = min(30, mode.rate_days // 6)
    events, requests = 0, 0.0
    with timed_env_run() as in_loop:
        c, w = _cpu(), time.perf_counter()
        for county in range(len(world.counties)):
            result = run_shard(params, world, county, 0, scenario.run.seed, mode.rate_days, warmup)
            events += result.events
            requests += float(result.daily["arrived"].sum())
        cpu, wall = _cpu() - c, time.perf_counter() - w
    villages = len(world.villages)
    return {
        "subset": list(mode.rate_counties),
        "villages": villages,
        "days": mode.rate_days,
        "events": events,
        "requests": requests,
        "cpu_s": cpu,
        "wall_s": wall,
        "env_run_cpu_s": in_loop[0],
        "events_per_s": events / cpu,
        "events_per_env_run_s": events / in_loop[0] if in_loop[0] else math.nan,
        # work-based rates: unlike events/s they do not penalise a model that needs fewer events
        "cpu_us_per_request": 1e6 * cpu / requests if requests else math.nan,
        "cpu_ms_per_village_year": 1e3 * cpu / villages * 365.0 / mode.rate_days,
    }


# ====================================================================== pool runs in a subprocess


class RssSampler:
    """Samples the RSS of this process's children while a pool runs (peak sum across workers)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_total = 0
        self.peak_one = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                self.peak_one = max(self.peak_one, rss)
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _busy_cpu_s() -> float:
    """CPU-seconds the whole machine has spent busy (all processes, all cores)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)


def _usage() -> tuple[float, float]:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime


def child_run(spec: dict[str, Any]) -> dict[str, Any]:
    """One replication through the project's runner with a process pool; runs inside ``--child``."""
    from sim.experiment.runner import RunOptions, run

    scenario = _load(BASELINE, spec["overrides"])
    options = RunOptions(
        replications=1,
        days=spec["days"],
        warmup_days=spec["warmup_days"],
        executor="local",
        workers=spec["workers"],
        cache_dir=None,
    )
    busy0, (self0, kids0) = _busy_cpu_s(), _usage()
    steal0 = getattr(psutil.cpu_times(), "steal", 0.0)
    with RssSampler() as sampler:
        w = time.perf_counter()
        results = run(scenario, options)
        wall = time.perf_counter() - w
    self1, kids1 = _usage()
    busy = _busy_cpu_s() - busy0
    ours = (self1 - self0) + (kids1 - kids0)
    kids_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0  # KiB on Linux
    self_maxrss = _own_peak_rss_mb()
    in_process = spec["workers"] == 1 or _counties(scenario) == 1  # the runner then skips the pool
    return {
        "villages": _villages(scenario),
        "events": float(results.summary["events"]["mean"]),
        "requests_arrived": float(results.summary["requests_arrived"]["mean"]),
        "wall_s": wall,
        "runner_wall_s": results.wall_time_s,
        "cpu_s": ours,
        "worker_cpu_s": kids1 - kids0,
        "coordinator_cpu_s": self1 - self0,
        "parallelism": ours / wall if wall > 0 else math.nan,
        "background_cores": max(0.0, busy - ours) / wall if wall > 0 else math.nan,
        "steal_cores": (getattr(psutil.cpu_times(), "steal", 0.0) - steal0) / wall if wall > 0 else math.nan,
        "peak_rss_worker_mb": self_maxrss if in_process else kids_maxrss,
        "peak_rss_coordinator_mb": self_maxrss,
        "peak_rss_all_workers_sampled_mb": sampler.peak_total / 2**20,
        "in_process": in_process,
    }


def _own_peak_rss_mb() -> float:
    """Peak RSS of this process's own address space (``VmHWM``).

    Why not ``ru_maxrss`` of RUSAGE_SELF: Linux carries it across ``exec``, so a
    child started by the benchmark would report the benchmark's own peak. The pool
    workers are forked without ``exec``, so RUSAGE_CHILDREN is right for them.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _county_table(scenario: Any) -> Any:
    from sim.model.world import read_counties

    table = read_counties(scenario.world.counties_csv)
    if scenario.world.counties is not None:
        table = table[table["county"].isin(scenario.world.counties)]
    return table


def _villages(scenario: Any) -> int:
    """Villages in the scenario's world, counted from the county table (no world build needed)."""
    return int(_county_table(scenario)["villages_and_communities"].sum()) * scenario.world.size_multiplier


def _counties(scenario: Any) -> int:
    """Tasks per replication: one per county (copy)."""
    return len(_county_table(scenario)) * scenario.world.size_multiplier


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``child_run`` in a fresh interpreter so its rusage covers this measurement only."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({spec}):\n{proc.stderr[-4000:]}")
    line = next(x for x in reversed(proc.stdout.splitlines()) if x.startswith(CHILD_MARK))
    return json.loads(line.removeprefix(CHILD_MARK))


# ====================================================================== scaling


def county_sizes() -> dict[str, int]:
    from sim.model.world import read_counties

    table = read_counties(_load(BASELINE).world.counties_csv)
    return dict(zip(table["county"], table["villages_and_communities"].astype(int), strict=True))


def county_subset(sizes: dict[str, int], fraction: float) -> list[str]:
    """The subset of whole counties whose village count is closest to ``fraction`` of the city.

    Why whole counties: the county is the unit of work (one task), so a fraction of
    the city must be a set of counties; ties go to fewer counties, then names.
    """
    target = fraction * sum(sizes.values())
    names = sorted(sizes)
    best: tuple[float, int, list[str]] | None = None
    for k in range(1, len(names) + 1):
        for combo in combinations(names, k):
            key = (abs(sum(sizes[c] for c in combo) - target), k, list(combo))
            if best is None or key < best:
                best = key
    assert best is not None
    return best[2]


def fit_line(xs: list[float], ys: list[float]) -> dict[str, float]:
    """Least squares ``y = a + b x`` and the log-log exponent (1.0: cost proportional to x; < 1: fixed costs)."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    b, a = np.polyfit(x, y, 1)
    exponent = float(np.polyfit(np.log(x), np.log(y), 1)[0])
    return {"slope": float(b), "intercept_s": float(a), "r2": _r2(y, a + b * x), "loglog_exponent": exponent}


def per_village_cost(days_fit: dict[str, float], villages: int) -> dict[str, float]:
    """Cost per village split into a fixed setup and a per-day part, from the 1/8 city's days series.

    Why from the days series: at a fixed set of villages the intercept of cost
    against days is the setup (drawing inputs, calendars, tables, pool start) and
    the slope is the simulated work; a regression over sizes and horizons together
    cannot separate them reliably on a noisy machine.
    """
    return {
        "setup_s_per_village": days_fit["intercept_s"] / villages,
        "s_per_village_day": days_fit["slope"] / villages,
    }


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / ss if ss > 0 else math.nan


def predict(f: dict[str, float], villages: float, days: float) -> float:
    """Cost of ``villages`` for ``days`` if cost is proportional to villages (what the 10x point tests)."""
    return villages * (f["setup_s_per_village"] + f["s_per_village_day"] * days)


def measure_scaling(mode: Mode, log: Callable[[str], None]) -> dict[str, Any]:
    """Villages series (1/8 ... 1 of the city, same horizon), days series (1/8 city), and 10x the city.

    Each point runs one replication through the project's runner and process
    pool in a fresh subprocess; the whole-city point at 365 days is also the
    issue's full-city measurement.
    """
    sizes = county_sizes()
    eighth = county_subset(sizes, 1 / 8)
    plan: list[tuple[str, str, dict[str, Any], int]] = [
        (label, "villages", {"world.counties": county_subset(sizes, fraction)}, mode.scaling_days)
        for label, fraction in (("1/8", 1 / 8), ("1/4", 1 / 4), ("1/2", 1 / 2))
    ]
    plan.append(("1", "villages", {}, mode.scaling_days))
    plan += [("1/8", "days", {"world.counties": eighth}, d) for d in mode.days_series]
    if mode.big_of_eighth:
        plan.append(("10x1/8", "size", {"world.counties": eighth, "world.size_multiplier": 10}, mode.big_days))
    else:
        plan.append(("10x", "size", {"world.size_multiplier": 10}, mode.big_days))
    points = []
    for label, series, overrides, days in plan:
        log(f"  scaling {label:>4} x {days:>3} days: {overrides or 'whole city'} ...")
        spec = {"overrides": overrides, "days": days, "warmup_days": min(30, days // 6), "workers": mode.workers}
        r = run_child(spec)
        r.update(
            label=label,
            series=series,
            overrides=overrides,
            days=days,
            village_days=r["villages"] * days,
            workers=mode.workers,
        )
        points.append(r)
        log(
            f"           {r['villages']} villages, wall {r['wall_s']:.1f} s, cpu {r['cpu_s']:.1f} s, "
            f"peak worker RSS {r['peak_rss_worker_mb']:.0f} MB, background load {r['background_cores']:.2f} cores"
        )
    by_villages = [p for p in points if p["series"] == "villages"]
    by_days = [p for p in points if p["label"] == "1/8"]
    fits: dict[str, Any] = {
        "villages": {
            k: fit_line([p["villages"] for p in by_villages], [p[f"{k}_s"] for p in by_villages])
            for k in ("wall", "cpu")
        },
        "days": {k: fit_line([p["days"] for p in by_days], [p[f"{k}_s"] for p in by_days]) for k in ("wall", "cpu")},
    }
    # from the 1/8 city alone, so the 10x point (8x-80x more villages) is an out-of-sample test of linearity
    fits["cost"] = {k: per_village_cost(fits["days"][k], by_days[0]["villages"]) for k in ("wall", "cpu")}
    big = points[-1]
    for k in ("wall", "cpu"):
        fits[f"ten_x_predicted_{k}_s"] = predict(fits["cost"][k], big["villages"], big["days"])
    fits["ten_x_measured_over_predicted_cpu"] = big["cpu_s"] / fits["ten_x_predicted_cpu_s"]
    return {"points": points, "fits": fits}


# ====================================================================== M/M/c


def textbook_mmc(n: int, seed: int) -> tuple[int, float]:
    """Textbook SimPy: a process per customer, ``simpy.Resource``, numpy draws per customer."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=MMC_SERVERS)
    served = [0]

    def customer(env: simpy.Environment) -> Iterator[simpy.events.Event]:
        with servers.request() as req:
            yield req
            yield env.timeout(rng.exponential(MMC_SERVICE_MEAN_H))
        served[0] += 1

    def source(env: simpy.Environment) -> Iterator[simpy.events.Event]:
        for _ in range(n):
            yield env.timeout(rng.exponential(1.0 / MMC_ARRIVALS_PER_HOUR))
            env.process(customer(env))

    env.process(source(env))
    c = _cpu()
    env.run()
    return served[0], _cpu() - c


def callback_mmc(n: int, seed: int) -> tuple[int, float]:
    """Hand-written callback M/M/c on SimPy timeouts (the issue's ~518 k/s reference style); context only."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    free = [MMC_SERVERS]
    waiting: deque[None] = deque()
    count = [0, 0]  # arrived, served

    def start() -> None:
        env.timeout(rng.exponential(MMC_SERVICE_MEAN_H)).callbacks.append(depart)

    def arrive(_ev: simpy.events.Event) -> None:
        count[0] += 1
        if count[0] < n:
            env.timeout(rng.exponential(1.0 / MMC_ARRIVALS_PER_HOUR)).callbacks.append(arrive)
        if free[0]:
            free[0] -= 1
            start()
        else:
            waiting.append(None)

    def depart(_ev: simpy.events.Event) -> None:
        count[1] += 1
        if waiting:
            waiting.popleft()
            start()
        else:
            free[0] += 1

    env.timeout(rng.exponential(1.0 / MMC_ARRIVALS_PER_HOUR)).callbacks.append(arrive)
    c = _cpu()
    env.run()
    return count[1], _cpu() - c


def ciw_mmc(n: int, seed: int) -> tuple[int, float] | None:
    """Ciw's M/M/5 for the time n customers take to arrive; None when Ciw is not installed."""
    try:
        import ciw
    except ImportError:
        return None
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(MMC_ARRIVALS_PER_HOUR)],
        service_distributions=[ciw.dists.Exponential(1.0 / MMC_SERVICE_MEAN_H)],
        number_of_servers=[MMC_SERVERS],
    )
    c = _cpu()
    q = ciw.Simulation(network)
    q.simulate_until_max_time(n / MMC_ARRIVALS_PER_HOUR)
    served = len(q.get_all_records())
    return served, _cpu() - c


def model_mmc(n: int, seed: int) -> tuple[int, float, dict[str, float]]:
    """The project's model on mmc.yaml, serial, for the horizon in which about n customers arrive.

    Customers are all arrivals of the run, warm-up included (the daily table counts them all);
    the CPU time is the whole ``run_shard`` (drawing, simulating, summarising); the world is built first.
    """
    from sim.model.shard import run_shard
    from sim.model.world import build_world

    scenario = _load(MMC)
    params = scenario.model_params()
    world = build_world(params)
    days = max(2, math.ceil(n / (MMC_ARRIVALS_PER_HOUR * 24.0)))
    with timed_env_run() as in_loop:
        c = _cpu()
        result = run_shard(params, world, 0, 0, seed, days, min(20, days // 10))
        cpu = _cpu() - c
    return int(result.daily["arrived"].sum()), cpu, {"events": result.events, "env_run_cpu_s": in_loop[0]}


def measure_mmc(mode: Mode) -> dict[str, Any]:
    """Customers per CPU-second of four M/M/5 implementations, median of ``repeats`` runs each."""
    n = mode.mmc_customers
    out: dict[str, Any] = {"customers_target": n, "servers": MMC_SERVERS, "arrivals_per_hour": MMC_ARRIVALS_PER_HOUR}
    impls: dict[str, Callable[[int, int], Any]] = {
        "model": model_mmc,
        "textbook_simpy": textbook_mmc,
        "callback_simpy": callback_mmc,
        "ciw": ciw_mmc,
    }
    for name, fn in impls.items():
        rates, last = [], None
        for r in range(mode.repeats):
            got = fn(n, 2024 + r)
            if got is None:
                break
            last = got
            rates.append(got[0] / got[1])
        if last is None:
            out[name] = None
            continue
        entry = {"customers": last[0], "cpu_s": last[1], "customers_per_s": _median(rates), "all": rates}
        if name == "model":
            entry.update(last[2])
            entry["customers_per_env_run_s"] = last[0] / last[2]["env_run_cpu_s"]
        out[name] = entry
    return out


# ====================================================================== profile


def profile(out_dir: Path) -> dict[str, Any]:
    """Profile a mid-size county year (the real workload) and the M/M/5 case (the lean limit of the model)."""
    from sim.model.shard import run_shard
    from sim.model.world import build_world

    scenario = _load(BASELINE, {"world.counties": [PROFILE_COUNTY]})
    params = scenario.model_params()
    world = build_world(params)
    seed = scenario.run.seed
    county = _profile_one(
        lambda: run_shard(params, world, 0, 0, seed, 365, 30).events,
        out_dir,
        "profile",
        f"run_shard: county {PROFILE_COUNTY} ({len(world.villages)} villages), baseline, 365 days, warm-up 30, "
        f"replication 0, seed {seed}",
    )
    county.update(county=PROFILE_COUNTY, villages=len(world.villages))

    mmc_scenario = _load(MMC)
    mmc_params = mmc_scenario.model_params()
    mmc_world = build_world(mmc_params)
    days = math.ceil(FULL.mmc_customers / (MMC_ARRIVALS_PER_HOUR * 24.0))
    mmc = _profile_one(
        lambda: run_shard(mmc_params, mmc_world, 0, 0, 2024, days, 20).events,
        out_dir,
        "profile_mmc",
        f"run_shard: mmc.yaml (M/M/5, rho 0.8), {days} days (~{FULL.mmc_customers:,} customers), seed 2024",
    )
    return {"county": county, "mmc": mmc}


def _profile_one(work: Callable[[], int], out_dir: Path, stem: str, what: str) -> dict[str, Any]:
    """pyinstrument for time shares and the call tree, cProfile for call counts; both files under ``out_dir``.

    Why both: pyinstrument's shares are what to optimise; cProfile's call counts
    say how often each piece runs per event. Both add per-call overhead, which
    inflates small, frequently called functions, so the unprofiled wall time is
    measured first and written in the header.
    """
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    w = time.perf_counter()
    events = work()  # unprofiled reference run (also warms imports and caches)
    plain_wall = time.perf_counter() - w
    profiler = Profiler(interval=0.001)
    profiler.start()
    work()
    session = profiler.stop()
    hot = _pyinstrument_table(session.root_frame(), session.duration)

    cp = cProfile.Profile()
    cp.enable()
    work()
    cp.disable()
    stats = pstats.Stats(cp)
    raw = stats.stats  # type: ignore[attr-defined]
    cp_rows = {(Path(f).name, line, fn): (nc, tt, ct) for (f, line, fn), (_, nc, tt, ct, _) in raw.items()}
    cp_total = sum(v[1] for v in cp_rows.values())
    for row in hot:
        key = (Path(row["file"]).name, row["line"], row["function"])
        if row["file"] == "<built-in>":
            key = ("~", 0, f"<built-in method builtins.{row['function']}>")
        got = cp_rows.get(key)
        if got is not None:
            row.update(calls=got[0], cprofile_tottime_s=got[1], cprofile_cumtime_s=got[2])

    from sim.experiment.tasks import model_code_hash

    out_dir.mkdir(parents=True, exist_ok=True)
    header = (
        f"{what}\nmodel code hash {model_code_hash()}, {time.strftime('%Y-%m-%d %H:%M:%S %z')}, "
        f"load average {os.getloadavg()[0]:.2f}\n{events:,} SimPy events; unprofiled wall {plain_wall:.2f} s; "
        f"pyinstrument wall {session.duration:.2f} s; cProfile total tottime {cp_total:.2f} s\n"
    )
    tree = ConsoleRenderer(unicode=False, color=False, show_all=False).render(session)
    flat = ConsoleRenderer(unicode=False, color=False, flat=True, flat_time="self").render(session)
    table = "\n".join(
        f"{100 * r['self_share']:6.1f}% self {100 * r['cumulative_share']:6.1f}% cum  "
        f"{_fmt(r.get('calls')):>11} calls  {r['function']}  {r['file']}:{r['line']}"
        for r in hot[:40]
    )
    (out_dir / f"{stem}.txt").write_text(
        header
        + "\n=== hot spots: self and cumulative share of the pyinstrument wall time ===\n"
        + table
        + "\n\n=== call tree (pyinstrument) ===\n"
        + tree
        + "\n=== self time by function (pyinstrument, flat; library frames grouped) ===\n"
        + flat
    )
    buf = io.StringIO()
    for key in ("tottime", "cumulative"):
        buf.write(f"=== cProfile, top 40 by {key} ===\n")
        pstats.Stats(cp, stream=buf).sort_stats(key).print_stats(40)
    (out_dir / f"{stem}_cprofile.txt").write_text(header + buf.getvalue())
    return {
        "what": what,
        "events": events,
        "wall_s": plain_wall,
        "profiled_wall_s": session.duration,
        "cprofile_total_s": cp_total,
        "files": [f"{stem}.txt", f"{stem}_cprofile.txt"],
        "hot_spots": hot[:25],
    }


def _pyinstrument_table(root: Any, duration: float) -> list[dict[str, Any]]:
    """Self and cumulative time by function from a pyinstrument frame tree (recursion counted once)."""
    by_fn: dict[tuple[str, int, str], list[float]] = {}

    def walk(frame: Any, active: frozenset[tuple[str, int, str]]) -> None:
        key = (frame.file_path or "", int(frame.line_no or 0), frame.function or "")
        entry = by_fn.setdefault(key, [0.0, 0.0])
        # synthetic children ("[self]" leaves) are the frame's own time, so count them here, not as functions
        entry[0] += frame.time - sum(c.time for c in frame.children if not c.is_synthetic)
        if key not in active:
            entry[1] += frame.time
        for child in (c for c in frame.children if not c.is_synthetic):
            walk(child, active | {key})

    walk(root, frozenset())
    rows = [
        {
            "function": fn,
            "file": _short(path),
            "line": line,
            "self_s": s,
            "self_share": s / duration,
            "cumulative_s": c,
            "cumulative_share": c / duration,
        }
        for (path, line, fn), (s, c) in by_fn.items()
        if fn and s + c > 0
    ]
    return sorted(rows, key=lambda r: -r["self_s"])


def _short(path: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def print_profile(p: dict[str, Any], out_dir: Path) -> None:
    for name, prof in p.items():
        print(
            f"\n{prof['what']}\n{prof['events']:,} events, {prof['wall_s']:.2f} s unprofiled "
            f"(pyinstrument {prof['profiled_wall_s']:.2f} s, cProfile {prof['cprofile_total_s']:.2f} s); "
            f"written to {', '.join(_short(str(out_dir / f)) for f in prof['files'])}  [{name}]"
        )
        print(f"{'function':<30} {'where':<34} {'self %':>7} {'cum %':>7} {'calls':>11} {'tottime':>8} {'cumtime':>8}")
        for r in prof["hot_spots"][:15]:
            print(
                f"{r['function'][:30]:<30} {(r['file'] + ':' + str(r['line']))[-34:]:<34} "
                f"{100 * r['self_share']:>6.1f}% {100 * r['cumulative_share']:>6.1f}% {_fmt(r.get('calls')):>11} "
                f"{_fmt(r.get('cprofile_tottime_s'), 2):>8} {_fmt(r.get('cprofile_cumtime_s'), 2):>8}"
            )


# ====================================================================== main


@dataclass
class Report:
    """Everything measured in one run; ``summary()`` is the JSON the issue asks for."""

    mode: str
    machine: dict[str, Any]
    ceiling: dict[str, Any] = field(default_factory=dict)
    model_rate: dict[str, Any] = field(default_factory=dict)
    scaling: dict[str, Any] = field(default_factory=dict)
    mmc: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def full_city(self) -> tuple[float, bool, dict[str, Any]]:
        """Full-city year wall time: measured in full mode, extrapolated from the wall fit in quick mode."""
        whole = next(p for p in self.scaling["points"] if p["label"] == "1")
        if whole["days"] == 365:
            return whole["wall_s"], True, whole
        return predict(self.scaling["fits"]["cost"]["wall"], whole["villages"], 365), False, whole

    def summary(self) -> dict[str, Any]:
        wall, measured, whole = self.full_city()
        ceiling = self.ceiling["ceiling_events_per_s"]
        model = self.model_rate["events_per_s"]
        mmc = self.mmc["model"]["customers_per_s"]
        textbook = self.mmc["textbook_simpy"]["customers_per_s"]
        ciw = self.mmc["ciw"]["customers_per_s"] if self.mmc.get("ciw") else None
        return {
            "ceiling_events_per_s": ceiling,
            "model_events_per_s": model,
            "ratio_to_ceiling": model / ceiling,
            "model_cpu_us_per_request": self.model_rate["cpu_us_per_request"],
            "model_cpu_ms_per_village_year": self.model_rate["cpu_ms_per_village_year"],
            "full_city_year_wall_s": wall,
            "full_city_year_measured": measured,
            "full_city_days": whole["days"],
            "full_city_events": whole["events"],
            "full_city_events_per_cpu_s": whole["events"] / whole["cpu_s"],
            "peak_rss_mb": whole["peak_rss_worker_mb"],
            "peak_rss_measured_for_full_year": measured,
            "mmc_customers_per_s": mmc,
            "textbook_simpy_customers_per_s": textbook,
            "ciw_customers_per_s": ciw,
            "callback_simpy_customers_per_s": self.mmc["callback_simpy"]["customers_per_s"],
            "mmc_vs_textbook": mmc / textbook,
            "mmc_vs_ciw": mmc / ciw if ciw else None,
            "scaling": self.scaling,
            "targets": self.targets(),
        }

    def targets(self) -> list[dict[str, Any]]:
        wall, measured, whole = self.full_city()
        ratio = self.model_rate["events_per_s"] / self.ceiling["ceiling_events_per_s"]
        mmc = self.mmc["model"]["customers_per_s"]
        vs_text = mmc / self.mmc["textbook_simpy"]["customers_per_s"]
        vs_ciw = mmc / self.mmc["ciw"]["customers_per_s"] if self.mmc.get("ciw") else None
        peak = whole["peak_rss_worker_mb"]
        fits = self.scaling["fits"]
        in_villages = fits["villages"]["cpu"]["loglog_exponent"]
        in_days = fits["days"]["cpu"]["loglog_exponent"]

        def row(name: str, value: float | None, target: str, ok: bool | None) -> dict[str, Any]:
            return {"target": name, "value": value, "goal": target, "status": _mark(ok)}

        return [
            row(
                "full city, 365 days, 1 replication, wall s",
                wall,
                f"<= {TARGET_FULL_CITY_WALL_S:g}",
                wall <= TARGET_FULL_CITY_WALL_S if measured else None,
            ),
            row(
                "model events/s / SimPy ceiling",
                ratio,
                f">= {TARGET_RATIO_TO_CEILING:.2f}",
                ratio >= TARGET_RATIO_TO_CEILING,
            ),
            row("M/M/c model / textbook SimPy", vs_text, f">= {TARGET_VS_TEXTBOOK:g}", vs_text >= TARGET_VS_TEXTBOOK),
            row(
                "M/M/c model / Ciw",
                vs_ciw,
                f">= {TARGET_VS_CIW:g}",
                None if vs_ciw is None else vs_ciw >= TARGET_VS_CIW,
            ),
            row(
                "peak RSS per worker, full-city year, MB",
                peak,
                f"<= {TARGET_PEAK_RSS_MB:g}",
                peak <= TARGET_PEAK_RSS_MB if measured else None,
            ),
            row(
                "CPU cost log-log exponent in villages",
                in_villages,
                f"<= {TARGET_LOGLOG_EXPONENT:.2f}",
                in_villages <= TARGET_LOGLOG_EXPONENT,
            ),
            row(
                "CPU cost log-log exponent in days",
                in_days,
                f"<= {TARGET_LOGLOG_EXPONENT:.2f}",
                in_days <= TARGET_LOGLOG_EXPONENT,
            ),
        ]


def machine_info() -> dict[str, Any]:
    """Where and on what the figures were measured (the model's code hash pins the model version)."""
    from sim.experiment.tasks import model_code_hash

    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False
        ).stdout.strip()
        or None
    )
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or None,
        "loadavg_at_start": list(os.getloadavg()),
        "git_commit": commit,
        "model_code_hash": model_code_hash(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def print_report(rep: Report) -> None:
    s = rep.summary()
    c, m, mm = rep.ceiling, rep.model_rate, rep.mmc
    print(
        f"\n=== grassroots-sim benchmark ({rep.mode} mode, {rep.elapsed_s:.0f} s, "
        f"{rep.machine['cpus']} CPUs, load {rep.machine['loadavg_at_start'][0]:.2f} at start) ==="
    )
    print("\nSimPy ceiling (events per CPU-second, median of repeats)")
    for k in ("one_process_timeouts", "ten_thousand_processes", "callback_timeouts"):
        print(f"  {k:<28} {_fmt(c[k]['events_per_s']):>12}")
    print(f"\nModel, serial run_shard on {'+'.join(m['subset'])} ({m['villages']} villages, {m['days']} days)")
    print(f"  events                       {_fmt(m['events']):>12}")
    print(f"  events / CPU-s (whole shard) {_fmt(m['events_per_s']):>12}   cpu {m['cpu_s']:.2f} s")
    print(f"  events / CPU-s in env.run    {_fmt(m['events_per_env_run_s']):>12}   cpu {m['env_run_cpu_s']:.2f} s")
    print(f"  ratio to ceiling             {s['ratio_to_ceiling']:>12.3f}")
    print(
        f"  CPU per request              {m['cpu_us_per_request']:>12.1f} us   "
        f"({m['requests']:,.0f} requests; {m['cpu_ms_per_village_year']:.1f} ms per village-year)"
    )
    print(
        "\nScaling (runner, local pool of "
        f"{rep.scaling['points'][0]['workers']} workers, 1 replication; fresh subprocess each)"
    )
    print(
        f"  {'size':>6} {'villages':>8} {'days':>5} {'village-days':>12} {'wall s':>8} {'cpu s':>8} {'par':>5} "
        f"{'bg cores':>8} {'events':>12} {'worker RSS MB':>13} {'coord RSS MB':>12}"
    )
    for p in rep.scaling["points"]:
        print(
            f"  {p['label']:>6} {p['villages']:>8} {p['days']:>5} {p['village_days']:>12,} {p['wall_s']:>8.1f} "
            f"{p['cpu_s']:>8.1f} {p['parallelism']:>5.2f} {p['background_cores']:>8.2f} {p['events']:>12,.0f} "
            f"{p['peak_rss_worker_mb']:>13.0f} {p['peak_rss_coordinator_mb']:>12.0f}"
        )
    fits = rep.scaling["fits"]
    for k in ("wall", "cpu"):
        v, d, c = fits["villages"][k], fits["days"][k], fits["cost"][k]
        print(
            f"  {k:>4}: {1e3 * v['slope']:.1f} ms/village at {rep.scaling['points'][0]['days']} days "
            f"(exponent {v['loglog_exponent']:.3f}, r2 {v['r2']:.4f}); "
            f"{1e3 * d['slope']:.1f} ms/day for the 1/8 city (exponent {d['loglog_exponent']:.3f}); "
            f"per village {1e3 * c['setup_s_per_village']:.2f} ms setup + "
            f"{1e6 * c['s_per_village_day']:.1f} us/day"
        )
    big = rep.scaling["points"][-1]
    print(
        f"  {big['label']} point vs the 1/8 city scaled up: wall {big['wall_s']:.1f} s measured, "
        f"{fits['ten_x_predicted_wall_s']:.1f} s predicted; cpu {big['cpu_s']:.1f} s measured, "
        f"{fits['ten_x_predicted_cpu_s']:.1f} s predicted (ratio {fits['ten_x_measured_over_predicted_cpu']:.2f})"
    )
    print(f"\nM/M/5 at rho 0.8, ~{mm['customers_target']:,} customers (customers per CPU-second, median)")
    for k in ("model", "textbook_simpy", "callback_simpy", "ciw"):
        e = mm.get(k)
        print(f"  {k:<16} {_fmt(e['customers_per_s']) if e else 'not installed':>12}")
    if mm["model"]:
        print(f"  (model inside env.run only: {_fmt(mm['model']['customers_per_env_run_s'])} customers/s)")
    print("\nTargets")
    for t in s["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:,.3f}"
        print(f"  {t['status']:<5} {t['target']:<44} {value:>12}   goal {t['goal']}")
    if not s["full_city_year_measured"]:
        print("  (quick mode: EST = extrapolated from the scaling fit, not measured; run full mode for the figure)")


def run_benchmark(mode: Mode) -> Report:
    started = time.perf_counter()
    rep = Report(mode=mode.name, machine=machine_info())

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {msg}", flush=True)

    log("SimPy ceiling micro-benchmarks ...")
    before = measure_ceiling(mode)
    log(f"model events/s, serial {'+'.join(mode.rate_counties)} for {mode.rate_days} days ...")
    rep.model_rate = measure_model_rate(mode)
    log("SimPy ceiling micro-benchmarks again (bracketing the model measurement) ...")
    rep.ceiling = merge_ceilings(before, measure_ceiling(mode))
    log(f"M/M/5 comparison, {mode.mmc_customers:,} customers x {mode.repeats} ...")
    rep.mmc = measure_mmc(mode)
    log("scaling series (each point in a fresh subprocess) ...")
    rep.scaling = measure_scaling(mode, log)
    rep.elapsed_s = time.perf_counter() - started
    return rep


def _jsonable(x: Any) -> Any:
    """NaN and inf become null (the run folder's rule), so the JSON is strict."""
    from sim.io.rundir import jsonable

    return jsonable(x)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short horizons (< 2 minutes)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"only profile a {PROFILE_COUNTY} county year and the M/M/5 case into benchmarks/out/",
    )
    parser.add_argument("--workers", type=int, default=None, help="pool workers for the scaling runs (default 2)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(CHILD_MARK + json.dumps(_jsonable(child_run(json.loads(args.child)))))
        return 0
    if args.profile:
        p = profile(OUT)
        print_profile(p, OUT)
        if args.json:
            args.json.write_text(json.dumps(_jsonable(p), indent=2))
        return 0
    mode = QUICK if args.quick else FULL
    if args.workers:
        mode = Mode(**{**asdict(mode), "workers": args.workers})
    rep = run_benchmark(mode)
    print_report(rep)
    if args.json:
        doc = {
            "mode": rep.mode,
            "machine": rep.machine,
            "elapsed_s": rep.elapsed_s,
            **rep.summary(),
            "details": {"ceiling": rep.ceiling, "model_rate": rep.model_rate, "mmc": rep.mmc},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_jsonable(doc), indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
