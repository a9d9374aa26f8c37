"""``build_report``: figures and a self-contained report.html from the files of a result folder.

Why from files only: ``grassroots report RUN_DIR`` must rebuild a report
(say in Chinese, or after a figure fix) from the folder alone, years later,
without re-running the model. A section whose files are missing is skipped;
a section that fails shows its error in the report instead of losing the
folder it is written into.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import KEY_METRICS, TIME_USE
from sim.report import figures as fig
from sim.report import htmldoc as h
from sim.report.assumptions import assumptions_in_force, checklist, differences_from_defaults, show, warmup_method
from sim.report.context import (
    Context,
    Folder,
    breakdown_table,
    changes_table,
    estimate_cells,
    figures_dir,
    guarded,
    guarded_sections,
    mean_over_replications,
    metric_table,
    missing,
    ordered_metrics,
    read_json,
    render,
    report_file,
)
from sim.report.labels import (
    Lang,
    category,
    decimals_ci,
    fmt_metric,
    metric_info,
    metric_label,
    metric_name,
    tr,
)
from sim.report.places import description
from sim.report.sections_geo import GEO_METRICS, TYPE_METRICS, geography_section, stability_section

__all__ = [
    "GEO_METRICS",
    "RUN_SECTIONS",
    "Context",
    "Folder",
    "assumptions_section",
    "build_report",
    "estimate_cells",
    "figures_dir",
    "guarded",
    "missing",
    "ordered_metrics",
    "read_json",
    "render",
    "run_report",
]


# ------------------------------------------------------------------------------ run sections

#: Results of a survey campaign shown beside the visits figure.
CAMPAIGN_METRICS = ("campaign_completion_days", "campaign_peak_village_visits_per_day")


def _counties_text(counties: str | list[Any], lang: Lang) -> str:
    """The run's counties ("all" when the scenario names none)."""
    if isinstance(counties, str):
        return counties
    return ", ".join(category(str(c), lang) for c in counties)


def _scenario_facts(run: Folder, lang: Lang) -> str:
    man = run.manifest
    scen, settings = man.get("scenario", {}), man.get("settings", {})
    run_settings = (
        f"days={settings.get('days')}, warmup_days={settings.get('warmup_days')}, "
        f"replications={settings.get('replications')}, seed={settings.get('seed')}"
    )
    return h.facts(
        [
            (tr("name", lang), man.get("scenario_name", scen.get("name", "—"))),
            (tr("description", lang), description(scen.get("description"), lang) or "—"),
            (tr("setting", lang), run_settings),
            (tr("county", lang), _counties_text((scen.get("world") or {}).get("counties") or "all", lang)),
        ]
    )


def _scenario_changes(run: Folder, lang: Lang) -> list[str]:
    """The changes the manifest records against a base, else the differences from the schema defaults."""
    changes, scen = run.manifest.get("changes"), run.manifest.get("scenario", {})
    if changes:
        table = changes_table([(c.get("path"), c.get("value"), c.get("base_value")) for c in changes], lang)
        return [h.heading(tr("changes_base", lang)), table]
    if not scen:
        return []
    diffs = differences_from_defaults(scen)
    table = changes_table(diffs, lang)
    return [h.heading(tr("changes_default", lang)), table if diffs else h.para(tr("no_changes", lang))]


def scenario_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("scenario", tr("sec_scenario", ctx.lang))
    sec.add(_scenario_facts(run, ctx.lang), *_scenario_changes(run, ctx.lang))
    return sec


def key_metrics_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("key-metrics", tr("sec_key_metrics", ctx.lang))
    name = str(run.manifest.get("scenario_name", "scenario"))
    estimates = fig.KeyEstimates({name: run.metrics}, run.replications)
    ctx.figure(sec, lambda: fig.key_metrics(estimates, ctx.figures, ctx.lang), "cap_key_metrics")
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


def _campaign(run: Folder) -> dict[str, Any] | None:
    """The scenario's survey campaign (start_day, days), if it has one."""
    return (run.manifest.get("scenario", {}).get("visits") or {}).get("campaign")


def _completion(run: Folder, campaign: object) -> list[float] | None:
    """Mean and 95 % CI of the campaign's completion day (NaN where missing); None without a campaign."""
    done = run.metrics.get("campaign_completion_days") or {}
    if not campaign or done.get("mean") is None:
        return None
    return [float("nan") if done.get(k) is None else float(done[k]) for k in ("mean", "ci_low", "ci_high")]


def _visit_series(run: Folder, daily: pd.DataFrame, county: pd.DataFrame) -> fig.VisitSeries:
    """What the visits figure draws: households are counted in one replication (every one has the same)."""
    first = county[county["replication"] == county["replication"].min()] if "replication" in county else county
    campaign = _campaign(run)
    warm = float(run.manifest.get("settings", {}).get("warmup_days") or 0)
    return fig.VisitSeries(daily, float(first["vulnerable"].sum()), warm, campaign, _completion(run, campaign))


def _campaign_facts(campaign: object, run: Folder, lang: Lang) -> str:
    results = [(metric_label(m, lang), " ".join(estimate_cells(m, run.metrics.get(m)))) for m in CAMPAIGN_METRICS]
    return h.facts([(tr("campaign", lang), show(campaign)), *results])


