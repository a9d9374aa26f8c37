"""Plausible ranges of the modelling assumptions: the one place the schema, the report and calibration read.

Why a registry: every field whose description says "assumption" is a guess with a default; the
report must say how far it could be off, ``grassroots schema`` must show it to editors, and
``grassroots calibrate`` must know where to search. Keeping the ranges here, keyed by field
path, makes one source for all three, and a test checks that every assumption field has an
entry (or a stated reason why no numeric range applies) and that every default lies inside.

Ranges come from DOMAIN.md where it gives one (§ cited), otherwise they are stated judgement
("±50 %" and similar): a range is itself an assumption, written down so it can be argued with.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Prior:
    """A plausible range [low, high] of one numeric field, and where it comes from."""

    low: float
    high: float
    source: str
    integer: bool = False

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


P = Prior
J = "judgement"
PRIORS: dict[str, Prior] = {
    # world
    "world.default_urbanisation": P(0.35, 0.55, "DOMAIN §2: city ≈ 50 %, Qilin 68 %; the unsourced counties lower"),
    "world.urban_community_mean_population": P(5000, 12000, f"{J}; Chaoyang 20,000 is a large one"),
    "world.max_urban_unit_share": P(0.4, 0.8, J),
    "world.population_cv": P(0.4, 0.9, "DOMAIN §2: mean ≈ 3,400, tail to 20,000+"),
    "world.vulnerable_household_share": P(0.02, 0.08, "DOMAIN §6/§8: living alone 25 % of households, disabled 18 %"),
    "world.travel.rural_visit_travel_minutes": P(10, 40, "DOMAIN §6: 8-15 visits a day in dispersed villages"),
    "world.travel.urban_visit_travel_minutes": P(1, 6, "DOMAIN §6: 20-35 visits a day in dense communities"),
    "world.travel.dispersion_cv": P(0.1, 0.5, J),
    "world.travel.on_site_round_trip_factor": P(1.5, 2.5, f"{J}: there and back"),
    # workers
    "workers.work_team.min_per_village": P(0, 2, "article: full coverage", integer=True),
    "workers.work_team.availability": P(0.3, 1.0, "DOMAIN §8: full-time share unknown"),
    "workers.work_team.ramp_up_days": P(0, 90, J),
    "workers.duty.weekend_on_duty": P(0, 2, J, integer=True),
    "workers.duty.on_call_delay_hours": P(0.25, 2.0, J),
    "workers.duty.overtime_hours_per_day": P(0.0, 2.0, J),
    # requests
    "requests.demand_multiplier": P(0.6, 1.5, "DOMAIN §4: 250-600 per 1,000 a year around the proposed 400"),
    "requests.weekday_factor": P(1.1, 1.3, "DOMAIN §4 (assumption 1.2)"),
    "requests.weekend_factor": P(0.3, 0.7, "DOMAIN §4 (assumption 0.5)"),
    "requests.daytime_share": P(0.75, 0.95, J),
    # official calendar (used only when calendar.official_holidays is on)
    "calendar.holiday_demand_factor": P(0.2, 0.8, f"{J}: around the weekend factor's range (DOMAIN §4)"),
    "calendar.makeup_workday_demand_factor": P(0.7, 1.3, f"{J}: between a weekend and a weekday (DOMAIN §4)"),
    # admin
    "admin.signboards_per_village": P(15, 25, "DOMAIN §5/§8: 20 before the reform (15-25); one wall showed 21"),
    "admin.hours_per_signboard_per_month": P(4, 12, "DOMAIN §5: reports 1-3 h, ledgers 1-2 h, inspections, meetings"),
    "admin.signboard_task_hours": P(1, 4, J),
    "admin.inspection_share": P(0.15, 0.45, J),
    "admin.year_end_peak_factor": P(1.0, 2.0, J),
    "admin.apps_minutes_per_cadre_day": P(40, 120, "DOMAIN §5: ≥ 40 min, up to 2 h"),
    "admin.meeting_attendees": P(1, 3, J, integer=True),
    "admin.documents_per_day": P(2, 8, "DOMAIN §5: township 60+ documents a day, a few reach each village"),
    "admin.document_hours": P(0.25, 1.0, J),
    "admin.temporary_tasks_per_week": P(1, 4, J),
    "admin.temporary_task_hours": P(2, 6, J),
    "admin.due_days": P(3, 10, J),
    "admin.temporary_approval_share": P(0.3, 0.8, J),
    "admin.admission_blocked_share": P(0.2, 0.4, "DOMAIN §5: the list filters ≈ 30 %"),
    # visits
    "visits.visit_minutes": P(10, 20, "DOMAIN §6: 10-20 minutes"),
    "visits.min_revisit_days": P(14, 60, J),
    # township and departments
    "township.posts_base": P(40, 80, "DOMAIN §7: 20 administrative + 40 institutional"),
    "township.administrative_posts_base": P(15, 25, "DOMAIN §7"),
    "township.county_posts_per_1000_residents": P(6, 20, f"{J}: no published establishment totals"),
    "township.service_share": P(0.05, 0.2, "DOMAIN §8: township staff totals unknown; share serving escalations"),
    "township.effort_hours.mean": P(1.0, 4.0, J),
    "township.delegated_latency_working_days.high": P(2.0, 5.0, J),
    "township.coping.max_extra_staff_ratio": P(0.5, 3.0, J),
    "township.coping.trigger_waiting_per_staff": P(1.0, 5.0, J),
    "departments.late_extra_working_days.high": P(5.0, 15.0, J),
    "departments.processing_working_days.high": P(3.0, 8.0, J),
    "departments.rework_probability": P(0.1, 0.5, f"{J}: residents 'run back and forth' (来回跑)"),
    "departments.resident_return_working_days": P(1, 5, J),
    "departments.coping.max_extra_staff_ratio": P(0.5, 2.0, J),
    "departments.coping.trigger_waiting_per_staff": P(1.0, 5.0, J),
    "departments.on_time_response_probability": P(0.5, 0.8, "DOMAIN §7: 0.7 before the 50/50 assessment"),
    "one_thing.coverage_per_module": P(0.03, 0.09, f"{J}: 10 modules cover 30-90 %"),
    "one_thing.coordination_hours": P(4, 16, J),
    "one_thing.rework_probability": P(0.0, 0.15, J),
    "delegation.delegable_share": P(0.15, 0.45, J),
}

#: Assumption fields that are not one number: why they get no range (vary them by scenario instead).
STRUCTURAL: dict[str, str] = {
    "workers.work_team.does_apps": "yes or no: whether members carry the app minutes",
    "workers.duty.periods": "a daily timetable: compare timetables as scenarios",
    "requests.seasonal_peaks": "a calendar of peaks: compare calendars as scenarios",
    "township.effort_hours": "a distribution: its mean has a range (township.effort_hours.mean)",
    "township.delegated_latency_working_days": "a distribution: its upper end has a range",
    "township.coping": "a block: its fields have ranges",
    "departments.late_extra_working_days": "a distribution: its upper end has a range",
    "departments.processing_working_days": "a distribution: its upper end has a range",
    "departments.coping": "a block: its fields have ranges",
}


def prior(path: str) -> Prior:
    """The plausible range of one field path; a clear error names the known paths."""
    try:
        return PRIORS[path]
    except KeyError:
        raise KeyError(f"no plausible range for {path!r}; known: {', '.join(sorted(PRIORS))}") from None


# ----------------------------------------------------------------- which fields are assumptions


def model_class(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``Model`` or ``Model | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = model_class(arg)
            if found is not None:
                return found
    return None


def assumption_fields(cls: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(path, description) of every field whose description says "assumption", searching nested blocks."""
    for name, info in cls.model_fields.items():
        path = f"{prefix}{name}"
        description = info.description or ""
        if "assumption" in description.lower():
            yield path, description
            continue
        sub = model_class(info.annotation)
        if sub is not None:
            yield from assumption_fields(sub, f"{path}.")


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted path of a scenario (model or plain dict)."""
    node = data
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def annotate_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ranges to a JSON Schema (``x-plausible-ranges``: path -> {low, high, source})."""
    ranges = {path: {"low": p.low, "high": p.high, "source": p.source} for path, p in sorted(PRIORS.items())}
    return {**schema, "x-plausible-ranges": json.loads(json.dumps(ranges))}
