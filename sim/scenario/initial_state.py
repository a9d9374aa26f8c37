"""The initial-state table of a warm start: requests already open on day 0, read and checked row by row.

Why at load time: an analyst's table of today's open cases ("the streets have 4,000 open
cases") is typed by hand or exported from a case system; a misspelt request type, a stage the
model does not know or a date after day 0 must be an error naming the file, the row, the column
and the valid choices before anything runs. What needs the world (does this village exist, is it
in that township) is checked by :mod:`sim.model.initial_state` before the first task starts.

The table is CSV (or Parquet, by the ``.parquet`` suffix), one row per open request:

=================  ========  ==============================================================
column             needed    meaning
=================  ========  ==============================================================
township           always    the request's township or street (as in ``tables/by_township``)
request_type       always    a request type of the scenario
arrival_day        always    when the resident raised it, in days from day 0 (≤ 0)
stage              always    where it is: village, follow_up, township, enforcement,
                             department, cross_department
village_id         village,  the village (as in ``tables/villages.csv`` of the same world)
                   follow_up
urgent             no        true/false; default: the request type's urgency
department         no        for stage ``department``: which one (default: drawn)
village_done_day   no        for stage ``follow_up``: when the village finished its part
                             (≤ 0; default 0, the whole follow-up still ahead)
replication        no        several states: warm replication r starts from the r-th state
                             (cycling), e.g. every replication of an exported run
as_of              no        the date of day 0 the state was taken at; must equal
                             ``world.start_date``
=================  ========  ==============================================================
"""

from __future__ import annotations

import io
from pathlib import PurePath

import numpy as np
import pandas as pd

from sim.scenario.county_names import did_you_mean
from sim.scenario.errors import ScenarioError
from sim.scenario.keypaths import read_data_bytes
from sim.scenario.params import ModelParams

FIELD = "initial_state"
STAGES = ("village", "follow_up", "township", "enforcement", "department", "cross_department")
VILLAGE_STAGES = ("village", "follow_up")
REQUIRED = ("township", "request_type", "arrival_day", "stage")
OPTIONAL = ("village_id", "urgent", "department", "village_done_day", "replication", "as_of")
TRUE, FALSE = ("true", "1", "yes", "1.0"), ("false", "0", "no", "0.0")
MAX_PROBLEMS = 20


def read_raw(ref: str) -> pd.DataFrame:
    """The table as text cells (CSV or Parquet), so every cell can be checked and reported as written."""
    data = read_data_bytes(ref)
    if PurePath(ref).suffix.lower() == ".parquet":
        return pd.read_parquet(io.BytesIO(data)).astype(object).where(lambda f: f.notna(), "").astype(str)
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, skipinitialspace=True)


def row_line(ref: str, position: int) -> int:
    """The line a row sits on: CSV lines count the header; Parquet rows count from 1."""
    return position + (2 if PurePath(ref).suffix.lower() != ".parquet" else 1)


class _Problems:
    """Problems with file, line and column; stops collecting after ``MAX_PROBLEMS``."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.items: list[ScenarioError] = []

    def add(self, message: str, position: int | None = None, column: str | None = None) -> None:
        if len(self.items) < MAX_PROBLEMS:
            line = None if position is None else row_line(self.ref, position)
            field = FIELD if column is None else f"{FIELD}[{column}]"
            self.items.append(ScenarioError(message, file=self.ref, line=line, field=field))

    def check_choice(self, value: str, choices: list[str], what: str, position: int, column: str) -> bool:
        """Whether ``value`` is one of ``choices``; if not, a problem with the closest and every valid one."""
        if value in choices:
            return True
        hint = did_you_mean(value, choices)
        said = f"unknown {what} '{value}'{'; ' + hint if hint else ''}; the scenario's {what}s: {', '.join(choices)}"
        self.add(said, position, column)
        return False


def _number(cell: str) -> float | None:
    try:
        x = float(cell)
    except ValueError:
        return None
    return x if np.isfinite(x) else None


def load_state_table(params: ModelParams, start_date: str | None = None) -> pd.DataFrame:
    """The checked table in model terms, or a :class:`ScenarioError` listing every problem found.

    Columns of the result: ``line``, ``township``, ``village_id`` (-1 when not given), ``type_index``,
    ``arrival_hours``, ``stage``, ``urgent``, ``department`` (index, -1 = draw), ``village_done_hours``
    and ``replication`` (0 when not given).
    """
    ref = params.initial_state
    assert ref is not None
    problems = _Problems(ref)
    try:
        raw = read_raw(ref)
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot read the initial-state table: {exc}", file=ref, field=FIELD) from None
    _check_columns(raw, problems)
    if problems.items:
        raise ScenarioError.collect(problems.items)
    table = _parse_rows(params, raw, problems, start_date or params.world.start_date)
    if problems.items:
        raise ScenarioError.collect(problems.items)
    return table


def _check_columns(raw: pd.DataFrame, problems: _Problems) -> None:
    """Every required column present and no unknown one (a misspelt column would be silently ignored)."""
    for c in [c for c in raw.columns if c not in REQUIRED + OPTIONAL]:
        hint = did_you_mean(str(c), list(REQUIRED + OPTIONAL))
        problems.add(
            f"unknown column '{c}'{'; ' + hint if hint else ''}; columns: {', '.join(REQUIRED + OPTIONAL)}", column=c
        )
    for c in [c for c in REQUIRED if c not in raw.columns]:
        problems.add(f"missing column '{c}' (needed in every row)", column=c)


ROW_COLUMNS = (
    "line",
    "township",
    "village_id",
    "type_index",
    "arrival_hours",
    "stage",
    "urgent",
    "department",
    "village_done_hours",
    "replication",
)


def _parse_rows(params: ModelParams, raw: pd.DataFrame, problems: _Problems, start_date: str) -> pd.DataFrame:
    rows = [
        _parse_row(params, {k: str(row.get(k, "")).strip() for k in REQUIRED + OPTIONAL}, pos, problems, start_date)
        for pos, row in enumerate(raw.to_dict("records"))
    ]
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS)) if rows else pd.DataFrame({k: [] for k in ROW_COLUMNS})


def _parse_row(params: ModelParams, cell: dict[str, str], pos: int, problems: _Problems, start_date: str) -> dict:
    """One row's fields, checked in column order; each problem names its row and column."""
    types = list(params.requests.types)
    if not cell["township"]:
        problems.add("empty township", pos, "township")
    kind = cell["request_type"]
    problems.check_choice(kind, types, "request type", pos, "request_type")
    type_index = types.index(kind) if kind in types else 0
    arrival = _number(cell["arrival_day"])
    if arrival is None or arrival > 0:
        problems.add(
            f"expected a number of days ≤ 0 (the request is open on day 0, so it arrived before), got "
            f"'{cell['arrival_day']}'",
            pos,
            "arrival_day",
        )
    stage = cell["stage"]
    if stage not in STAGES:
        problems.add(f"unknown stage '{stage}'; stages: {', '.join(STAGES)}", pos, "stage")
    departments = [d.name for d in params.departments.departments]
    row = {
        "line": row_line(problems.ref, pos),
        "township": cell["township"],
        "village_id": _village_id(cell, stage, pos, problems),
        "type_index": type_index,
        "arrival_hours": (arrival or 0.0) * 24.0,
        "stage": stage,
        "urgent": _urgent(cell, params.requests.types[types[type_index]].urgent, pos, problems),
        "department": _department(cell, stage, departments, pos, problems),
        "village_done_hours": _village_done(cell, stage, arrival, pos, problems),
        "replication": _replication(cell, pos, problems),
    }
    _check_as_of(cell, start_date, pos, problems)
    return row


