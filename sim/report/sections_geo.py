"""Run-report sections on geography and queues: county and township tables with their heat maps,
and which queues are unstable, which cope with overload, and the township posts behind them.

Why apart from :mod:`sim.report.report`: these are the widest tables of a run report and
the ones that change with the model's staffing stages; a module of their own keeps each
report module short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.report import figures as fig
from sim.report import htmldoc as h
from sim.report.context import Context, Folder, breakdown_table, mean_over_replications, missing
from sim.report.labels import Lang, category, fmt_fixed, tr

#: Metrics of the county and township heat maps (each has a better direction).
GEO_METRICS = (
    "first_response_hours_mean",
    "resolution_hours_mean",
    "within_24h_share",
    "vulnerable_coverage_30d",
    "visits_per_worker_day",
    "admin_share",
    "travel_share",
    "resident_trips_per_request",
)
TYPE_METRICS = (
    "first_response_hours_mean",
    "first_response_hours_p90",
    "resolution_hours_mean",
    "resolution_hours_p90",
    "within_24h_share",
    "resident_trips_per_request",
)


#: Counts shown before the metrics in the county and township tables.
GEO_EXTRA = (("population", "population"), ("cadres", "cadres"), ("team_members", "team_members"))
#: Township pool columns of the stability section, when the run has them (utilisation with 2 decimals).
POOL_COLUMNS = (
    "posts_before",
    "added_posts",
    "administrative_floor_added",
    "county_floor_added",
    "posts",
    "service_staff",
    "service_pool_utilisation",
    "service_pool_coping_hours_per_day",
)
#: A township row is one (county, township) of one replication; these keys identify the township.
TOWNSHIP_KEYS = ("county", "township_index", "township")


@dataclass(frozen=True)
class GeoLevel:
    """One level of the geography section: its table, its label columns, and how its rows are grouped."""

    level: str  # "county" or "township": the table is tables/by_<level>.csv
    labels: tuple[tuple[str, str], ...]  # (column, header key) of the label columns
    group_by: tuple[str, ...]  # replications are averaged within these keys
    sort_by: tuple[str, ...] = ()  # row order of the table (else as in the file)

    def frame(self, run: Folder) -> pd.DataFrame:
        """The level's table averaged over replications, in display order."""
        frame = mean_over_replications(run.tables[f"by_{self.level}"], list(self.group_by))
        return frame.sort_values(list(self.sort_by)).reset_index(drop=True) if self.sort_by else frame


GEO_LEVELS = (
    GeoLevel("county", (("county", "county"),), ("county",)),
    GeoLevel("township", (("county", "county"), ("township", "township")), TOWNSHIP_KEYS, ("county", "township_index")),
)


def _geo_block(sec: h.Section, ctx: Context, level: GeoLevel, frame: pd.DataFrame, city: dict[str, float]) -> None:
    """Heading, heat map against the city value, and table for one level (county or township)."""
    lang = ctx.lang
    sec.add(h.heading(tr(f"by_{level.level}_table", lang)))
    heat = fig.HeatTable(frame, [category(str(x), lang) for x in frame[level.level]], GEO_METRICS, city)
    ctx.figure(sec, lambda: fig.heatmap(heat, ctx.figures, lang, name=f"heatmap_{level.level}"), "cap_heatmap")
    sec.add(breakdown_table(frame, list(level.labels), GEO_METRICS, lang, list(GEO_EXTRA)))


def _city_values(run: Folder) -> dict[str, float]:
    """The run's mean of each heat-map metric: the value each county and township is compared with."""
    return {m: run.metrics[m]["mean"] for m in GEO_METRICS if (run.metrics.get(m) or {}).get("mean") is not None}


def geography_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("geography", tr("sec_geography", ctx.lang))
    if "by_county" not in run.tables and "by_township" not in run.tables:
        return missing(sec, ctx.lang, "tables/by_county.csv", "tables/by_township.csv")
    city = _city_values(run)
    for level in GEO_LEVELS:
        if f"by_{level.level}" in run.tables:
            _geo_block(sec, ctx, level, level.frame(run), city)
    return sec


STABILITY_COLUMNS = (
    ("utilisation", 2),
    ("utilisation_with_coping", 2),
    ("backlog_growth", 0),
    ("coping_hours_per_day", 1),
)


def _queue_rows(queues: list[dict[str, Any]], lang: Lang) -> list[list[str]]:
    return [
        [
            category(str(q["stage"]), lang),
            category(str(q["queue"]), lang) if lang == "zh" else str(q["queue"]),  # English: as in queues.csv
            category(str(q["county"]), lang),
            str(q.get("reason") or "—"),
        ]
        + [fmt_fixed(q.get(c), d) for c, d in STABILITY_COLUMNS]
        for q in queues
    ]


def _queue_tables(summary: dict[str, Any], lang: Lang) -> list[str]:
    """The unstable queues (or a line saying there are none), then the queues that cope, if any."""
    header = [tr(k, lang) for k in ("stage", "queue", "county", "reason")] + [tr(c, lang) for c, _ in STABILITY_COLUMNS]

    def table(queues: list[dict[str, Any]]) -> str:
        return h.table(header, _queue_rows(queues, lang), numeric=range(4, len(header)), cls="wide")

    unstable, coping = summary.get("unstable_queues", []), summary.get("coping_queues", [])
    parts: list[str] = [h.heading(tr("unstable_table", lang))]
    if unstable:
        parts += [h.notice(f"{len(unstable)} × {category('unstable', lang)}", "warning"), table(unstable)]
    else:
        parts.append(h.para(tr("stability_none", lang)))
    if coping:
        parts += [h.heading(tr("coping_table", lang)), table(coping)]
    return parts


def _township_pools(towns: pd.DataFrame, lang: Lang) -> list[str]:
    """Posts and service pools per township (replication means), heading included."""
    town = mean_over_replications(towns, list(TOWNSHIP_KEYS))
    cols = [c for c in POOL_COLUMNS if c in town]
    header = [tr("county", lang), tr("township", lang)] + [tr(c.removeprefix("service_pool_"), lang) for c in cols]
    rows = [
        [category(str(r["county"]), lang), category(str(r["township"]), lang)]
        + [fmt_fixed(r[c], 2 if "utilisation" in c else 1) for c in cols]
        for _, r in town.sort_values(["county", "township_index"]).iterrows()
    ]
    return [
        h.heading(tr("township_pools_table", lang)),
        h.table(header, rows, numeric=range(2, len(header)), cls="wide"),
    ]


def stability_section(run: Folder, ctx: Context) -> h.Section:
    """Which queues do not settle, which cope with overload, and the township posts behind them."""
    lang = ctx.lang
    sec = h.Section("stability", tr("sec_stability", lang))
    drain = (run.manifest.get("settings") or {}).get("drain_days")
    sec.add(h.para(tr("stability_intro", lang), "lead"))
    sec.add(h.facts([(tr("estimator", lang), tr("estimator_text", lang, drain=drain))]))
    sec.add(*_queue_tables(run.summary or {}, lang))
    if "by_township" in run.tables and "posts" in run.tables["by_township"]:
        sec.add(*_township_pools(run.tables["by_township"], lang))
    return sec
