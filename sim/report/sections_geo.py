"""Run-report sections on geography and queues: county and township tables with their heat maps,
and which queues are unstable, which cope with overload, and the township posts behind them.

Why apart from :mod:`sim.report.report`: these are the widest tables of a run report and
the ones that change with the model's staffing stages; a module of their own keeps each
report module short.
"""

from __future__ import annotations

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


def _geo_block(
    sec: h.Section,
    ctx: Context,
    frame: pd.DataFrame,
    level: str,
    keys: list[tuple[str, str]],
    city: dict[str, float],
    extra: list[tuple[str, str]],
) -> None:
    """Heading, heat map against the city value, and table for one level (county or township)."""
    lang = ctx.lang
    sec.add(h.heading(tr(f"by_{level}_table", lang)))
    labels = [category(str(x), lang) for x in frame[level]]
    ctx.figure(
        sec,
        lambda: fig.heatmap(frame, labels, GEO_METRICS, ctx.figures, lang, name=f"heatmap_{level}", reference=city),
        "cap_heatmap",
    )
    sec.add(breakdown_table(frame, keys, GEO_METRICS, lang, extra))


def geography_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("geography", tr("sec_geography", ctx.lang))
    lang = ctx.lang
    extra = [("population", "population"), ("cadres", "cadres"), ("team_members", "team_members")]
    if "by_county" not in run.tables and "by_township" not in run.tables:
        return missing(sec, lang, "tables/by_county.csv", "tables/by_township.csv")
    city = {m: run.metrics[m]["mean"] for m in GEO_METRICS if (run.metrics.get(m) or {}).get("mean") is not None}
    if "by_county" in run.tables:
        county = mean_over_replications(run.tables["by_county"], ["county"])
        _geo_block(sec, ctx, county, "county", [("county", "county")], city, extra)
    if "by_township" in run.tables:
        town = mean_over_replications(run.tables["by_township"], ["county", "township_index", "township"])
        town = town.sort_values(["county", "township_index"]).reset_index(drop=True)
        _geo_block(sec, ctx, town, "township", [("county", "county"), ("township", "township")], city, extra)
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


def stability_section(run: Folder, ctx: Context) -> h.Section:
    """Which queues do not settle, which cope with overload, and the township posts behind them."""
    lang = ctx.lang
    sec = h.Section("stability", tr("sec_stability", lang))
    summary = run.summary or {}
    drain = (run.manifest.get("settings") or {}).get("drain_days")
    sec.add(h.para(tr("stability_intro", lang), "lead"))
    sec.add(h.facts([(tr("estimator", lang), tr("estimator_text", lang, drain=drain))]))
    header = [tr(k, lang) for k in ("stage", "queue", "county", "reason")] + [tr(c, lang) for c, _ in STABILITY_COLUMNS]
    unstable = summary.get("unstable_queues", [])
    sec.add(h.heading(tr("unstable_table", lang)))
    if unstable:
        sec.add(h.notice(f"{len(unstable)} × {category('unstable', lang)}", "warning"))
        sec.add(h.table(header, _queue_rows(unstable, lang), numeric=range(4, len(header)), cls="wide"))
    else:
        sec.add(h.para(tr("stability_none", lang)))
    coping = summary.get("coping_queues", [])
    if coping:
        sec.add(h.heading(tr("coping_table", lang)))
        sec.add(h.table(header, _queue_rows(coping, lang), numeric=range(4, len(header)), cls="wide"))
    if "by_township" in run.tables and "posts" in run.tables["by_township"]:
        town = mean_over_replications(run.tables["by_township"], ["county", "township_index", "township"])
        cols = [
            c
            for c in (
                "posts_before",
                "added_posts",
                "administrative_floor_added",
                "county_floor_added",
                "posts",
                "service_staff",
                "service_pool_utilisation",
                "service_pool_coping_hours_per_day",
            )
            if c in town
        ]
        header = [tr("county", lang), tr("township", lang)] + [tr(c.removeprefix("service_pool_"), lang) for c in cols]
        rows = [
            [category(str(r["county"]), lang), category(str(r["township"]), lang)]
            + [fmt_fixed(r[c], 2 if "utilisation" in c else 1) for c in cols]
            for _, r in town.sort_values(["county", "township_index"]).iterrows()
        ]
        sec.add(h.heading(tr("township_pools_table", lang)))
        sec.add(h.table(header, rows, numeric=range(2, len(header)), cls="wide"))
    return sec
