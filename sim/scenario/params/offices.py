"""Township and county offices: posts, coping, departments, one-thing modules, delegation."""

from __future__ import annotations

import warnings
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.params.base import NonNegative, NonNegativeInt, Share, Strict
from sim.scenario.params.distributions import Distribution, Uniform
from sim.scenario.params.requests import _lognormal


class CopingParams(Strict):
    """How an office bounds its backlog when demand outruns its regular staff.

    Real offices do not let a queue grow for ever: they pull colleagues off other work and stay
    late (the article: urban streets' workload doubled with no more posts). The model's coping
    is one mechanism with two knobs: while more than ``trigger_waiting_per_staff`` requests wait
    per regular staff member, the office adds extra staff, up to ``max_extra_staff_ratio`` x its
    regular staff; an extra staff member goes back to other work when the queue falls below
    the trigger. Extra staff-hours are reported (``*_coping_hours_per_day``).
    """

    max_extra_staff_ratio: NonNegative = Field(
        1.5,
        description="Most extra staff as a multiple of the office's regular staff (borrowed posts or overtime; "
        "assumption: a township can pull in up to 15 % of its posts beside the 10 % serving escalations).",
    )
    trigger_waiting_per_staff: NonNegative = Field(
        2.0, description="Waiting requests per regular staff member above which extra staff join (assumption)."
    )


class TownshipParams(Strict):
    posts_base: NonNegative = Field(
        60.0,
        description="Posts per township before the reform: administrative + institutional "
        "(assumption, DOMAIN §7: 20 + 40).",
    )
    administrative_posts_base: NonNegative = Field(
        20.0,
        description="Of posts_base, the administrative (行政) posts; the rest are institutional (事业) posts "
        "(assumption, DOMAIN §7).",
    )
    allocation: Literal["uniform", "population"] = Field(
        "uniform",
        description="How added_posts_total is split: 'population' by township population (article: "
        "按人口规模), 'uniform' in equal parts. No township loses posts either way.",
    )
    added_posts_total: NonNegative = Field(
        0.0,
        description="Institutional posts moved down to townships city-wide (article: 973 by end-2022, "
        "≈ +7 per township).",
    )
    min_administrative_posts: NonNegative = Field(
        0.0,
        description="Floor of administrative posts per township (article, after the reform: ≥ 20; "
        "0 = no floor, as before the reform).",
    )
    min_share_of_county_posts: Share = Field(
        0.0,
        description="Floor of the county's township posts as a share of the county's total posts (article, "
        "after the reform: ≥ 12 %; 0 = no floor). A shortfall is added by township population.",
    )
    county_posts_per_1000_residents: NonNegative = Field(
        10.0,
        description="The county's total staffing establishment (编制总量, administrative + institutional, "
        "schools and hospitals excluded) per 1,000 residents, for the 12 % floor (assumption: no published figure).",
    )
    min_posts: NonNegative | None = Field(
        None,
        description="Deprecated alias of min_administrative_posts (it was a floor on total posts that never "
        "bound); use min_administrative_posts.",
        deprecated=True,
    )
    service_share: Share = Field(
        0.1,
        description="Share of township posts handling escalated resident requests (assumption: no source; "
        "the staff-down effect depends on it, see docs/RESULTS.md).",
    )
    effort_hours: Distribution = Field(
        _lognormal(2.0, 0.6), description="Township staff time per escalated request (assumption)."
    )
    latency_working_days: Distribution = Field(
        Uniform(kind="uniform", low=1.0, high=5.0),
        description="Working days the township leg waits on approvals (DOMAIN §4: 1-5 working days).",
    )
    enforcement_team_size: NonNegative = Field(
        5.0, description="Township enforcement team for delegated items (DOMAIN §3: ≥ 5 people)."
    )
    delegated_latency_working_days: Distribution = Field(
        Uniform(kind="uniform", low=1.0, high=3.0),
        description="Working days a delegated item waits at the township (assumption).",
    )
    coping: CopingParams = Field(
        CopingParams(), description="Overload coping of the township's service pool and enforcement team."
    )

    @model_validator(mode="before")
    @classmethod
    def _deprecated_min_posts(cls, data: object) -> object:
        """Map the deprecated ``min_posts`` onto ``min_administrative_posts`` (with a warning)."""
        if isinstance(data, dict) and data.get("min_posts") is not None:
            warnings.warn(
                "township.min_posts is deprecated; use township.min_administrative_posts",
                DeprecationWarning,
                stacklevel=2,
            )
            data = {**data}
            data.setdefault("min_administrative_posts", data["min_posts"])
            data["min_posts"] = None
        return data

    @model_validator(mode="after")
    def _administrative_within_total(self) -> TownshipParams:
        if self.administrative_posts_base > self.posts_base:
            raise ValueError("administrative_posts_base must not exceed posts_base")
        return self


