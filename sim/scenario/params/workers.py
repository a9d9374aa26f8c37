"""Village workers: cadre rules, work teams, duty hours, roster, on-call, overtime."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.params.base import NonNegative, NonNegativeInt, Share, Strict


class CadreRule(Strict):
    """Cadres per unit = clip(round(base + per_1000_residents x population/1000), min, max)."""

    base: NonNegative = Field(description="Intercept of the cadre rule (cadres).")
    per_1000_residents: NonNegative = Field(description="Extra cadres per 1,000 residents.")
    minimum: NonNegativeInt = Field(description="Fewest cadres in a unit.")
    maximum: NonNegativeInt = Field(description="Most cadres in a unit.")

    @model_validator(mode="after")
    def _ordered(self) -> CadreRule:
        if self.minimum > self.maximum:
            raise ValueError("minimum must not exceed maximum")
        return self


class WorkTeamParams(Strict):
    """Work-team members sent down to villages (干部往下沉)."""

    members_total: NonNegativeInt = Field(
        0,
        description="Members across the whole city, distributed by population (at least "
        "min_per_village each while the total allows). Article: 5,147 over 1,688 units after the "
        "reform; 0 before.",
    )
    members_per_village: NonNegativeInt | None = Field(
        None, description="If set, this many members in every village (overrides members_total)."
    )
    min_per_village: NonNegativeInt = Field(
        1, description="Floor per village when distributing members_total (assumption: full coverage, article)."
    )
    availability: Share = Field(
        0.6,
        description="Share of duty days a member works in the village (members keep other duties). "
        "Assumption (DOMAIN §8: full-time share unknown).",
    )
    ramp_up_days: NonNegative = Field(
        30.0,
        description="Members arrive spread uniformly over the first ramp_up_days of the run. Assumption.",
    )
    does_apps: bool = Field(
        False, description="Whether members also carry the per-cadre government-app minutes (assumption: no)."
    )


class DutyParams(Strict):
    """Duty hours, weekend roster, on-call and overtime."""

    periods: list[tuple[float, float]] = Field(
        [(8.5, 12.0), (14.5, 18.0)],
        description="Duty periods of a working day as [start, end] hours of the day (assumption: "
        "8:30-12:00 and 14:30-18:00, lunch break between).",
    )
    weekend_on_duty: NonNegativeInt = Field(
        1, description="Cadres on duty on Saturdays and Sundays, by rotation (值班; assumption)."
    )
    on_call_delay_hours: NonNegative = Field(
        0.5,
        description="Delay before the on-call cadre starts on an urgent request out of hours (assumption).",
    )
    overtime_hours_per_day: NonNegative = Field(
        1.0,
        description="Workers stay up to this long after the last period to serve waiting requests "
        "(overload coping; assumption).",
    )

    @model_validator(mode="after")
    def _periods_valid(self) -> DutyParams:
        last = 0.0
        for start, end in self.periods:
            if not (0.0 <= start < end <= 24.0) or start < last:
                raise ValueError("periods must be increasing, non-overlapping [start, end] hours within 0-24")
            last = end
        if not self.periods:
            raise ValueError("at least one duty period is needed")
        return self


class WorkerParams(Strict):
    rural_cadres: CadreRule = Field(
        CadreRule(base=4.0, per_1000_residents=0.25, minimum=3, maximum=7),
        description="Village committee size: national mean 4.9; 3-7 by law (DOMAIN §3).",
    )
    urban_cadres: CadreRule = Field(
        CadreRule(base=4.5, per_1000_residents=0.3, minimum=4, maximum=12),
        description="Residents' committee size: national mean 6.2; Chaoyang 20,000 residents with "
        "10 cadres (article, DOMAIN §3).",
    )
    cadre_multiplier: NonNegative = Field(
        1.0, description="Scale every unit's cadre count (a sweep lever; 1 = the rule as given)."
    )
    extra_workers_per_village: NonNegativeInt = Field(
        0,
        description="Full-time workers added to every unit on top of the cadres (a lever for marginal values "
        "and sweeps; 0 = none).",
    )
    work_team: WorkTeamParams = WorkTeamParams()
    duty: DutyParams = DutyParams()
