"""Warm start: the inherited backlog placed in the model on day 0, and a run's open requests at its horizon.

Why the inherited requests draw from their own streams (``initial-state``): the new arrivals,
their service times, escalations and downstream luck then come from exactly the streams they
use in an empty start, so a warm and a cold run with one seed meet the same residents (common
random numbers), and adding a row to the table changes nothing else.

How each stage re-enters the model:

* ``village``: waiting in the village's queue from day 0 (urgent ones in the urgent queue), in
  order of arrival, ahead of every new request. Its effort, escalation and follow-up are drawn
  as for a new request of its type; a request that was in service restarts its service (exact in
  distribution when service is exponential, an upper bound on the remaining work otherwise).
* ``follow_up``: the village's part is done; it resolves when the type's follow-up time since
  ``village_done_day`` has passed, using no one's time.
* ``township``, ``enforcement``, ``department``, ``cross_department``: the village's part is done
  and the request enters that stage of the county at day 0 (a department's step, a procedural
  wait or a one-thing pass in progress starts again).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.calendar import HOURS_PER_DAY as HOURS
from sim.model.demand import RequestArrays, typed_requests
from sim.model.escalation import ROUTE_CROSS, ROUTE_DELEGATED, ROUTE_DEPARTMENT, ROUTE_TOWNSHIP
from sim.model.world import World
from sim.scenario.county_names import did_you_mean
from sim.scenario.errors import ScenarioError
from sim.scenario.initial_state import FIELD, load_state_table
from sim.scenario.params import ModelParams

if TYPE_CHECKING:
    from sim.model.shard import ShardSpec

#: The county stage a row enters, as the escalation route it takes there.
STAGE_ROUTE = {
    "township": ROUTE_TOWNSHIP,
    "enforcement": ROUTE_DELEGATED,
    "department": ROUTE_DEPARTMENT,
    "cross_department": ROUTE_CROSS,
}
ROUTE_STAGE = {route: stage for stage, route in STAGE_ROUTE.items()}
#: Columns of the exported state (and of an analyst's table).
EXPORT_COLUMNS = [
    "replication",
    "as_of",
    "township",
    "village_id",
    "request_type",
    "arrival_day",
    "stage",
    "urgent",
    "department",
    "village_done_day",
]


@dataclass(frozen=True)
class Backlog:
    """The checked table placed in the world: each row's county, village and township within its county."""

    rows: pd.DataFrame
    states: tuple[int, ...]  # the table's replication labels, sorted

    def for_shard(self, county: int, replication: int) -> pd.DataFrame:
        """The rows of one county in the state that replication ``replication`` starts from (cycling)."""
        state = self.states[replication % len(self.states)]
        r = self.rows
        return r[(r["county_index"] == county) & (r["replication"] == state)]


def place_backlog(params: ModelParams, world: World) -> Backlog | None:
    """Read the scenario's initial state and find each row's place in ``world`` (None without one)."""
    if params.initial_state is None:
        return None
    table = load_state_table(params)
    places = _Places(world)
    problems: list[ScenarioError] = []
    found = []
    for row in table.itertuples(index=False):
        where = {"file": params.initial_state, "line": int(row.line)}
        place, problem = places.find(row)
        found.append(place)
        if problem is not None:
            problems.append(ScenarioError(problem[1], field=f"{FIELD}[{problem[0]}]", **where))
    if problems:
        raise ScenarioError.collect(problems[:20])
    at = np.array(found, dtype=np.int64).reshape(-1, 3)  # (county, township, village) of each row
    rows = table.assign(county_index=at[:, 0], township_local=at[:, 1], village_local=at[:, 2])
    return Backlog(rows=rows, states=tuple(sorted(set(int(x) for x in rows["replication"]))))


