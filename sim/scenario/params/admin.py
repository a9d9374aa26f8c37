"""Administrative burden on village workers (负担)."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.params.base import NonNegative, NonNegativeInt, Positive, Share, Strict


class AdminParams(Strict):
    """Administrative burden on village workers (负担)."""

    signboards_per_village: NonNegative = Field(
        20.0, description="Signboards (mandates) per unit. Assumption: 20 before the reform (DOMAIN §5: 15-25)."
    )
    hours_per_signboard_per_month: NonNegative = Field(
        8.0, description="Cadre-hours each signboard costs per month (assumption, DOMAIN §5: 4-12)."
    )
    signboard_task_hours: Positive = Field(
        2.0, description="Mean length of one signboard task (report, ledger, inspection prep; assumption)."
    )
    inspection_share: Share = Field(
        0.3, description="Share of signboard hours that are inspections and assessments (assumption)."
    )
    inspections_retained: Share = Field(
        1.0, description="Share of inspections/assessments still held (burden-down cuts it; 1 = all)."
    )
    year_end_peak_factor: NonNegative = Field(
        1.5, description="Signboard workload factor in December (year-end assessments; assumption)."
    )
    apps_minutes_per_cadre_day: NonNegative = Field(
        60.0, description="Government apps per cadre per duty day (DOMAIN §5: ≥ 40 min, up to 2 h)."
    )
    township_meetings_per_week: NonNegative = Field(
        1.5, description="Township meetings a unit attends per week (DOMAIN §5: 1-2)."
    )
    meeting_hours: NonNegative = Field(
        3.0, description="Hours per meeting including travel (DOMAIN §5: 2-3 h + travel)."
    )
    meeting_attendees: NonNegativeInt = Field(2, description="Workers attending each meeting (assumption).")
    documents_per_day: NonNegative = Field(5.0, description="Documents to handle per working day (assumption).")
    document_hours: NonNegative = Field(0.5, description="Hours per document (assumption).")
    temporary_tasks_per_week: NonNegative = Field(2.0, description="Ad-hoc tasks from above per week (assumption).")
    temporary_task_hours: NonNegative = Field(4.0, description="Hours per temporary task (assumption).")
    due_days: Positive = Field(
        5.0, description="Working days between an admin task's arrival and its deadline (assumption)."
    )
    due_soon_hours: NonNegative = Field(
        24.0, description="An admin task this close to its deadline outranks routine requests."
    )
    admission_list: bool = Field(
        False, description="Village work admission list in force (article: 13 categories, 43 items)."
    )
    admission_blocked_share: Share = Field(
        0.3, description="Share of signboard, document and temporary tasks the list blocks (assumption, DOMAIN §5)."
    )
    temporary_tasks_need_approval: bool = Field(False, description="Temporary tasks need county approval (article).")
    temporary_approval_share: Share = Field(
        0.5, description="Share of temporary tasks approved when approval is needed (assumption)."
    )
