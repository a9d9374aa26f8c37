"""An event log of a sample of one shard's requests, for process mining (XES / pm4py conventions).

Why a sample chosen inside the shard: a county-year has hundreds of thousands of requests and a
log of all their steps would dwarf every other output, so each shard logs at most its quota of
the window's requests, drawn from its own named stream (``event-log``, used only when the log is
asked for, so no other draw moves). Only the sampled escalations are traced through the county
stage (:class:`TracedJourney`, a :class:`Journey` that notes each step before taking it), so
memory stays proportional to the sample and a run without the log runs exactly the old code.

Events (``concept:name``) per case: ``arrival``, ``first response``, then either ``village work
done`` (when the resident still waits on other parties) and ``resolved``, or ``escalated`` and
the county stage's steps: ``township accepts`` / ``township work done``, ``enforcement team
accepts`` / ``enforcement work done``, ``whistle`` (the township calls a department),
``department accepts`` / ``department work done`` (one pair per department pass, so a hand-off
is ``department work done`` → ``department accepts``), ``one-thing joint pass`` / ``one-thing
departments done``, ``rework return`` (the resident comes back after rework), and ``resolved``.
An event after the end of the drain is unknown and left out, as the metrics censor it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.escalation import (
    ROUTE_CROSS,
    ROUTE_DELEGATED,
    ROUTE_DEPARTMENT,
    ROUTE_TOWNSHIP,
    CountyStage,
    Escalated,
    Journey,
)
from sim.model.streams import stream
from sim.scenario.params import ModelParams

if TYPE_CHECKING:
    from sim.model.shard import ShardSpec

ROUTE_NAMES = {-1: "village", ROUTE_TOWNSHIP: "township", ROUTE_DEPARTMENT: "department"}
ROUTE_NAMES |= {ROUTE_CROSS: "cross_department", ROUTE_DELEGATED: "delegated"}
#: Resource kinds of the county stage's events (the index says which township or department).
TOWNSHIP, ENFORCEMENT, DEPARTMENT, MODULE = "township", "enforcement", "department", "one-thing module"
COLUMNS = [
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:resource",
    "org:group",
    "hours",
    "case:request_type",
    "case:urgent",
    "case:county",
    "case:township",
    "case:village",
    "case:village_kind",
    "case:route",
    "case:request",
]

#: One traced step: (escalation index, activity, resource kind, resource index, time in hours).
Step = tuple[int, str, str, int, float]


class TracedJourney(Journey):
    """A journey that appends each step to ``log`` before taking it; the draws are the parent's."""

    __slots__ = ("last_step", "log", "town")

    def __init__(self, stage: CountyStage, i: int, esc: Escalated, out: dict[str, list], log: list[Step]) -> None:
        super().__init__(stage, i, esc, out)
        self.log = log
        self.town = int(esc.township[i])
        self.last_step = -1

    def note(self, activity: str, kind: str, index: int) -> None:
        self.log.append((self.i, activity, kind, index, float(self.stage.clock.now)))

    def start(self) -> None:
        n = len(self.log)
        super().start()  # the route is known only after its draw
        route = self.route[self.i]
        if route == ROUTE_TOWNSHIP:
            first = ("township accepts", TOWNSHIP)
        elif route == ROUTE_DELEGATED:
            first = ("enforcement team accepts", ENFORCEMENT)
        elif len(self.log) == n:  # a department, or departments in sequence: the township blows the whistle
            first = ("whistle", TOWNSHIP)
        else:  # a "one thing" module: its joint pass is already noted
            return
        self.log.insert(n, (self.i, first[0], first[1], self.town, float(self.stage.clock.now)))

    def _township_latency(self) -> None:
        self.note("township work done", TOWNSHIP, self.town)
        super()._township_latency()

    def _delegated_latency(self) -> None:
        self.note("enforcement work done", ENFORCEMENT, self.town)
        super()._delegated_latency()

    def _sequential_step(self) -> None:
        d = self.depts[self.step]
        if self.last_step == self.step:
            self.note("rework return", DEPARTMENT, d)
        self.last_step = self.step
        self.note("department accepts", DEPARTMENT, d)
        super()._sequential_step()

    def _after_step(self) -> None:
        self.note("department work done", DEPARTMENT, self.depts[self.step])
        super()._after_step()

    def _module_pass(self) -> None:
        if self.handoffs[self.i] > 0:
            self.note("rework return", MODULE, self.town)
        self.note("one-thing joint pass", MODULE, self.town)
        super()._module_pass()

    def _module_part_done(self) -> None:
        if self.pending == 1:
            self.note("one-thing departments done", MODULE, self.town)
        super()._module_part_done()

    def _finish(self) -> None:
        route = self.route[self.i]
        if route == ROUTE_TOWNSHIP:
            self.note("resolved", TOWNSHIP, self.town)
        elif route == ROUTE_DELEGATED:
            self.note("resolved", ENFORCEMENT, self.town)
        elif self.last_step >= 0:  # departments in sequence: the last one closes it
            self.note("resolved", DEPARTMENT, self.depts[-1])
        else:
            self.note("resolved", MODULE, self.town)
        super()._finish()