class _Places:
    """Where a row of the table sits in the world: its county, its township and village within the county."""

    def __init__(self, world: World) -> None:
        self.counties = world.counties
        self.towns = world.townships.reset_index(drop=True)
        self.town_local = self.towns.groupby("county_index").cumcount().to_numpy()
        self.town_at = {name: k for k, name in enumerate(self.towns["township"])}
        self.villages = world.villages.reset_index(drop=True)
        self.village_local = self.villages.groupby("county_index").cumcount().to_numpy()
        self.village_at = {int(v): k for k, v in enumerate(self.villages["village_id"])}

    def find(self, row: Any) -> tuple[tuple[int, int, int], tuple[str, str] | None]:
        """((county, township, village) indices, -1 where unknown; (column, problem) or None)."""
        k = self.town_at.get(row.township)
        if k is None:
            hint = did_you_mean(row.township, list(self.town_at))
            problem = (
                f"township '{row.township}' is not in the simulated world{'; ' + hint if hint else ''} "
                f"(counties: {', '.join(self.counties)})"
            )
            return (-1, -1, -1), ("township", problem)
        county, town = int(self.towns["county_index"].iloc[k]), int(self.town_local[k])
        if row.village_id < 0:
            return (county, town, -1), None
        v, problem = self._village(row)
        return (county, town, v), None if problem is None else ("village_id", problem)

    def _village(self, row: Any) -> tuple[int, str | None]:
        at = self.village_at.get(int(row.village_id))
        if at is None:
            return -1, (
                f"village_id {row.village_id} is not in the simulated world (ids 0-{len(self.villages) - 1}, as in "
                "tables/villages.csv of a run with the same world settings)"
            )
        if self.villages["township"].iloc[at] != row.township:
            return -1, (
                f"village_id {row.village_id} is in {self.villages['township'].iloc[at]}, the row says "
                f"{row.township}: was the table made with other world settings?"
            )
        return int(self.village_local[at]), None


# ------------------------------------------------------------------ draws


def inherited_requests(
    params: ModelParams, rows: pd.DataFrame, on_site_travel: float, rng: np.random.Generator
) -> RequestArrays:
    """A village's inherited requests at stage ``village``, in arrival order, with their work drawn as for new ones.

    Their urgency is the table's (an analyst may mark a routine type urgent), not the type's.
    """
    rows = rows.sort_values("arrival_hours", kind="stable")
    u = rng.random((len(rows), 2))
    drawn = typed_requests(
        params,
        rows["arrival_hours"].to_numpy(dtype=float),
        rows["type_index"].to_numpy(dtype=np.int16),
        (u[:, 0], u[:, 1]),
        on_site_travel,
    )
    return replace(drawn, urgent=rows["urgent"].to_numpy(dtype=bool))


def join_requests(head: RequestArrays, tail: RequestArrays) -> RequestArrays:
    """The inherited requests first, then the new ones (field by field)."""
    return RequestArrays(
        **{name: np.concatenate([getattr(head, name), getattr(tail, name)]) for name in RequestArrays.__annotations__}
    )


def follow_up_frame(params: ModelParams, rows: pd.DataFrame, village: int) -> pd.DataFrame:
    """A village's inherited requests at stage ``follow_up``: done in the village, waiting on other parties."""
    types = list(params.requests.types.values())
    type_of = rows["type_index"].to_numpy(dtype=np.int16)
    done = rows["village_done_hours"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "village": village,
            "arrival": rows["arrival_hours"].to_numpy(dtype=float),
            "type_index": type_of,
            "first_response": math.nan,  # before day 0, not known
            "village_done": done,
            # what is left of the follow-up on day 0: a follow-up the table's dates end before day 0 ends on it
            "follow_up": np.maximum(np.array([types[k].follow_up_days * HOURS for k in type_of]), -done),
            "escalate": False,
            "urgent": rows["urgent"].to_numpy(dtype=bool),
            "inherited": True,
            "initial_stage": "follow_up",
        }
    )


