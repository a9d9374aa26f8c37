"""M/M/5 throughput: the model against textbook SimPy, a callback design and Ciw, same inputs."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import simpy
from bench_common import (
    MMC,
    MMC_ARRIVALS_PER_HOUR,
    MMC_SERVERS,
    MMC_SERVICE_MEAN_H,
    Mode,
    cpu_seconds,
    load_scenario_file,
    median,
)
from bench_model import timed_phases

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
    c = cpu_seconds()
    env.run()
    return served[0], cpu_seconds() - c


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
    c = cpu_seconds()
    env.run()
    return count[1], cpu_seconds() - c


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
    c = cpu_seconds()
    q = ciw.Simulation(network)
    q.simulate_until_max_time(n / MMC_ARRIVALS_PER_HOUR)
    served = len(q.get_all_records())
    return served, cpu_seconds() - c


def model_mmc(n: int, seed: int) -> tuple[int, float, dict[str, float]]:
    """The project's model on mmc.yaml, serial, for the horizon in which about n customers arrive.

    Customers are all arrivals of the run, warm-up included (the daily table counts them all);
    the CPU time is the whole ``run_shard`` (drawing, simulating, summarising); the world is built first.
    """
    from sim.model.shard import ShardSpec, run_shard
    from sim.model.world import build_world

    scenario = load_scenario_file(MMC)
    params = scenario.model_params()
    world = build_world(params)
    days = max(2, math.ceil(n / (MMC_ARRIVALS_PER_HOUR * 24.0)))
    with timed_phases() as phases:
        c = cpu_seconds()
        result = run_shard(params, world, ShardSpec(0, 0, seed, days, min(20, days // 10)))
        cpu = cpu_seconds() - c
    stages = {"events": result.events, "village_stage_cpu_s": phases["_run_villages"]}
    return int(result.daily["arrived"].sum()), cpu, stages


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
        entry = {"customers": last[0], "cpu_s": last[1], "customers_per_s": median(rates), "all": rates}
        if name == "model":
            entry.update(last[2])
            entry["customers_per_village_stage_s"] = last[0] / last[2]["village_stage_cpu_s"]
        out[name] = entry
    return out
