"""Comparison reports, from the files their folders promise (see DESIGN §5; sweeps: report_sweep).

Why tolerant: the producers of these folders evolve separately; a missing
optional file (decomposition, marginal values, per-scenario runs) drops
its section with a note, and unknown extra columns are ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import KEY_METRICS
from sim.report import figures as fig
from sim.report import htmldoc as h
from sim.report.assumptions import assumptions_in_force, checklist, leaf_differences, show
from sim.report.context import (
    Context,
    Folder,
    estimate_cells,
    figures_dir,
    guarded,
    missing,
    ordered_metrics,
    read_json,
    render,
)
from sim.report.labels import (
    Lang,
    decimals_ci,
    fmt_metric,
    metric_info,
    metric_name,
    tr,
)
from sim.report.places import description
from sim.report.report import assumptions_section
from sim.report.robustness_section import robustness_section

#: Scenario columns per "key metrics by scenario" table; more scenarios continue in a further table.
SIDE_BY_SIDE_COLUMNS = 5


def csv_or_none(path: Path) -> pd.DataFrame | None:
    """An optional CSV of a folder, or None (its section then says the file is missing)."""
    return pd.read_csv(path) if path.is_file() else None


def _p(value: object) -> str:
    """A p-value as '<0.001' or three decimals."""
    if not isinstance(value, int | float) or pd.isna(value):
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def key_first(metrics: list[str]) -> list[str]:
    """The key metrics among ``metrics`` (figures show these), else the first eight."""
    key = [m for m in KEY_METRICS if m in metrics]
    return key or metrics[:8]


# ------------------------------------------------------------------------------- comparison


class Comparison:
    """The files of a comparison folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: dict[str, Any] = read_json(folder / "manifest.json") or {}
        self.base = str(self.manifest.get("base", ""))
        # the producer may or may not list the base among the scenarios
        self.scenarios = [str(s) for s in self.manifest.get("scenarios", []) if str(s) != self.base]
        self.diffs = csv_or_none(folder / "comparison.csv")
        self.decomposition = csv_or_none(folder / "decomposition.csv")
        self.marginal = csv_or_none(folder / "marginal_values.csv")
        names = list(dict.fromkeys([self.base, *self.scenarios]))
        self.runs = {
            n: Folder.read(folder / "runs" / n) for n in names if (folder / "runs" / n / "summary.json").is_file()
        }

    def metrics_of_diffs(self) -> list[str]:
        return key_first(ordered_metrics(list(dict.fromkeys(self.diffs["metric"])))) if self.diffs is not None else []