class Tracer:
    """Makes a :class:`TracedJourney` for the sampled escalations and a plain one for the rest."""

    def __init__(self, traced: np.ndarray) -> None:
        self.traced = {int(i) for i in traced}
        self.steps: list[Step] = []

    def __call__(self, stage: CountyStage, i: int, esc: Escalated, out: dict[str, list]) -> Journey:
        if i in self.traced:
            return TracedJourney(stage, i, esc, out, self.steps)
        return Journey(stage, i, esc, out)


@dataclass
class ShardTrace:
    """One shard's sample, its tracer, and what is needed to turn the traced steps into the log."""

    sample: np.ndarray  # positions of the sampled requests among the shard's rows
    esc_positions: np.ndarray  # row of each escalation index of the county stage
    tracer: Tracer
    end: float
    case_prefix: str

    @classmethod
    def start(cls, req: pd.DataFrame, esc_mask: np.ndarray, spec: ShardSpec, quota: int) -> ShardTrace | None:
        """Draw the sample (stream ``event-log``) before the county stage runs; None when no log is asked for."""
        if quota <= 0:
            return None
        window = spec.window
        rng = stream(spec.seed, spec.replication, spec.county, -1, "event-log")
        arrival = np.where(req["inherited"].to_numpy(), -np.inf, req["arrival"].to_numpy())  # new requests only
        sample = sample_cases(arrival, window.warmup, window.horizon, quota, rng)
        esc_positions = np.flatnonzero(esc_mask)
        tracer = Tracer(np.flatnonzero(np.isin(esc_positions, sample)))
        return cls(sample, esc_positions, tracer, window.end, f"{spec.replication}-{spec.county}-")

    def log(
        self, params: ModelParams, req: pd.DataFrame, villages: pd.DataFrame, townships: pd.DataFrame
    ) -> pd.DataFrame:
        """The sampled requests' events, one row each, sorted by case and time (XES column names).

        Called once the county stage has run and ``req`` (the shard's raw request rows; positions
        are case numbers) carries the routes; events after the end of the drain are dropped.
        """
        village_ids = villages["village_id"].to_numpy()
        rows = _village_events(req, self.sample, village_ids) + self._county_events(params, townships)
        if not rows:
            return pd.DataFrame({c: [] for c in COLUMNS})
        frame = pd.DataFrame(rows, columns=["request", "order", "concept:name", "org:resource", "org:group", "hours"])
        frame = frame[np.isfinite(frame["hours"]) & (frame["hours"] <= self.end)]
        # by case, then in the order the steps happened (a hand-off's timestamps can differ in the last bit)
        frame = frame.sort_values(["request", "order"], kind="stable").drop(columns="order")
        return _with_case_attributes(params, frame, req, villages, self.case_prefix)

    def _county_events(self, params: ModelParams, townships: pd.DataFrame) -> list[tuple[Any, ...]]:
        """The traced county-stage steps, each at its escalation's row and after the village's four."""
        towns = list(townships["township"])
        depts = [d.name for d in params.departments.departments]
        rows: list[tuple[Any, ...]] = []
        for k, (i, activity, kind, index, t) in enumerate(self.tracer.steps):
            name = f"department {depts[index]}" if kind == DEPARTMENT else f"{kind} {towns[index]}"
            rows.append((int(self.esc_positions[i]), 4 + k, activity, name, kind, t))
        return rows


