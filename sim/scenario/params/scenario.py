"""The scenario: model parameters plus name, description and run control."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.params.admin import AdminParams
from sim.scenario.params.base import NonNegative, NonNegativeInt, Positive, Strict
from sim.scenario.params.calendar import CalendarParams
from sim.scenario.params.offices import DelegationParams, DepartmentParams, OneThingParams, TownshipParams
from sim.scenario.params.policy import PolicyParams
from sim.scenario.params.requests import RequestParams
from sim.scenario.params.visits import VisitParams
from sim.scenario.params.workers import WorkerParams
from sim.scenario.params.world import WorldParams


class RunSettings(Strict):
    """Run control: how the experiment is run, never what is modelled."""

    days: Positive = Field(365.0, description="Simulated days, warm-up included.")
    warmup_days: NonNegative | Literal["auto"] = Field(
        30.0, description="Days discarded before measuring, or 'auto' for MSER-5 on a pilot run."
    )
    replications: Annotated[int, Field(ge=1)] = Field(10, description="Independent replications.")
    seed: NonNegativeInt = Field(12345, description="Base seed of the replications' random streams.")
    drain_days: NonNegative = Field(
        180.0,
        description="After the horizon no new requests arrive and the system keeps working (duty, admin) until "
        "every request of the window is resolved, for at most this many days. Requests still open then are "
        "censored (Kaplan-Meier percentiles; the mean counts their age, a lower bound). 0 = no drain.",
    )

    @model_validator(mode="after")
    def _warmup_shorter(self) -> RunSettings:
        if isinstance(self.warmup_days, float) and self.warmup_days >= self.days:
            raise ValueError("warmup_days must be shorter than days")
        return self


class ModelParams(Strict):
    """Everything the model reads."""

    world: WorldParams = WorldParams()
    workers: WorkerParams = WorkerParams()
    requests: RequestParams = RequestParams()
    calendar: CalendarParams = CalendarParams()
    admin: AdminParams = AdminParams()
    visits: VisitParams = VisitParams()
    township: TownshipParams = TownshipParams()
    departments: DepartmentParams = DepartmentParams()
    one_thing: OneThingParams = OneThingParams()
    delegation: DelegationParams = DelegationParams()
    policy: PolicyParams = PolicyParams()
    initial_state: str | None = Field(
        None,
        description="Warm start: a table (CSV or Parquet) of requests already open on day 0, with their township, "
        "request type, arrival day (<= 0), stage and urgency (README, 'Warm start'). Relative paths are relative to "
        "the scenario file. Make one from a run with 'grassroots run ... --export-state'. Null: an empty start.",
    )
    verification_mode: bool = Field(
        False,
        description="Limiting case for verification: workers and offices always on duty, no visits, no admin "
        "(used by scenarios/validation/*.yaml to reproduce Erlang C and Cobham).",
    )


class Scenario(ModelParams):
    """A scenario file: a name, a description, the model parameters and run settings."""

    name: str = Field("scenario", description="Short name used in run folder names and reports.")
    description: str = Field("", description="What the scenario represents and changes.")
    run: RunSettings = RunSettings()

    def model_params(self) -> ModelParams:
        """The model's view of the scenario: run control and labels removed."""
        data = self.model_dump(exclude={"name", "description", "run"})
        return ModelParams.model_validate(data)
