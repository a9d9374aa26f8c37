"""Check ``world.counties`` against the county table the scenario names, at load time.

Why here and not in the model: a misspelt or mis-cased county (``Kunming``, ``malong``) must be a
validation error with file, line and the valid names, before anything runs; the model would
otherwise select no villages and fail far from the cause.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Callable

from sim.scenario.errors import ScenarioError
from sim.scenario.keypaths import read_data_bytes
from sim.scenario.params import Scenario

COUNTY_COLUMN = "county"


def county_names(counties_csv: str) -> list[str] | None:
    """The county names of the table (builtin or a path); None when it cannot be read here."""
    try:
        text = read_data_bytes(counties_csv).decode("utf-8")
    except OSError:
        return None  # a missing file is reported by the data-file check
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or COUNTY_COLUMN not in rows.fieldnames:
        return None
    return [row[COUNTY_COLUMN] for row in rows]


def did_you_mean(name: str, valid: list[str]) -> str:
    """A case-insensitive close match, e.g. 'malong' -> 'Malong'; '' when none is close."""
    by_lower = {v.lower(): v for v in valid}
    if name.lower() in by_lower:
        return f"did you mean '{by_lower[name.lower()]}'? (names are case-sensitive)"
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=2, cutoff=0.6)
    return "did you mean " + " or ".join(f"'{by_lower[c]}'" for c in close) + "?" if close else ""


Locate = Callable[[tuple[str | int, ...]], tuple[str | None, int | None]]


def county_problems(scenario: Scenario, locate: Locate) -> list[ScenarioError]:
    """One error per unknown county in ``world.counties`` (and for an empty list)."""
    chosen = scenario.world.counties
    if chosen is None:
        return []
    if not chosen:
        file, line = locate(("world", "counties"))
        return [
            ScenarioError("expected at least one county, or null for all", file=file, line=line, field="world.counties")
        ]
    valid = county_names(scenario.world.counties_csv)
    if valid is None:
        return []
    return [_unknown_county(name, i, valid, locate) for i, name in enumerate(chosen) if name not in valid]


def _unknown_county(name: str, i: int, valid: list[str], locate: Locate) -> ScenarioError:
    file, line = locate(("world", "counties", i))
    parts = (f"unknown county {name!r}", did_you_mean(name, valid), "valid: " + ", ".join(valid))
    return ScenarioError("; ".join(p for p in parts if p), file=file, line=line, field=f"world.counties[{i}]")