def visits_section(run: Folder, ctx: Context) -> h.Section:
    sec = h.Section("visits", tr("sec_visits", ctx.lang))
    daily, county = run.tables.get("daily"), run.tables.get("by_county")
    if daily is None or county is None:
        return missing(sec, ctx.lang, "tables/daily.csv", "tables/by_county.csv")
    series = _visit_series(run, daily, county)
    ctx.figure(sec, lambda: fig.visits_over_time(series, ctx.figures, ctx.lang), "cap_visits")
    if series.campaign:
        sec.add(_campaign_facts(series.campaign, run, ctx.lang))
    return sec


def _diagnostic_facts(run: Folder, lang: Lang) -> str:
    settings = run.manifest.get("settings", {})
    method = warmup_method(run.manifest.get("warmup") or {})
    return h.facts(
        [
            (tr("ck_warmup", lang), tr("ck_warmup_text", lang, days=settings.get("warmup_days"), method=method)),
            (tr("ck_estimation", lang), tr("ck_replications", lang, n=settings.get("replications"))),
        ]
    )


def _has_interval(m: dict[str, Any] | None) -> bool:
    """Whether a summary entry has a CI and a non-zero mean to relate its half-width to."""
    return bool(m and m.get("mean") not in (None, 0) and m.get("ci_high") is not None)


def _precision_row(metric: str, m: dict[str, Any], lang: Lang) -> list[str]:
    """Mean, CI half-width and half-width relative to the mean, with the decimals the CI supports."""
    half = (m["ci_high"] - m["ci_low"]) / 2
    scale = metric_info(metric).scale
    d = decimals_ci(m["ci_low"] * scale, m["ci_high"] * scale)
    return [
        metric_name(metric, lang),
        h.code(metric),
        fmt_metric(metric, m["mean"], d),
        fmt_metric(metric, half, d),
        f"{100 * half / abs(m['mean']):.1f} %",
    ]


def _precision_table(run: Folder, lang: Lang) -> str:
    rows = [_precision_row(k, run.metrics[k], lang) for k in KEY_METRICS if _has_interval(run.metrics.get(k))]
    header = [tr("metric", lang), tr("metric_id", lang), tr("mean", lang), "± (95%)", "± / |mean|"]
    return h.table(header, rows, numeric=(2, 3, 4))


def diagnostics_section(run: Folder, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("diagnostics", tr("sec_diagnostics", lang))
    sec.add(_diagnostic_facts(run, lang))
    if "daily" in run.tables:
        warm = run.manifest.get("settings", {}).get("warmup_days")
        ctx.figure(
            sec, lambda: fig.warmup_diagnostics(run.tables["daily"], float(warm or 0), ctx.figures, lang), "cap_warmup"
        )
    if run.replications is not None and len(run.replications):
        ctx.figure(sec, lambda: fig.replication_convergence(run.replications, ctx.figures, lang), "cap_convergence")
        sec.add(_precision_table(run, lang))
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


#: The run report's sections in order, each with the key of its title.
RUN_SECTIONS = (
    (scenario_section, "sec_scenario"),
    (key_metrics_section, "sec_key_metrics"),
    (response_section, "sec_response"),
    (time_use_section, "sec_time_use"),
    (visits_section, "sec_visits"),
    (geography_section, "sec_geography"),
    (stability_section, "sec_stability"),
    (diagnostics_section, "sec_diagnostics"),
    (assumptions_section, "sec_assumptions"),
    (checklist_section, "sec_checklist"),
)


def _run_banner(run: Folder, lang: Lang) -> h.Banner:
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
    return h.Banner(tr("report_run", lang), subtitle, meta)


def run_report(folder: Path, lang: Lang) -> str:
    run = Folder.read(folder)
    ctx = Context(figures_dir(folder, lang), lang)
    sections = guarded_sections(RUN_SECTIONS, run, ctx, tr)
    return render(_run_banner(run, lang), sections, ctx)


def _report_text(folder: Path, kind: object, lang: Lang) -> str:
    """The report of a folder whose manifest says it is of ``kind``, as one HTML document."""
    from sim.report import report_multi, report_sweep

    if kind == "run":
        return run_report(folder, lang)
    if kind == "comparison":
        return report_multi.comparison_report(folder, lang)
    if kind == "sweep":
        return report_sweep.sweep_report(folder, lang)
    if kind == "calibration":
        from sim.report.calibration_report import calibration_report

        return calibration_report(folder, lang)
    raise ValueError(f"{folder}: unknown result kind {kind!r} (expected run, comparison, sweep or calibration)")


def build_report(folder: Path, lang: str = "en") -> Path:
    """Write the report of a run, comparison, sweep or calibration folder and return its path.

    English: ``folder/report.html`` with ``folder/figures/*.png``; Chinese: ``folder/report.zh.html``
    with ``folder/figures/zh/*.png`` beside them, so each language's report stays intact.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang: expected 'en' or 'zh', got {lang!r}")
    language: Lang = "zh" if lang == "zh" else "en"
    folder = Path(folder)
    manifest = read_json(folder / "manifest.json")
    if manifest is None:
        raise FileNotFoundError(f"{folder / 'manifest.json'} not found: not a result folder")
    text = _report_text(folder, manifest.get("kind", "run"), language)
    out = report_file(folder, language)
    out.write_text(text, encoding="utf-8")
    return out
