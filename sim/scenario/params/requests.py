"""Resident requests: distributions, routes, request types and the demand pattern."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.params.base import NonNegative, Positive, Share, Strict
from sim.scenario.params.distributions import Distribution, lognormal


class Routes(Strict):
    """Where an escalated request goes; shares must sum to 1."""

    township: Share = Field(1.0, description="Share handled by the township's staff.")
    department: Share = Field(0.0, description="Share needing one county department (via township whistle).")
    cross_department: Share = Field(0.0, description="Share needing several departments in sequence.")

    @model_validator(mode="after")
    def _sums_to_one(self) -> Routes:
        total = self.township + self.department + self.cross_department
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"route shares must sum to 1 (they sum to {total:g})")
        return self


class RequestType(Strict):
    """One kind of resident request (DOMAIN §4)."""

    rate_per_1000_residents_per_year: NonNegative = Field(
        description="Arrival rate per 1,000 residents per year (annual mean)."
    )
    urban_multiplier: NonNegative = Field(1.0, description="Rate multiplier in urban communities.")
    rural_multiplier: NonNegative = Field(1.0, description="Rate multiplier in rural villages.")
    urgent: bool = Field(False, description="Urgent requests go first and get an on-call response out of hours.")
    effort_hours: Distribution = Field(description="Worker time at the village (hours).")
    on_site: bool = Field(False, description="Served at the resident's home or site: adds round-trip travel.")
    follow_up_days: NonNegative = Field(
        0.0, description="Elapsed days after the village's work before it is resolved (waiting on parties)."
    )
    escalation_probability: Share = Field(0.0, description="Probability the village cannot finish it.")
    routes: Routes = Routes()
    departments_min: Annotated[int, Field(ge=1, le=10)] = Field(
        2, description="Fewest departments a cross-department request needs."
    )
    departments_max: Annotated[int, Field(ge=1, le=10)] = Field(
        3, description="Most departments a cross-department request needs."
    )
    time_limit_hours: Positive = Field(
        120.0, description="Time limit for resolution in hours (for the within-limit share)."
    )
    procedure_time_factor: NonNegative = Field(
        1.0,
        description="Factor on the procedural waits after the village (township approvals, whistle response, "
        "department processing, delegated items): urgent matters are handled as emergencies "
        "(assumption: 0.1 for urgent requests, 1 otherwise).",
    )

    @model_validator(mode="after")
    def _dept_range(self) -> RequestType:
        if self.departments_min > self.departments_max:
            raise ValueError("departments_min must not exceed departments_max")
        return self


_lognormal = lognormal  # the name the other schema modules import


def default_request_types() -> dict[str, RequestType]:
    """The proposed request mix of DOMAIN §4 (assumption, total 400 per 1,000 per year)."""
    return {
        "consultation": RequestType(
            rate_per_1000_residents_per_year=160,
            effort_hours=_lognormal(10 / 60, 0.4),
            escalation_probability=0.05,
            time_limit_hours=24,
        ),
        "certificate": RequestType(
            rate_per_1000_residents_per_year=120,
            effort_hours=_lognormal(0.5, 0.4),
            escalation_probability=0.30,
            time_limit_hours=168,
        ),
        "help": RequestType(
            rate_per_1000_residents_per_year=60,
            effort_hours=_lognormal(1.25, 0.5),
            on_site=True,
            escalation_probability=0.25,
            routes=Routes(township=0.8, department=0.2),
            time_limit_hours=168,
        ),
        "coordination": RequestType(
            rate_per_1000_residents_per_year=40,
            effort_hours=_lognormal(2.5, 0.5),
            on_site=True,
            follow_up_days=3.0,
            escalation_probability=0.40,
            routes=Routes(township=0.4, department=0.35, cross_department=0.25),
            departments_min=2,
            departments_max=4,
            time_limit_hours=168,
        ),
        "dispute": RequestType(
            rate_per_1000_residents_per_year=8,
            effort_hours=_lognormal(5.0, 0.5),
            on_site=True,
            follow_up_days=7.0,
            escalation_probability=0.10,
            time_limit_hours=360,
        ),
        "urgent": RequestType(
            rate_per_1000_residents_per_year=4,
            urgent=True,
            effort_hours=_lognormal(2.0, 0.4),
            on_site=True,
            escalation_probability=0.50,
            routes=Routes(township=0.5, department=0.5),
            time_limit_hours=2,
            procedure_time_factor=0.1,
        ),
        "other": RequestType(
            rate_per_1000_residents_per_year=8,
            effort_hours=_lognormal(22 / 60, 0.4),
            escalation_probability=0.10,
            time_limit_hours=120,
        ),
    }


class SeasonalPeak(Strict):
    """A period of the year with a demand factor (dates as MM-DD, inclusive)."""

    start: str = Field(pattern=r"^\d{2}-\d{2}$", description="First day, MM-DD.")
    end: str = Field(pattern=r"^\d{2}-\d{2}$", description="Last day, MM-DD (may wrap past new year).")
    factor: NonNegative = Field(description="Demand multiplier during the peak.")


class RequestParams(Strict):
    demand_multiplier: NonNegative = Field(
        1.0, description="Scale every request rate (DOMAIN §4: plausible range 250-600 per 1,000, i.e. 0.6-1.5)."
    )
    weekday_factor: NonNegative = Field(1.2, description="Demand factor Monday-Friday (assumption, DOMAIN §4).")
    weekend_factor: NonNegative = Field(0.5, description="Demand factor Saturday-Sunday (assumption, DOMAIN §4).")
    seasonal_peaks: list[SeasonalPeak] = Field(
        default_factory=lambda: [
            SeasonalPeak(start="09-01", end="12-31", factor=1.5),
            SeasonalPeak(start="01-25", end="02-15", factor=1.5),
        ],
        description="Insurance enrolment (Sep-Dec) and Spring Festival peaks (assumption, DOMAIN §4). "
        "Factors are normalised so the annual mean rate is unchanged.",
    )
    daytime_share: Share = Field(0.85, description="Share of requests raised between 08:00 and 20:00 (assumption).")
    types: dict[str, RequestType] = Field(
        default_factory=default_request_types, description="Request types by name (DOMAIN §4)."
    )
