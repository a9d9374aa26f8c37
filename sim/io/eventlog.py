"""The event log files of a run: a flat CSV and an IEEE XES log, for process-mining tools.

Why both: the CSV (one row per event, XES attribute names as columns) opens in pandas, Excel,
Disco or ``pm4py.format_dataframe``; the XES file is the standard exchange format that pm4py,
ProM and Celonis read directly. The XES writer is a few lines of the standard library rather
than ``pm4py.write_xes``: pm4py is AGPL-licensed and prints a banner on import, so it stays a
test extra (``tests/test_event_log.py`` reads these files back with it) and never a dependency.

Timestamps are local time in Qujing (China Standard Time, UTC+08:00): simulated hour h of the
run is ``world.start_date`` 00:00 + h hours.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

CST = dt.timezone(dt.timedelta(hours=8), "CST")
CASE = "case:concept:name"
#: Event attributes written on each event; the ``case:`` columns become trace attributes.
EVENT_KEYS = ("concept:name", "org:resource", "org:group", "time:timestamp", "hours")
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)


def with_timezone(log: pd.DataFrame) -> pd.DataFrame:
    """The log with ``time:timestamp`` marked as China Standard Time (the model's clock is local)."""
    stamps = pd.to_datetime(log["time:timestamp"])
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize(CST)
    return log.assign(**{"time:timestamp": stamps})


def write_event_log(log: pd.DataFrame, folder: Path) -> list[Path]:
    """Write ``event_log.csv`` and ``event_log.xes`` into ``folder``; returns their paths."""
    log = with_timezone(log)
    csv_path, xes_path = folder / "event_log.csv", folder / "event_log.xes"
    _write_csv(log, csv_path)
    with xes_path.open("w", encoding="utf-8") as out:
        write_xes(log, out)
    return [csv_path, xes_path]


def _write_csv(log: pd.DataFrame, path: Path) -> None:
    """The log as CSV with ISO timestamps to the microsecond (2021-10-01T09:30:00+08:00)."""
    iso = log["time:timestamp"].map(lambda t: t.isoformat(timespec="microseconds"))
    log.assign(**{"time:timestamp": iso}).to_csv(path, index=False)


def write_xes(log: pd.DataFrame, out: IO[str]) -> None:
    """IEEE 1849 XES: one trace per case (its ``case:`` attributes), events in the log's order."""
    _write_header(out)
    trace_keys = [c for c in log.columns if c.startswith("case:")]
    event_keys = [c for c in EVENT_KEYS if c in log.columns]
    for _, case in log.groupby(CASE, sort=False):
        out.write("  <trace>\n")
        first = case.iloc[0]
        for key in trace_keys:
            out.write("    " + _attribute(key.removeprefix("case:"), first[key]) + "\n")
        for values in case[event_keys].itertuples(index=False):
            _write_event(out, event_keys, values)
        out.write("  </trace>\n")
    out.write("</log>\n")


def _write_header(out: IO[str]) -> None:
    """The log element's opening, its extensions, globals and classifier."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">\n')
    for name, prefix, uri in EXTENSIONS:
        out.write(f'  <extension name="{name}" prefix="{prefix}" uri="{uri}"/>\n')
    out.write('  <global scope="trace">\n    <string key="concept:name" value="__INVALID__"/>\n  </global>\n')
    out.write('  <global scope="event">\n    <string key="concept:name" value="__INVALID__"/>\n')
    out.write('    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\n  </global>\n')
    out.write('  <classifier name="Activity" keys="concept:name"/>\n')


def _write_event(out: IO[str], keys: list[str], values: tuple[Any, ...]) -> None:
    out.write("    <event>\n")
    for key, value in zip(keys, values, strict=True):
        out.write("      " + _attribute(key, value) + "\n")
    out.write("    </event>\n")


def _attribute(key: str, value: Any) -> str:
    """One typed XES attribute element (string, boolean, int, float or date)."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        tag, text = "date", value.isoformat(timespec="microseconds")
    elif isinstance(value, bool | np.bool_):
        tag, text = "boolean", "true" if value else "false"
    elif isinstance(value, int | np.integer):
        tag, text = "int", str(int(value))
    elif isinstance(value, float | np.floating):
        tag, text = "float", repr(float(value))
    else:
        tag, text = "string", str(value)
    return f"<{tag} key={quoteattr(key)} value={quoteattr(text)}/>"
