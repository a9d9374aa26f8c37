"""Comparison and sweep reports, from the files their folders promise (see DESIGN §5).

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
from sim.report.figures_multi import IN_METRIC_UNITS
from sim.report.labels import (
    Lang,
    decimals_ci,
    fmt,
    fmt_metric,
    metric_info,
    metric_label,
    metric_name,
    tr,
)
from sim.report.places import description
from sim.report.report import assumptions_section
from sim.report.robustness_section import robustness_section

#: Metrics drawn in sweep figures when present (at most four keep the grids readable).
SWEEP_PLOT_METRICS = (
    "first_response_hours_mean",
    "resolution_hours_mean",
    "household_visits_per_day",
    "vulnerable_coverage_30d",
)
#: Sensitivity index columns in order of preference, with their confidence column(s).
INDICES: tuple[tuple[str, str | tuple[str, str] | None], ...] = (
    ("mu_star", "mu_star_conf"),
    ("ST", "ST_conf"),
    ("S1", "S1_conf"),
    ("src", ("src_ci_low", "src_ci_high")),
    ("main_effect_range", None),
)
MAX_POINT_ROWS = 60
#: Scenario columns per "key metrics by scenario" table; more scenarios continue in a further table.
SIDE_BY_SIDE_COLUMNS = 5


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def _p(value: object) -> str:
    """A p-value as '<0.001' or three decimals."""
    if not isinstance(value, int | float) or pd.isna(value):
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _key_first(metrics: list[str]) -> list[str]:
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
        self.diffs = _csv(folder / "comparison.csv")
        self.decomposition = _csv(folder / "decomposition.csv")
        self.marginal = _csv(folder / "marginal_values.csv")
        names = list(dict.fromkeys([self.base, *self.scenarios]))
        self.runs = {
            n: Folder.read(folder / "runs" / n) for n in names if (folder / "runs" / n / "summary.json").is_file()
        }

    def metrics_of_diffs(self) -> list[str]:
        return _key_first(ordered_metrics(list(dict.fromkeys(self.diffs["metric"])))) if self.diffs is not None else []


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
    metrics = _key_first(ordered_metrics(list(next(iter(c.runs.values())).metrics)))
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
    metrics = _key_first(ordered_metrics(list(dict.fromkeys(frame["metric"]))))
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


def _checklist_section(
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
            lambda _c, cx: _checklist_section(merged, metrics, cx, n_assumptions),
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


# ------------------------------------------------------------------------------------ sweep


class Sweep:
    """The files of a sweep folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: dict[str, Any] = read_json(folder / "manifest.json") or {}
        self.points = _csv(folder / "points.csv")
        self.sensitivity = _csv(folder / "sensitivity.csv")
        self.main_effects = _csv(folder / "main_effects.csv")
        self.factors = [str(f.get("path")) for f in self.manifest.get("factors", [])]

    def metrics(self) -> list[str]:
        for frame in (self.sensitivity, self.main_effects):
            if frame is not None:
                return ordered_metrics(list(dict.fromkeys(frame["metric"])))
        if self.points is not None:
            return ordered_metrics([c[: -len("_mean")] for c in self.points.columns if c.endswith("_mean")])
        return []


def design_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("design", tr("sec_design", lang))
    n = len(s.points) if s.points is not None else "—"
    settings = s.manifest.get("settings", {})
    sec.add(
        h.facts(
            [
                (tr("name", lang), s.manifest.get("name", "—")),
                (tr("base", lang), s.manifest.get("base", "—")),
                (tr("design", lang), s.manifest.get("design", "—")),
                (tr("points", lang), n),
                (tr("settings", lang), ", ".join(f"{k}={v}" for k, v in settings.items())),
            ]
        )
    )
    rows = []
    for f in s.manifest.get("factors", []):
        levels = f.get("levels")
        rng = show(levels) if levels is not None else f"{f.get('low')} – {f.get('high')}"
        rows.append([h.code(f.get("path")), rng])
    sec.add(h.table([tr("factor", lang), tr("levels", lang)], rows))
    return sec