def county_stage_frame(params: ModelParams, rows: pd.DataFrame) -> pd.DataFrame:
    """A county's inherited requests already past the village: ready for their stage at day 0."""
    return pd.DataFrame(
        {
            "village": rows["village_local"].to_numpy(dtype=np.int64),  # -1 when the table gives none
            "arrival": rows["arrival_hours"].to_numpy(dtype=float),
            "type_index": rows["type_index"].to_numpy(dtype=np.int16),
            "first_response": math.nan,
            "village_done": 0.0,
            "follow_up": 0.0,
            "escalate": True,
            "urgent": rows["urgent"].to_numpy(dtype=bool),
            "inherited": True,
            "initial_stage": rows["stage"].to_numpy(dtype=object),
            "township_local": rows["township_local"].to_numpy(dtype=np.int64),
            "forced_route": rows["stage"].map(STAGE_ROUTE).to_numpy(dtype=np.int64),
            "forced_department": rows["department"].to_numpy(dtype=np.int64),
        }
    )


# ------------------------------------------------------------------ outcomes and export


def inherited_outcomes(req: pd.DataFrame, horizon: float, end: float) -> pd.DataFrame:
    """One row per inherited request: its stage on day 0 and when it was resolved (inf: open at the end)."""
    r = req[req["inherited"].to_numpy()]
    res = r["resolution_time"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "type_index": r["type_index"].to_numpy(dtype=np.int64),
            "stage": r["initial_stage"].to_numpy(dtype=object),
            "urgent": r["urgent"].to_numpy(dtype=bool),
            "arrival_hours": r["arrival"].to_numpy(dtype=float),
            "resolved_hours": np.where(res <= end, res, math.inf),
            "open_at_horizon": res >= horizon,
        }
    )


def _stage_at(r: pd.DataFrame, horizon: float) -> np.ndarray:
    """Each open request's stage at the horizon: village, follow-up, or its route's county stage."""
    in_village = (r["village_done"].to_numpy(dtype=float) > horizon) | (
        r["first_response"].to_numpy(dtype=float) > horizon
    )
    route = r["route"].to_numpy()
    return np.where(
        in_village,
        "village",
        np.where(r["escalate"].to_numpy(), [ROUTE_STAGE.get(int(x), "village") for x in route], "follow_up"),
    )


def open_requests(
    params: ModelParams,
    req: pd.DataFrame,
    villages: pd.DataFrame,
    townships: pd.DataFrame,
    spec: ShardSpec,
) -> pd.DataFrame:
    """The requests open at the horizon as an initial-state table (EXPORT_COLUMNS), to start another run from.

    Open means arrived before the horizon and not resolved by it. A request whose first response
    or village part is after the horizon is at stage ``village``; a finished village part with a
    follow-up still running is ``follow_up``; an escalated one is at its route's stage.
    """
    horizon, replication = spec.window.horizon, spec.replication
    a = req["arrival"].to_numpy(dtype=float)
    is_open = (a < horizon) & (req["resolution_time"].to_numpy(dtype=float) > horizon)
    r = req[is_open]
    done = r["village_done"].to_numpy(dtype=float)
    stage = _stage_at(r, horizon)
    types = list(params.requests.types)
    departments = [d.name for d in params.departments.departments]
    first_dept = r["department"].to_numpy()
    village = r["village"].to_numpy(dtype=np.int64)
    town_names = list(townships["township"])
    as_of = dt.date.fromisoformat(params.world.start_date) + dt.timedelta(days=int(round(horizon / HOURS)))
    return pd.DataFrame(
        {
            "replication": replication,
            "as_of": as_of.isoformat(),
            "township": [town_names[int(t)] for t in r["township_local"].to_numpy()],
            "village_id": pd.Series(villages["village_id"].to_numpy()[np.maximum(village, 0)], dtype="Int64")
            .mask(village < 0)
            .array,
            "request_type": [types[int(k)] for k in r["type_index"].to_numpy()],
            "arrival_day": (a[is_open] - horizon) / HOURS,
            "stage": stage,
            "urgent": r["urgent"].to_numpy(dtype=bool),
            "department": [
                departments[int(d)] if s == "department" and d >= 0 else ""
                for s, d in zip(stage, first_dept, strict=True)
            ],
            "village_done_day": np.where(stage == "follow_up", (done - horizon) / HOURS, np.nan),
        }
    )[EXPORT_COLUMNS]
