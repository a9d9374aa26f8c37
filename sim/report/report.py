"""``build_report``: figures and a self-contained report.html from the files of a result folder.

Why from files only: ``grassroots report RUN_DIR`` must rebuild a report
(say in Chinese, or after a figure fix) from the folder alone, years later,
without re-running the model. A section whose files are missing is skipped;
a section that fails shows its error in the report instead of losing the
folder it is written into.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import EXTRA_METRICS, KEY_METRICS, METRICS, TIME_USE
from sim.report import figures as fig
from sim.report import htmldoc as h
from sim.report.assumptions import assumptions_in_force, checklist, differences_from_defaults, show
from sim.report.labels import (
    Lang,
    category,
    decimals_ci,
    decimals_for,
    fmt,
    fmt_estimate,
    fmt_fixed,
    fmt_metric,
    metric_info,
    metric_label,
    metric_name,
    metric_unit,
    tr,
)
from sim.report.places import description
from sim.report.plotstyle import font_warning

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


@dataclass
class Folder:
    """The files of a run folder, read once."""

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any] | None = None
    replications: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Folder:
        manifest = read_json(path / "manifest.json") or {}
        tables: dict[str, pd.DataFrame] = {}
        for file in sorted((path / "tables").glob("*")) if (path / "tables").is_dir() else []:
            if file.suffix == ".csv":
                tables[file.stem] = pd.read_csv(file)
            elif file.suffix == ".parquet":
                tables[file.stem] = pd.read_parquet(file)
        reps = path / "replications.csv"
        return cls(
            path, manifest, read_json(path / "summary.json"), pd.read_csv(reps) if reps.is_file() else None, tables
        )

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return (self.summary or {}).get("metrics", {})


@dataclass
class Context:
    """Where figures go, the language, and the problems to show at the top of the report."""

    figures: Path
    lang: Lang
    notices: list[str] = field(default_factory=list)

    def figure(self, section: h.Section, make: Callable[[], Path], caption_key: str) -> None:
        path = make()
        section.add(h.image(path, path.stem, tr(caption_key, self.lang)))


def figures_dir(folder: Path, lang: Lang) -> Path:
    """Where a report's figures go: ``figures/`` for English, ``figures/zh/`` for Chinese.

    Why per language: rebuilding a report in Chinese must leave the English report and its
    figures as they were (both are read from the same result folder).
    """
    return folder / "figures" if lang == "en" else folder / "figures" / lang


def report_file(folder: Path, lang: Lang) -> Path:
    """``report.html`` for English, ``report.<lang>.html`` beside it for other languages."""
    return folder / ("report.html" if lang == "en" else f"report.{lang}.html")


def missing(sec: h.Section, lang: Lang, *files: str) -> h.Section:
    """Note in ``sec`` that the files it is drawn from are not in the folder."""
    sec.add(h.notice(f"{tr('missing_files', lang)}: {', '.join(files)}", "note"))
    return sec


def read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def ordered_metrics(names: Sequence[str]) -> list[str]:
    """Key metrics first, then the contract's order, then anything else."""
    order = list(dict.fromkeys([*KEY_METRICS, *METRICS, *EXTRA_METRICS]))
    known = [m for m in order if m in names]
    return known + [m for m in names if m not in known]


def estimate_cells(metric: str, m: dict[str, Any] | None) -> list[str]:
    """'mean' and '[low, high]' cells of a summary entry, with the decimals its CI supports."""
    m = m or {}
    return list(fmt_estimate(metric, m.get("mean"), m.get("ci_low"), m.get("ci_high")))


def metric_table(metrics: dict[str, dict[str, Any]], lang: Lang) -> str:
    rows = [
        [
            metric_name(k, lang),
            h.code(k),
            *estimate_cells(k, metrics[k]),
            fmt_metric(k, metrics[k].get("std")),
            fmt(metrics[k].get("n")),
            metric_unit(k, lang),
        ]
        for k in ordered_metrics(list(metrics))
    ]
    header = [tr(k, lang) for k in ("metric", "metric_id", "mean", "ci95", "std", "n", "unit")]
    return h.table(header, rows, numeric=(2, 3, 4, 5))