def points_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("points", tr("sec_points", lang))
    if s.points is None:
        return missing(sec, lang, "points.csv")
    metrics = _key_first(s.metrics())
    factors = [f for f in s.factors if f in s.points] or [
        c for c in s.points.columns if c != "point" and c.rsplit("_", 1)[-1] not in ("mean", "low", "high")
    ]
    shown = s.points.head(MAX_POINT_ROWS)
    rows = []
    for i, r in shown.iterrows():
        cells = [fmt(r["point"] if "point" in r else i)] + [fmt(r[f]) for f in factors]
        for m in metrics:
            est = {"mean": r.get(f"{m}_mean"), "ci_low": r.get(f"{m}_ci_low"), "ci_high": r.get(f"{m}_ci_high")}
            cells.append(" ".join(estimate_cells(m, est)).strip())
        rows.append(cells)
    header = [tr("point", lang), *[h.path_header(f) for f in factors], *[metric_label(m, lang) for m in metrics]]
    if len(s.points) > MAX_POINT_ROWS:
        sec.add(h.para(tr("rows_shown", lang, shown=MAX_POINT_ROWS, total=len(s.points), file="points.csv"), "lead"))
    sec.add(h.table(header, rows, numeric=range(0, len(header)), cls="wide"))
    return sec


def _index(frame: pd.DataFrame) -> tuple[str, str | tuple[str, str] | None] | None:
    for index, conf in INDICES:
        if index in frame and frame[index].notna().any():
            ok = conf is None or (conf in frame if isinstance(conf, str) else all(c in frame for c in conf))
            return index, conf if ok else None
    return None


def sensitivity_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("sensitivity", tr("sec_sensitivity", lang))
    if s.sensitivity is None:
        return missing(sec, lang, "sensitivity.csv")
    frame = s.sensitivity
    metrics = _key_first(ordered_metrics(list(dict.fromkeys(frame["metric"]))))
    skip = {"metric", "factor", "rank", "design"}
    cols = [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])]
    rows = []
    for m in metrics:
        part = frame[frame["metric"] == m]
        part = part.sort_values("rank") if "rank" in part else part
        scale = metric_info(m).scale  # indices in metric units are shown in display units (per cent)
        rows += [
            [
                metric_name(m, lang),
                h.code(r["factor"]),
                fmt(r.get("rank")),
                *[fmt(r[c] * (scale if c in IN_METRIC_UNITS else 1.0)) for c in cols],
            ]
            for _, r in part.iterrows()
        ]
    sec.add(
        h.table(
            [tr("metric", lang), tr("factor", lang), tr("rank", lang), *cols], rows, numeric=range(2, 3 + len(cols))
        )
    )
    return sec


def effects_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("main-effects", tr("sec_main_effects", lang))
    plotted = [m for m in SWEEP_PLOT_METRICS if m in s.metrics()] or s.metrics()[:4]
    if s.main_effects is not None:
        ctx.figure(sec, lambda: fig.main_effects(s.main_effects, ctx.figures, lang, plotted), "cap_main_effects")
    else:
        missing(sec, lang, "main_effects.csv")
    choice = _index(s.sensitivity) if s.sensitivity is not None else None
    if s.sensitivity is not None and choice is not None:
        index, conf = choice
        ctx.figure(sec, lambda: fig.tornado(s.sensitivity, index, ctx.figures, lang, conf, plotted), "cap_tornado")
    return sec


def sweep_report(folder: Path, lang: Lang) -> str:
    s = Sweep(folder)
    ctx = Context(figures_dir(folder, lang), lang)
    parts = [
        (design_section, "sec_design"),
        (points_section, "sec_points"),
        (sensitivity_section, "sec_sensitivity"),
        (effects_section, "sec_main_effects"),
    ]
    sections = [guarded(make, s, ctx, key, tr(key, lang)) for make, key in parts]
    name = str(s.manifest.get("name") or folder.name)
    facts = {
        **s.manifest,
        "scenario": {
            "description": f"{name}: {s.manifest.get('design', '')} "
            f"{', '.join(s.factors)} (base {s.manifest.get('base', '—')})"
        },
        "changes": s.manifest.get("factors"),
    }
    sections.append(
        guarded(
            lambda _s, cx: _checklist_section(facts, s.metrics(), cx), s, ctx, "checklist", tr("sec_checklist", lang)
        )
    )
    subtitle = f"{name} · {s.manifest.get('design', '')} · {tr('factors_n', lang, n=len(s.factors))}"
    settings = s.manifest.get("settings", {})
    meta = ", ".join(f"{k}={v}" for k, v in settings.items())
    return render(tr("report_sweep", lang), subtitle, meta, sections, ctx)
