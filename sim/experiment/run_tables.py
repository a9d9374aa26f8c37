"""The tables of a run's Results, put together from its replications' shards.

Why apart from the runner: the runner decides which replications run and where; this is the pure
step after it, the same for every run (metrics per replication, breakdowns over replications, the
world's tables beside them, and the per-request outputs when asked for).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.analysis.metrics import Combined, breakdowns, replication_metrics
from sim.experiment.tasks import Horizon
from sim.experiment.world_tables import village_list, with_posts
from sim.model.records import ShardResult
from sim.model.world import build_world
from sim.scenario.params import Scenario

Shards = dict[int, list[ShardResult]]  # by replication, in county order


def metrics_table(scenario: Scenario, combined: dict[int, Combined], horizon: Horizon) -> pd.DataFrame:
    """One row of metrics per replication (with its seed)."""
    urgent = [k for k, t in enumerate(scenario.requests.types.values()) if t.urgent]
    rows = [
        {
            "replication": r,
            "seed": horizon.seed,
            **replication_metrics(c, horizon.days, horizon.warmup_days, urgent),
        }
        for r, c in combined.items()
    ]
    return pd.DataFrame(rows)


def breakdown_tables(
    scenario: Scenario, combined: dict[int, Combined], window_days: int
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Each breakdown table over every replication (a ``replication`` column), and the daily series apart."""
    type_names = list(scenario.requests.types)
    per_rep = {r: breakdowns(c, type_names, window_days) for r, c in combined.items()}
    tables = {}
    for name in per_rep[0]:
        frames = [t[name].assign(replication=r) for r, t in per_rep.items()]
        tables[name] = pd.concat(frames, ignore_index=True)
    daily = tables.pop("daily")
    return tables, daily


def with_world_tables(
    tables: dict[str, pd.DataFrame], scenario: Scenario, queues: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The tables with the queues' stability, the townships' posts and the village list added."""
    tables["queues"] = queues
    world = build_world(scenario.model_params())
    tables["by_township"] = with_posts(tables["by_township"], world, queues)
    tables["villages"] = village_list(world)
    return tables


def histograms(combined: dict[int, Combined]) -> pd.DataFrame:
    """The time histograms summed over replications."""
    hist = pd.concat([c.hist for c in combined.values()])
    return hist.groupby(["metric", "type_index", "kind", "bin"], as_index=False)["count"].sum()


def raw_tables(shards: Shards) -> dict[str, Any]:
    """What was asked for besides the tables: request rows, the requests open at the horizon, event logs."""
    extra: dict[str, Any] = {}
    rows = [
        s.requests.assign(replication=r, county=k)
        for r in sorted(shards)
        for k, s in enumerate(shards[r])
        if s.requests is not None
    ]
    if rows:
        extra["requests"] = pd.concat(rows, ignore_index=True)
    for name in ("open_requests", "event_log"):
        frames = [getattr(s, name) for r in sorted(shards) for s in shards[r] if getattr(s, name) is not None]
        if frames:
            extra[name] = pd.concat(frames, ignore_index=True)
    return extra