def mean_over_replications(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per key: numeric columns averaged over replications (display only)."""
    numeric = [c for c in frame.select_dtypes("number").columns if c not in (*keys, "replication")]
    return frame.groupby(list(keys), as_index=False, sort=False)[numeric].mean()


def breakdown_table(
    frame: pd.DataFrame,
    label_cols: Sequence[tuple[str, str]],
    metrics: Sequence[str],
    lang: Lang,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """A breakdown table: labels, some counts, then metrics in display units with one precision per column."""
    metrics = [m for m in metrics if m in frame]
    extra = [(c, k) for c, k in extra if c in frame]
    header = (
        [tr(k, lang) for _, k in label_cols]
        + [tr(k, lang) for _, k in extra]
        + [metric_label(m, lang) for m in metrics]
    )
    places = {c: decimals_for(frame[c], digits=2) for c, _ in extra}
    places |= {m: decimals_for(frame[m] * metric_info(m).scale) for m in metrics}
    rows = [
        [category(str(r[c]), lang) for c, _ in label_cols]
        + [fmt_fixed(r[c], places[c]) for c, _ in extra]
        + [fmt_metric(m, r[m], places[m]) for m in metrics]
        for _, r in frame.iterrows()
    ]
    first = len(label_cols)
    return h.table(header, rows, numeric=range(first, len(header)), cls="wide")


# ------------------------------------------------------------------------------ run sections


def scenario_section(run: Folder, ctx: Context) -> h.Section:
    lang, man = ctx.lang, run.manifest
    scen, settings = man.get("scenario", {}), man.get("settings", {})
    sec = h.Section("scenario", tr("sec_scenario", lang))
    counties = (scen.get("world") or {}).get("counties") or "all"
    sec.add(
        h.facts(
            [
                (tr("name", lang), man.get("scenario_name", scen.get("name", "—"))),
                (tr("description", lang), description(scen.get("description"), lang) or "—"),
                (
                    tr("setting", lang),
                    f"days={settings.get('days')}, warmup_days={settings.get('warmup_days')}, "
                    f"replications={settings.get('replications')}, seed={settings.get('seed')}",
                ),
                (
                    tr("county", lang),
                    counties if isinstance(counties, str) else ", ".join(category(str(c), lang) for c in counties),
                ),
            ]
        )
    )
    changes = man.get("changes")
    if changes:
        sec.add(h.heading(tr("changes_base", lang)))
        sec.add(
            h.table(
                [tr("path", lang), tr("value", lang), tr("base_value", lang)],
                [[h.code(c.get("path")), show(c.get("value")), show(c.get("base_value"))] for c in changes],
            )
        )
    elif scen:
        diffs = differences_from_defaults(scen)
        sec.add(h.heading(tr("changes_default", lang)))
        sec.add(
            h.table(
                [tr("path", lang), tr("value", lang), tr("base_value", lang)],
                [[h.code(p), show(v), show(d)] for p, v, d in diffs],
            )
            if diffs
            else h.para(tr("no_changes", lang))
        )
    return sec


def key_metrics_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("key-metrics", tr("sec_key_metrics", ctx.lang))
    name = str(run.manifest.get("scenario_name", "scenario"))
    ctx.figure(
        sec,
        lambda: fig.key_metrics({name: run.metrics}, ctx.figures, ctx.lang, replications=run.replications),
        "cap_key_metrics",
    )
    sec.add(h.para(tr("key_first", ctx.lang), "lead"), metric_table(run.metrics, ctx.lang))
    return sec


def response_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("response-times", tr("sec_response", ctx.lang))
    if "response_histograms" not in run.tables and "by_request_type" not in run.tables:
        return missing(sec, ctx.lang, "tables/response_histograms.csv", "tables/by_request_type.csv")
    if "response_histograms" in run.tables:
        ctx.figure(
            sec,
            lambda: fig.response_distributions(run.tables["response_histograms"], ctx.figures, ctx.lang),
            "cap_response",
        )
    if "by_request_type" in run.tables:
        table = mean_over_replications(run.tables["by_request_type"], ["request_type"])
        sec.add(
            h.heading(tr("by_type_table", ctx.lang)),
            breakdown_table(
                table, [("request_type", "request_type")], TYPE_METRICS, ctx.lang, extra=[("arrived", "arrived")]
            ),
        )
    return sec


def time_use_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("time-use", tr("sec_time_use", ctx.lang))
    kind, county = run.tables.get("by_village_kind"), run.tables.get("by_county")
    if kind is None or county is None:
        return missing(sec, ctx.lang, "tables/by_village_kind.csv", "tables/by_county.csv")
    ctx.figure(sec, lambda: fig.time_use(kind, county, ctx.figures, ctx.lang), "cap_time_use")
    shares = [f"{u}_share" for u in TIME_USE]
    sec.add(
        breakdown_table(
            mean_over_replications(kind, ["kind"]),
            [("kind", "kind")],
            [*shares, "visits_per_worker_day", "household_visits_per_day"],
            ctx.lang,
            extra=[("cadres", "cadres"), ("team_members", "team_members")],
        )
    )
    return sec


def visits_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("visits", tr("sec_visits", ctx.lang))
    daily, county = run.tables.get("daily"), run.tables.get("by_county")
    if daily is None or county is None:
        return missing(sec, ctx.lang, "tables/daily.csv", "tables/by_county.csv")
    first = county[county["replication"] == county["replication"].min()] if "replication" in county else county
    vulnerable = float(first["vulnerable"].sum())
    campaign = (run.manifest.get("scenario", {}).get("visits") or {}).get("campaign")
    done = run.metrics.get("campaign_completion_days") or {}
    completion = None
    if campaign and done.get("mean") is not None:
        completion = [float("nan") if done.get(k) is None else float(done[k]) for k in ("mean", "ci_low", "ci_high")]
    warm = float(run.manifest.get("settings", {}).get("warmup_days") or 0)
    ctx.figure(
        sec,
        lambda: fig.visits_over_time(daily, vulnerable, warm, ctx.figures, ctx.lang, campaign, completion),
        "cap_visits",
    )
    if campaign:
        sec.add(
            h.facts(
                [
                    (tr("campaign", ctx.lang), show(campaign)),
                    *[
                        (metric_label(m, ctx.lang), " ".join(estimate_cells(m, run.metrics.get(m))))
                        for m in ("campaign_completion_days", "campaign_peak_village_visits_per_day")
                    ],
                ]
            )
        )
    return sec


def geography_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("geography", tr("sec_geography", ctx.lang))
    lang = ctx.lang
    extra = [("population", "population"), ("cadres", "cadres"), ("team_members", "team_members")]
    if "by_county" not in run.tables and "by_township" not in run.tables:
        return missing(sec, lang, "tables/by_county.csv", "tables/by_township.csv")
    city = {m: run.metrics[m]["mean"] for m in GEO_METRICS if (run.metrics.get(m) or {}).get("mean") is not None}
    if "by_county" in run.tables:
        county = mean_over_replications(run.tables["by_county"], ["county"])
        sec.add(h.heading(tr("by_county_table", lang)))
        ctx.figure(
            sec,
            lambda: fig.heatmap(
                county,
                [category(str(c), lang) for c in county["county"]],
                GEO_METRICS,
                ctx.figures,
                lang,
                name="heatmap_county",
                reference=city,
            ),
            "cap_heatmap",
        )
        sec.add(breakdown_table(county, [("county", "county")], GEO_METRICS, lang, extra))
    if "by_township" in run.tables:
        town = mean_over_replications(run.tables["by_township"], ["county", "township_index", "township"])
        town = town.sort_values(["county", "township_index"]).reset_index(drop=True)
        sec.add(h.heading(tr("by_township_table", lang)))
        ctx.figure(
            sec,
            lambda: fig.heatmap(
                town,
                [category(str(t), lang) for t in town["township"]],
                GEO_METRICS,
                ctx.figures,
                lang,
                name="heatmap_township",
                reference=city,
            ),
            "cap_heatmap",
        )
        sec.add(breakdown_table(town, [("county", "county"), ("township", "township")], GEO_METRICS, lang, extra))
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
            category(str(q["queue"]), lang),
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


def diagnostics_section(run: Folder, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("diagnostics", tr("sec_diagnostics", lang))
    warm = run.manifest.get("warmup") or {}
    settings = run.manifest.get("settings", {})
    method = str(warm.get("method", "fixed"))
    if warm.get("truncation_days"):
        method += f" {show(warm['truncation_days'])}"
    sec.add(
        h.facts(
            [
                (tr("ck_warmup", lang), tr("ck_warmup_text", lang, days=settings.get("warmup_days"), method=method)),
                (tr("ck_estimation", lang), tr("ck_replications", lang, n=settings.get("replications"))),
            ]
        )
    )
    if "daily" in run.tables:
        ctx.figure(
            sec,
            lambda: fig.warmup_diagnostics(
                run.tables["daily"], float(settings.get("warmup_days") or 0), ctx.figures, lang
            ),
            "cap_warmup",
        )
    if run.replications is not None and len(run.replications):
        ctx.figure(sec, lambda: fig.replication_convergence(run.replications, ctx.figures, lang), "cap_convergence")
        rows = []
        for k in KEY_METRICS:
            m = run.metrics.get(k)
            if m and m.get("mean") not in (None, 0) and m.get("ci_high") is not None:
                half = (m["ci_high"] - m["ci_low"]) / 2
                scale = metric_info(k).scale
                d = decimals_ci(m["ci_low"] * scale, m["ci_high"] * scale)
                rows.append(
                    [
                        metric_name(k, lang),
                        h.code(k),
                        fmt_metric(k, m["mean"], d),
                        fmt_metric(k, half, d),
                        f"{100 * half / abs(m['mean']):.1f} %",
                    ]
                )
        sec.add(
            h.table(
                [tr("metric", lang), tr("metric_id", lang), tr("mean", lang), "± (95%)", "± / |mean|"],
                rows,
                numeric=(2, 3, 4),
            )
        )
    return sec


def assumptions_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("assumptions", tr("sec_assumptions", ctx.lang))
    found = assumptions_in_force(run.manifest.get("scenario", {}))
    sec.add(h.para(tr("assumptions_intro", ctx.lang), "lead"))
    sec.add(
        h.table(
            [tr("path", ctx.lang), tr("value", ctx.lang), tr("description", ctx.lang)],
            [[h.code(p), show(v), d] for p, v, d in found],
            cls="kv",
        )
        if found
        else h.para(tr("no_assumptions", ctx.lang))
    )
    return sec


def checklist_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("checklist", tr("sec_checklist", ctx.lang))
    n = len(assumptions_in_force(run.manifest.get("scenario", {})))
    rows = checklist(run.manifest, ordered_metrics(list(run.metrics)), n, ctx.lang)
    sec.add(h.table([tr("item", ctx.lang), tr("content", ctx.lang)], rows, cls="kv"))
    return sec


RUN_SECTIONS = (
    scenario_section,
    key_metrics_section,
    response_section,
    time_use_section,
    visits_section,
    geography_section,
    stability_section,
    diagnostics_section,
    assumptions_section,
    checklist_section,
)


def guarded(make: Callable[[Any, Context], h.Section], data: Any, ctx: Context, key: str, title: str) -> h.Section:
    """Build a section; on failure show the error in its place (the folder's other results stay usable)."""
    try:
        return make(data, ctx)
    except Exception as exc:  # a figure bug must not discard a finished run folder
        sec = h.Section(key, title)
        sec.add(h.notice(f"{type(exc).__name__}: {exc}", "error"))
        ctx.notices.append(f"{title}: {type(exc).__name__}: {exc}")
        return sec


def _run_subtitle(run: Folder, lang: Lang) -> tuple[str, str]:
    man = run.manifest
    s = man.get("settings", {})
    git = (man.get("git") or {}).get("commit") or "—"
    meta = (
        f"{s.get('replications')} × {s.get('days')} d ({tr('warmup', lang)} {s.get('warmup_days')} d)"
        f" · seed {s.get('seed')} · git {str(git)[:10]} · {man.get('started_at') or ''}"
    )
    scen = man.get("scenario", {})
    subtitle = str(man.get("scenario_name", scen.get("name", "")))
    if scen.get("description"):
        subtitle += f" — {description(scen['description'], lang)}"
    return subtitle, meta


def run_report(folder: Path, lang: Lang) -> str:
    run = Folder.read(folder)
    ctx = Context(figures_dir(folder, lang), lang)
    titles = (
        "sec_scenario",
        "sec_key_metrics",
        "sec_response",
        "sec_time_use",
        "sec_visits",
        "sec_geography",
        "sec_stability",
        "sec_diagnostics",
        "sec_assumptions",
        "sec_checklist",
    )
    sections = [guarded(make, run, ctx, key, tr(key, lang)) for make, key in zip(RUN_SECTIONS, titles, strict=True)]
    subtitle, meta = _run_subtitle(run, lang)
    return render(tr("report_run", lang), subtitle, meta, sections, ctx)


def render(title: str, subtitle: str, meta: str, sections: list[h.Section], ctx: Context) -> str:
    notices = list(ctx.notices)
    warning = font_warning()
    if warning and ctx.lang == "zh":
        notices.insert(0, f"{tr('font_missing', ctx.lang)} ({warning})")
    return h.page(
        title, subtitle, meta, sections, ctx.lang, tr("contents", ctx.lang), notices, footer=tr("generated", ctx.lang)
    )


def build_report(folder: Path, lang: str = "en") -> Path:
    """Write the report of a run, comparison, sweep or calibration folder and return its path.

    English: ``folder/report.html`` with ``folder/figures/*.png``; Chinese: ``folder/report.zh.html``
    with ``folder/figures/zh/*.png`` beside them, so each language's report stays intact.
    """
    from sim.report import report_multi

    if lang not in ("en", "zh"):
        raise ValueError(f"lang: expected 'en' or 'zh', got {lang!r}")
    language: Lang = "zh" if lang == "zh" else "en"
    folder = Path(folder)
    manifest = read_json(folder / "manifest.json")
    if manifest is None:
        raise FileNotFoundError(f"{folder / 'manifest.json'} not found: not a result folder")
    kind = manifest.get("kind", "run")
    if kind == "run":
        text = run_report(folder, language)
    elif kind == "comparison":
        text = report_multi.comparison_report(folder, language)
    elif kind == "sweep":
        text = report_multi.sweep_report(folder, language)
    elif kind == "calibration":
        from sim.report.calibration_report import calibration_report

        text = calibration_report(folder, language)
    else:
        raise ValueError(f"{folder}: unknown result kind {kind!r} (expected run, comparison, sweep or calibration)")
    out = report_file(folder, language)
    out.write_text(text, encoding="utf-8")
    return out