class Department(Strict):
    name: str = Field(description="Department name.")
    staff_per_county: NonNegative = Field(
        1.0, description="Field staff serving escalated requests in every county, whatever its size (assumption)."
    )
    staff_per_100k_residents: NonNegative = Field(
        1.0,
        description="Further field staff per 100,000 county residents (assumption: sized so that the "
        "baseline's departments run at about 75 % of their regular capacity; 3 per county regardless of size "
        "left the large counties' departments at twice their capacity).",
    )
    effort_hours: Distribution = Field(_lognormal(3.0, 0.6), description="Staff time per request (assumption).")


def default_departments() -> list[Department]:
    names = [
        "civil_affairs",
        "human_resources_social_security",
        "natural_resources",
        "housing_construction",
        "market_regulation",
        "agriculture",
        "urban_management",
    ]
    return [Department(name=n) for n in names]


class DepartmentParams(Strict):
    departments: list[Department] = Field(
        default_factory=default_departments, description="County departments (each county has one of each)."
    )
    on_time_response_probability: Share = Field(
        0.7,
        description="Probability a department answers a township whistle within on_time_working_days "
        "(DOMAIN §7: 0.7 before, 0.9 after the 50/50 assessment).",
    )
    on_time_working_days: NonNegative = Field(
        2.0, description="The whistle's response window (DOMAIN §7: 2 working days)."
    )
    late_extra_working_days: Distribution = Field(
        Uniform(kind="uniform", low=3.0, high=10.0), description="Further delay of a late response (assumption)."
    )
    processing_working_days: Distribution = Field(
        Uniform(kind="uniform", low=1.0, high=5.0),
        description="Working days a department's step waits on procedure (assumption).",
    )
    rework_probability: Share = Field(
        0.3, description="Probability a sequential step is sent back to the resident (来回跑; assumption)."
    )
    resident_return_working_days: NonNegative = Field(
        2.0, description="Working days before a resident returns with what was missing (assumption)."
    )
    coping: CopingParams = Field(
        CopingParams(max_extra_staff_ratio=1.0),
        description="Overload coping of each department's field staff (assumption: up to double).",
    )


class OneThingParams(Strict):
    """ "One thing" modules (一件事): cross-department matters handled jointly in one pass."""

    modules: NonNegativeInt = Field(0, description="Modules in the catalogue (article: 10+ after the reform).")
    coverage_per_module: Share = Field(
        0.06, description="Share of cross-department requests each module covers (assumption: 10 cover 60 %)."
    )
    coordination_hours: NonNegative = Field(8.0, description="Joint coordination time in working hours (assumption).")
    rework_probability: Share = Field(0.05, description="Rework probability in a module (assumption).")


class DelegationParams(Strict):
    """Powers delegated from county departments to the township (权力往下放)."""

    items_delegated: Annotated[int, Field(ge=0)] = Field(0, description="Items delegated (article: 26).")
    reference_items: Annotated[int, Field(ge=1)] = Field(26, description="Items at which delegable_share applies.")
    delegable_share: Share = Field(
        0.3,
        description="Share of single-department requests concerning the reference items; delegated "
        "share = delegable_share x items_delegated / reference_items, capped at 1 (assumption).",
    )
