"""What a village loop is given (its setup) and what it books (its ledger of duty time)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.calendar import Calendar


@dataclass(frozen=True)
class VillageSetup:
    """What the village loop needs besides its arrays (all times in hours)."""

    calendars: list[Calendar]
    apps_hours: list[float]  # per worker, per present day
    visit_hours: float  # one visit, travel included (inf: no visits)
    visit_travel_hours: float
    priority: tuple[str, ...]
    due_soon_hours: float
    on_call_delay: float
    overtime_hours: float
    close_hour: float  # hour of day of the daily close (end of the last duty period)
    warmup: float
    horizon: float  # end of the measurement window; no request arrives after it
    end: float  # end of the drain: the village stops here at the latest (horizon + drain)


@dataclass
class Ledger:
    """Village workers' duty time by use, inside the measurement window (hours)."""

    service: float = 0.0
    travel: float = 0.0
    admin: float = 0.0
    visit: float = 0.0
    idle: float = 0.0
    overtime: float = 0.0
    duty: float = 0.0
    worker_days: float = 0.0
    visits: int = 0
    queue_area: float = 0.0  # integral of requests waiting, for Little's law
    admin_tasks: int = 0  # admin tasks arrived in the window and finished
    admin_late: int = 0  # of those, finished after their deadline
    daily_visits: list[int] = field(default_factory=list)
    daily_covered: list[float] = field(default_factory=list)