def _check_as_of(cell: dict[str, str], start_date: str, pos: int, problems: _Problems) -> None:
    if cell["as_of"] and cell["as_of"] != start_date:
        problems.add(
            f"the state is as of {cell['as_of']} but world.start_date is {start_date}: day 0 of the run must be "
            f"the day the state was taken (set world.start_date: {cell['as_of']})",
            pos,
            "as_of",
        )


def _village_id(cell: dict[str, str], stage: str, pos: int, problems: _Problems) -> int:
    text = cell["village_id"]
    if not text:
        if stage in VILLAGE_STAGES:
            problems.add(f"a request at stage '{stage}' needs its village_id", pos, "village_id")
        return -1
    x = _number(text)
    if x is None or x < 0 or x != int(x):
        problems.add(f"expected a village id (an integer ≥ 0), got '{text}'", pos, "village_id")
        return -1
    return int(x)


def _urgent(cell: dict[str, str], default: bool, pos: int, problems: _Problems) -> bool:
    text = cell["urgent"].lower()
    if not text:
        return default
    if text not in TRUE + FALSE:
        problems.add(f"expected true or false (or 1/0, yes/no), got '{cell['urgent']}'", pos, "urgent")
    return text in TRUE


def _department(cell: dict[str, str], stage: str, departments: list[str], pos: int, problems: _Problems) -> int:
    name = cell["department"]
    if not name:
        return -1
    if stage != "department":
        problems.add(f"department is for stage 'department' only; this row is at stage '{stage}'", pos, "department")
        return -1
    if not problems.check_choice(name, departments, "department", pos, "department"):
        return -1
    return departments.index(name)


def _village_done(cell: dict[str, str], stage: str, arrival: float | None, pos: int, problems: _Problems) -> float:
    text = cell["village_done_day"]
    if not text:
        return 0.0
    if stage != "follow_up":
        problems.add(f"village_done_day is for stage 'follow_up' only; this row is at stage '{stage}'", pos)
        return 0.0
    x = _number(text)
    if x is None or x > 0 or (arrival is not None and x < arrival):
        problems.add(
            f"expected a day between arrival_day and 0 (when the village finished its part), got '{text}'",
            pos,
            "village_done_day",
        )
        return 0.0
    return x * 24.0


def _replication(cell: dict[str, str], pos: int, problems: _Problems) -> int:
    text = cell["replication"]
    if not text:
        return 0
    x = _number(text)
    if x is None or x < 0 or x != int(x):
        problems.add(f"expected a replication number (an integer ≥ 0), got '{text}'", pos, "replication")
        return 0
    return int(x)


def initial_state_problems(scenario: ModelParams) -> list[ScenarioError]:
    """Load-time check of the table (the file's existence is checked with the other data files)."""
    if scenario.initial_state is None:
        return []
    try:
        read_data_bytes(scenario.initial_state)
    except OSError:
        return []  # reported as "file not found" by the data-file check
    try:
        load_state_table(scenario)
    except ScenarioError as exc:
        return exc.problems
    return []
