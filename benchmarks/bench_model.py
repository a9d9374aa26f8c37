"""The model's own rate (serial) and pool runs in a fresh subprocess (rusage of that run only)."""

from __future__ import annotations

import math
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
from bench_common import BASELINE, Mode, cpu_seconds, load_scenario_file

# ====================================================================== model, serial


#: The shard's two stages, timed apart: every village (drawing its inputs, its event loop, its rows)
#: and the county stage (escalated requests through township and county offices).
PHASES = ("_run_villages", "_run_county")


@contextmanager
def timed_phases() -> Iterator[dict[str, float]]:
    """Accumulate CPU time spent in the shard's village stage and county stage.

    Why a patch rather than a model hook: the model must not change for the benchmark; this
    separates the two stages from each other and from summarising the outputs with pandas,
    which also belongs to the shard's cost. (The village loop has its own event list, so timing
    ``simpy.Environment.run`` would only see the county stage.)
    """
    from sim.model import shard

    acc = dict.fromkeys(PHASES, 0.0)
    originals = {name: getattr(shard, name) for name in PHASES}

    def timed(name: str) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            c = cpu_seconds()
            try:
                return originals[name](*args, **kwargs)
            finally:
                acc[name] += cpu_seconds() - c

        return run

    for name in PHASES:
        setattr(shard, name, timed(name))
    try:
        yield acc
    finally:
        for name, fn in originals.items():
            setattr(shard, name, fn)


def measure_model_rate(mode: Mode) -> dict[str, Any]:
    """Events per CPU-second of whole ``run_shard`` calls, serial, in this process, on a fixed county subset."""
    from sim.model.shard import ShardSpec, run_shard
    from sim.model.world import build_world

    scenario = load_scenario_file(BASELINE, {"world.counties": list(mode.rate_counties)})
    params = scenario.model_params()
    world = build_world(params)
    warmup = min(30, mode.rate_days // 6)
    events, requests = 0, 0.0
    with timed_phases() as phases:
        c, w = cpu_seconds(), time.perf_counter()
        for county in range(len(world.counties)):
            result = run_shard(params, world, ShardSpec(county, 0, scenario.run.seed, mode.rate_days, warmup))
            events += result.events
            requests += float(result.daily["arrived"].sum())
        cpu, wall = cpu_seconds() - c, time.perf_counter() - w
    villages = len(world.villages)
    return {
        "subset": list(mode.rate_counties),
        "villages": villages,
        "days": mode.rate_days,
        "events": events,
        "requests": requests,
        "cpu_s": cpu,
        "wall_s": wall,
        "village_stage_cpu_s": phases["_run_villages"],
        "county_stage_cpu_s": phases["_run_county"],
        "events_per_s": events / cpu,
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

    scenario = load_scenario_file(BASELINE, spec["overrides"])
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
