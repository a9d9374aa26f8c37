"""The raw SimPy event loop: the ceiling any SimPy model is measured against."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import simpy
from bench_common import Mode, cpu_seconds, env_events, median

# ====================================================================== SimPy ceiling


def _one_process_timeouts(n: int) -> tuple[int, float]:
    """The issue's ceiling: one process yielding n plain timeouts (about 1.5 M events/s on the reference box)."""
    env = simpy.Environment()

    def proc(env: simpy.Environment) -> Iterator[simpy.events.Event]:
        for _ in range(n):
            yield env.timeout(1.0)

    env.process(proc(env))
    c = cpu_seconds()
    env.run()
    return env_events(env), cpu_seconds() - c


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
    c = cpu_seconds()
    env.run()
    return env_events(env), cpu_seconds() - c


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
    c = cpu_seconds()
    env.run()
    return env_events(env), cpu_seconds() - c


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
        out[name] = {"events": events, "events_per_s": median(rates), "all": rates}
    out["ceiling_events_per_s"] = out["one_process_timeouts"]["events_per_s"]
    return out


def merge_ceilings(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Median over the repeats run before and after the model, so a burst of load on one side counts once."""
    out: dict[str, Any] = {}
    for name, b in before.items():
        if isinstance(b, dict):
            rates = b["all"] + after[name]["all"]
            out[name] = {"events": b["events"], "events_per_s": median(rates), "all": rates}
    out["ceiling_events_per_s"] = out["one_process_timeouts"]["events_per_s"]
    return out
