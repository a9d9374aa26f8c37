"""Typed scenario schema: every model parameter with its unit, default and source.

Why pydantic with ``extra="forbid"``: a typo in a scenario file must fail loudly
with the list of valid keys instead of silently running the default. Defaults
carry their source ("DOMAIN §x", "article") or the word *assumption*; the
report lists every assumption a scenario leaves in force.

Run control (replications, seed, horizon) lives in :class:`RunSettings`, which
the model never sees.
"""

from __future__ import annotations

from sim.scenario.params.admin import AdminParams
from sim.scenario.params.base import NonNegative, NonNegativeInt, Positive, Share, Strict
from sim.scenario.params.calendar import CalendarParams
from sim.scenario.params.distributions import (
    AnyDistribution,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Lognormal,
    Uniform,
)
from sim.scenario.params.offices import (
    CopingParams,
    DelegationParams,
    Department,
    DepartmentParams,
    OneThingParams,
    TownshipParams,
    default_departments,
)
from sim.scenario.params.policy import Activity, PolicyParams
from sim.scenario.params.requests import (
    RequestParams,
    RequestType,
    Routes,
    SeasonalPeak,
    default_request_types,
)
from sim.scenario.params.scenario import ModelParams, RunSettings, Scenario
from sim.scenario.params.visits import CampaignParams, VisitParams
from sim.scenario.params.workers import CadreRule, DutyParams, WorkerParams, WorkTeamParams
from sim.scenario.params.world import TravelParams, WorldParams

__all__ = [
    "Activity",
    "AdminParams",
    "AnyDistribution",
    "CadreRule",
    "CalendarParams",
    "CampaignParams",
    "CopingParams",
    "DelegationParams",
    "Department",
    "DepartmentParams",
    "Distribution",
    "DutyParams",
    "Empirical",
    "Exponential",
    "Fixed",
    "Lognormal",
    "ModelParams",
    "NonNegative",
    "NonNegativeInt",
    "OneThingParams",
    "PolicyParams",
    "Positive",
    "RequestParams",
    "RequestType",
    "Routes",
    "RunSettings",
    "Scenario",
    "SeasonalPeak",
    "Share",
    "Strict",
    "TownshipParams",
    "TravelParams",
    "Uniform",
    "VisitParams",
    "WorkTeamParams",
    "WorkerParams",
    "WorldParams",
    "default_departments",
    "default_request_types",
]