def overview_section(c: Comparison, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("scenarios", tr("sec_comparison", lang))
    settings = c.manifest.get("settings", {})
    sec.add(
        h.facts(
            [
                (tr("base", lang), c.base),
                (tr("scenario", lang), ", ".join(c.scenarios)),
                (tr("settings", lang), ", ".join(f"{k}={v}" for k, v in settings.items())),
            ]
        )
    )
    rows = []
    for name in [c.base, *c.scenarios]:
        run = c.runs.get(name)
        desc = description(run.manifest.get("scenario", {}).get("description") if run else None, lang) or "—"
        rows.append([name, desc])
    sec.add(h.table([tr("scenario", lang), tr("description", lang)], rows))
    base = c.runs.get(c.base)
    for name in c.scenarios:
        run = c.runs.get(name)
        if run is None:
            continue
        changes = run.manifest.get("changes")
        if not changes and base is not None:
            changes = [
                {"path": p, "value": v, "base_value": b}
                for p, v, b in leaf_differences(_model(run.manifest), _model(base.manifest))
            ]
        if changes:
            sec.add(h.heading(f"{name}: {tr('changes_base', lang)}"))
            sec.add(
                h.table(
                    [tr("path", lang), tr("value", lang), tr("base_value", lang)],
                    [[h.code(x.get("path")), show(x.get("value")), show(x.get("base_value"))] for x in changes],
                )
            )
    return sec


def _model(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.get("scenario", {}).items() if k not in ("name", "description", "run")}


def paired_section(c: Comparison, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("paired", tr("sec_paired", lang))
    if c.diffs is None:
        return missing(sec, lang, "comparison.csv")
    metrics = c.metrics_of_diffs()
    ctx.figure(sec, lambda: fig.forest(c.diffs, ctx.figures, lang, metrics), "cap_forest")
    rows = []
    frame = c.diffs[c.diffs["metric"].isin(metrics)]
    frame = frame.assign(_o=frame["metric"].map(metrics.index)).sort_values(["_o", "scenario"], kind="stable")
    for _, r in frame.iterrows():
        m = str(r["metric"])
        rel = r.get("relative_change")
        scale = metric_info(m).scale
        d = decimals_ci(r["ci_low"] * scale, r["ci_high"] * scale, [r.get("base_mean", 0) * scale])
        rows.append(
            [
                r["scenario"],
                h.stacked(metric_name(m, lang), h.code(m)),
                fmt_metric(m, r.get("base_mean"), d),
                fmt_metric(m, r.get("other_mean"), d),
                *estimate_cells(m, {"mean": r["mean_diff"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}),
                "—" if pd.isna(rel) else f"{100 * float(rel):+.1f} %".replace("-", "−"),
                _p(r.get("p_value")),
            ]
        )
    header = [
        tr(k, lang)
        for k in ("scenario", "metric", "base_mean", "other_mean", "difference", "ci95", "relative", "p_value")
    ]
    sec.add(h.table(header, rows, numeric=(2, 3, 4, 5, 6, 7), cls="wide"))
    return sec


def side_by_side_section(c: Comparison, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("side-by-side", tr("sec_side_by_side", lang))
    if not c.runs:
        return missing(sec, lang, "runs/<scenario>/summary.json")
    names = list(c.runs)
    metrics = key_first(ordered_metrics(list(next(iter(c.runs.values())).metrics)))
    ctx.figure(
        sec,
        lambda: fig.key_metrics(
            {n: c.runs[n].metrics for n in names}, ctx.figures, lang, metrics, name="key_metrics_by_scenario"
        ),
        "cap_key_metrics_multi",
    )
    every = ordered_metrics(list(next(iter(c.runs.values())).metrics))
    for start in range(0, len(names), SIDE_BY_SIDE_COLUMNS):  # a page holds about five scenario columns
        chunk = names[start : start + SIDE_BY_SIDE_COLUMNS]
        rows = []
        for m in every:
            cells = []
            for n in chunk:
                mean, ci = estimate_cells(m, c.runs[n].metrics.get(m))
                cells.append(h.stacked(mean, ci))
            rows.append([h.stacked(metric_name(m, lang), h.code(m)), *cells])
        sec.add(h.table([tr("metric", lang), *chunk], rows, numeric=range(1, 1 + len(chunk)), cls="by-scenario"))
    return sec


def _effects_section(
    frame: pd.DataFrame | None, file: str, key: str, title: str, term: str, effect: str, ctx: Context
) -> h.Section:
    lang = ctx.lang
    sec = h.Section(key, tr(title, lang))
    if frame is None:
        return missing(sec, lang, file)
    metrics = key_first(ordered_metrics(list(dict.fromkeys(frame["metric"]))))
    if term == "lever":
        ctx.figure(sec, lambda: fig.marginal_values(frame, ctx.figures, lang, metrics[:4]), "cap_marginal")
    else:
        ctx.figure(sec, lambda: fig.decomposition(frame, ctx.figures, lang, metrics, name=key), "cap_decomposition")
    rows = [
        [
            r[term],
            metric_name(str(r["metric"]), lang),
            h.code(r["metric"]),
            *estimate_cells(str(r["metric"]), {"mean": r[effect], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}),
        ]
        for _, r in frame[frame["metric"].isin(metrics)].iterrows()
    ]
    header = [
        tr("term" if term == "term" else "lever", lang),
        tr("metric", lang),
        tr("metric_id", lang),
        tr("effect" if effect == "effect" else "per_unit", lang),
        tr("ci95", lang),
    ]
    sec.add(h.table(header, rows, numeric=(3, 4)))
    return sec


def decomposition_section(c: Comparison, ctx: Context) -> h.Section:
    return _effects_section(
        c.decomposition, "decomposition.csv", "decomposition", "sec_decomposition", "term", "effect", ctx
    )


def marginal_section(c: Comparison, ctx: Context) -> h.Section:
    return _effects_section(
        c.marginal, "marginal_values.csv", "marginal-values", "sec_marginal", "lever", "change_per_unit", ctx
    )


def facts_checklist_section(
    manifest: dict[str, Any], metrics: list[str], ctx: Context, n_assumptions: int | None = None
) -> h.Section:
    sec = h.Section("checklist", tr("sec_checklist", ctx.lang))
    rows = checklist(manifest, metrics, n_assumptions, ctx.lang)
    sec.add(h.table([tr("item", ctx.lang), tr("content", ctx.lang)], rows, cls="kv"))
    return sec


def comparison_report(folder: Path, lang: Lang) -> str:
    c = Comparison(folder)
    ctx = Context(figures_dir(folder, lang), lang)
    parts = [
        (overview_section, "sec_comparison"),
        (paired_section, "sec_paired"),
        (side_by_side_section, "sec_side_by_side"),
    ]
    if c.decomposition is not None:
        parts.append((decomposition_section, "sec_decomposition"))
    if c.marginal is not None:
        parts.append((marginal_section, "sec_marginal"))
    sections = [guarded(make, c, ctx, key, tr(key, lang)) for make, key in parts]
    robust = robustness_section(folder, lang)
    if robust is not None:
        sections.insert(1, robust)
    base_manifest = c.runs[c.base].manifest if c.base in c.runs else {}
    merged = {**base_manifest, **c.manifest, "scenario": base_manifest.get("scenario", {})}
    metrics = c.metrics_of_diffs()
    if not metrics and c.base in c.runs:
        metrics = ordered_metrics(list(c.runs[c.base].metrics))
    n_assumptions = None
    if c.base in c.runs:  # the base scenario's assumptions, the section checklist item 3.4 links to
        sections.append(guarded(assumptions_section, c.runs[c.base], ctx, "assumptions", tr("sec_assumptions", lang)))
        n_assumptions = len(assumptions_in_force(base_manifest.get("scenario", {})))
    sections.append(
        guarded(
            lambda _c, cx: facts_checklist_section(merged, metrics, cx, n_assumptions),
            c,
            ctx,
            "checklist",
            tr("sec_checklist", lang),
        )
    )
    subtitle = f"{tr('base', lang)}: {c.base} · {tr('scenario', lang)}: {', '.join(c.scenarios)}"
    s = c.manifest.get("settings", {})
    meta = f"{s.get('replications', '?')} × {s.get('days', '?')} d · seed {s.get('seed', '?')}"
    return render(tr("report_comparison", lang), subtitle, meta, sections, ctx)
