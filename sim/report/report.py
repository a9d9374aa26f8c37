"""``build_report``: figures and a self-contained report.html from the files of a result folder.

Why from files only: ``grassroots report RUN_DIR`` must rebuild a report
(say in Chinese, or after a figure fix) from the folder alone, years later,
without re-running the model. A section whose files are missing is skipped;
a section that fails shows its error in the report instead of losing the
folder it is written into.
"""

from __future__ import annotations

from pathlib import Path

from sim.analysis.metrics import KEY_METRICS, TIME_USE
from sim.report import figures as fig
from sim.report import htmldoc as h
from sim.report.assumptions import assumptions_in_force, checklist, differences_from_defaults, show
from sim.report.context import (
    Context,
    Folder,
    breakdown_table,
    estimate_cells,
    figures_dir,
    guarded,
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


def build_report(folder: Path, lang: str = "en") -> Path:
    """Write the report of a run, comparison, sweep or calibration folder and return its path.

    English: ``folder/report.html`` with ``folder/figures/*.png``; Chinese: ``folder/report.zh.html``
    with ``folder/figures/zh/*.png`` beside them, so each language's report stays intact.
    """
    from sim.report import report_multi, report_sweep

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
        text = report_sweep.sweep_report(folder, language)
    elif kind == "calibration":
        from sim.report.calibration_report import calibration_report

        text = calibration_report(folder, language)
    else:
        raise ValueError(f"{folder}: unknown result kind {kind!r} (expected run, comparison, sweep or calibration)")
    out = report_file(folder, language)
    out.write_text(text, encoding="utf-8")
    return out