def _village_events(req: pd.DataFrame, sample: np.ndarray, village_ids: np.ndarray) -> list[tuple[Any, ...]]:
    """(position, order, activity, resource, group, hours) of each sampled request's village part."""
    rows: list[tuple[Any, ...]] = []
    r = req.iloc[sample]
    for pos, v, a, fr, done, follow, esc in zip(
        sample,
        r["village"].to_numpy(),
        r["arrival"].to_numpy(),
        r["first_response"].to_numpy(),
        r["village_done"].to_numpy(),
        r["follow_up"].to_numpy(),
        r["escalate"].to_numpy(),
        strict=True,
    ):
        here = f"village {int(village_ids[v])}"
        rows.append((pos, 0, "arrival", here, "village", a))
        rows.append((pos, 1, "first response", here, "village", fr))
        if esc:
            rows.append((pos, 2, "escalated", here, "village", done))
        elif follow > 0:
            rows += [
                (pos, 2, "village work done", here, "village", done),
                (pos, 3, "resolved", here, "village", done + follow),
            ]
        else:
            rows.append((pos, 3, "resolved", here, "village", done))
    return rows


def sample_cases(
    arrival: np.ndarray, warmup: float, horizon: float, quota: int, rng: np.random.Generator
) -> np.ndarray:
    """Positions (sorted) of at most ``quota`` requests drawn uniformly from those arriving in the window."""
    cohort = np.flatnonzero((arrival >= warmup) & (arrival < horizon))
    if quota <= 0 or not len(cohort):
        return np.zeros(0, dtype=np.int64)
    if quota >= len(cohort):
        return cohort
    return np.sort(rng.choice(cohort, size=quota, replace=False))


def _with_case_attributes(
    params: ModelParams, frame: pd.DataFrame, req: pd.DataFrame, villages: pd.DataFrame, case_prefix: str
) -> pd.DataFrame:
    pos = frame["request"].to_numpy()
    v = req["village"].to_numpy()[pos]
    types = np.array(list(params.requests.types))
    start = pd.Timestamp(dt.date.fromisoformat(params.world.start_date))
    route = req["route"].to_numpy()[pos] if "route" in req else np.full(len(pos), -1)
    out = pd.DataFrame(
        {
            "case:concept:name": [f"{case_prefix}{p}" for p in pos],
            "concept:name": frame["concept:name"].to_numpy(),
            "time:timestamp": start + pd.to_timedelta(frame["hours"].to_numpy(), unit="h"),
            "org:resource": frame["org:resource"].to_numpy(),
            "org:group": frame["org:group"].to_numpy(),
            "hours": frame["hours"].to_numpy(),
            "case:request_type": types[req["type_index"].to_numpy()[pos]],
            "case:urgent": req["urgent"].to_numpy()[pos],
            "case:county": villages["county"].to_numpy()[v],
            "case:township": villages["township"].to_numpy()[v],
            "case:village": villages["village_id"].to_numpy()[v],
            "case:village_kind": villages["kind"].to_numpy()[v],
            "case:route": [ROUTE_NAMES[int(x)] for x in route],
            "case:request": pos,
        }
    )
    return out.reset_index(drop=True)
