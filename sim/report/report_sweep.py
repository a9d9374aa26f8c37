"""Sweep reports: the design, its points, the sensitivity ranking and main effects (see DESIGN §5).

Why tolerant, like comparison reports: a sweep folder's optional files
(sensitivity indices, main effects) drop their section with a note when missing,
and unknown extra columns are ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.report import figures as fig
from sim.report import htmldoc as h
from sim.report.assumptions import show
from sim.report.context import (
    Context,
    estimate_cells,
    figures_dir,
    guarded,
    guarded_sections,
    missing,
    ordered_metrics,
    read_json,
    render,
)
from sim.report.figures_multi import IN_METRIC_UNITS
from sim.report.labels import Lang, fmt, metric_info, metric_label, metric_name, tr
from sim.report.report_multi import csv_or_none, facts_checklist_section, key_first

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
#: Factor and metric columns per design-points table (more metrics continue in a further table).
POINT_COLUMNS = 8


class Sweep:
    """The files of a sweep folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: dict[str, Any] = read_json(folder / "manifest.json") or {}
        self.points = csv_or_none(folder / "points.csv")
        self.sensitivity = csv_or_none(folder / "sensitivity.csv")
        self.main_effects = csv_or_none(folder / "main_effects.csv")
        self.factors = [str(f.get("path")) for f in self.manifest.get("factors", [])]

    def metrics(self) -> list[str]:
        for frame in (self.sensitivity, self.main_effects):
            if frame is not None:
                return ordered_metrics(list(dict.fromkeys(frame["metric"])))
        if self.points is not None:
            return ordered_metrics([c[: -len("_mean")] for c in self.points.columns if c.endswith("_mean")])
        return []


def _design_facts(s: Sweep, lang: Lang) -> str:
    settings = s.manifest.get("settings", {})
    return h.facts(
        [
            (tr("name", lang), s.manifest.get("name", "—")),
            (tr("base", lang), s.manifest.get("base", "—")),
            (tr("design", lang), s.manifest.get("design", "—")),
            (tr("points", lang), len(s.points) if s.points is not None else "—"),
            (tr("settings", lang), ", ".join(f"{k}={v}" for k, v in settings.items())),
        ]
    )


def _factor_range(f: dict[str, Any]) -> str:
    """A factor's levels, or its range ``low – high``."""
    levels = f.get("levels")
    return show(levels) if levels is not None else f"{f.get('low')} – {f.get('high')}"


def design_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("design", tr("sec_design", lang))
    rows = [[h.code(f.get("path")), _factor_range(f)] for f in s.manifest.get("factors", [])]
    sec.add(_design_facts(s, lang), h.table([tr("factor", lang), tr("levels", lang)], rows))
    return sec


def _point_factors(s: Sweep, points: pd.DataFrame) -> list[str]:
    """The manifest's factors found in the points table, else its columns that are not estimates."""
    return [f for f in s.factors if f in points] or [
        c for c in points.columns if c != "point" and c.rsplit("_", 1)[-1] not in ("mean", "low", "high")
    ]


def _point_cells(i: object, r: pd.Series, factors: list[str], metrics: list[str]) -> list[str]:
    """One design point: its number, its factor values, and each metric's mean over its CI."""
    cells: list[str] = [fmt(r["point"] if "point" in r else i)] + [fmt(r[f]) for f in factors]
    for m in metrics:
        est = {"mean": r.get(f"{m}_mean"), "ci_low": r.get(f"{m}_ci_low"), "ci_high": r.get(f"{m}_ci_high")}
        cells.append(h.stacked(*estimate_cells(m, est)))
    return cells


def _points_table(shown: pd.DataFrame, factors: list[str], metrics: list[str], lang: Lang) -> str:
    rows = [_point_cells(i, r, factors, metrics) for i, r in shown.iterrows()]
    header = [tr("point", lang), *[h.path_header(f) for f in factors], *[metric_label(m, lang) for m in metrics]]
    return h.table(header, rows, numeric=range(0, len(header)), cls="wide")


def points_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("points", tr("sec_points", lang))
    if s.points is None:
        return missing(sec, lang, "points.csv")
    metrics = key_first(s.metrics())
    factors = _point_factors(s, s.points)
    shown = s.points.head(MAX_POINT_ROWS)
    if len(s.points) > MAX_POINT_ROWS:
        sec.add(h.para(tr("rows_shown", lang, shown=MAX_POINT_ROWS, total=len(s.points), file="points.csv"), "lead"))
    # the factors repeat in each table, so a page holds them and a few metrics (mean over its CI)
    per_table = max(2, POINT_COLUMNS - len(factors))
    for start in range(0, max(len(metrics), 1), per_table):
        sec.add(_points_table(shown, factors, metrics[start : start + per_table], lang))
    return sec


def _index(frame: pd.DataFrame) -> fig.SensitivityIndex | None:
    """The first index of ``INDICES`` the table has values of, with its confidence column(s) if present."""
    for index, conf in INDICES:
        if index in frame and frame[index].notna().any():
            ok = conf is None or (conf in frame if isinstance(conf, str) else all(c in frame for c in conf))
            return fig.SensitivityIndex(frame, index, conf if ok else None)
    return None


def _sensitivity_rows(part: pd.DataFrame, metric: str, cols: list[str], lang: Lang) -> list[list[object]]:
    """One metric's factors by rank; indices in metric units are shown in display units (per cent)."""
    part = part.sort_values("rank") if "rank" in part else part
    scale = metric_info(metric).scale
    return [
        [
            metric_name(metric, lang),
            h.code(r["factor"]),
            fmt(r.get("rank")),
            *[fmt(r[c] * (scale if c in IN_METRIC_UNITS else 1.0)) for c in cols],
        ]
        for _, r in part.iterrows()
    ]


def sensitivity_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("sensitivity", tr("sec_sensitivity", lang))
    if s.sensitivity is None:
        return missing(sec, lang, "sensitivity.csv")
    frame = s.sensitivity
    metrics = key_first(ordered_metrics(list(dict.fromkeys(frame["metric"]))))
    skip = {"metric", "factor", "rank", "design"}
    cols = [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])]
    rows = [row for m in metrics for row in _sensitivity_rows(frame[frame["metric"] == m], m, cols, lang)]
    header = [tr("metric", lang), tr("factor", lang), tr("rank", lang), *cols]
    sec.add(h.table(header, rows, numeric=range(2, 3 + len(cols))))
    return sec


def effects_section(s: Sweep, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("main-effects", tr("sec_main_effects", lang))
    plotted = [m for m in SWEEP_PLOT_METRICS if m in s.metrics()] or s.metrics()[:4]
    if s.main_effects is not None:
        effects = fig.MainEffects(s.main_effects)
        ctx.figure(sec, lambda: fig.main_effects(effects, ctx.figures, lang, plotted), "cap_main_effects")
    else:
        missing(sec, lang, "main_effects.csv")
    index = _index(s.sensitivity) if s.sensitivity is not None else None
    if index is not None:
        ctx.figure(sec, lambda: fig.tornado(index, ctx.figures, lang, plotted), "cap_tornado")
    return sec


def _checklist_facts(s: Sweep, name: str) -> dict[str, Any]:
    """The manifest as the checklist reads it: the design as the scenario, the factors as its changes."""
    design = f"{name}: {s.manifest.get('design', '')} {', '.join(s.factors)} (base {s.manifest.get('base', '—')})"
    return {**s.manifest, "scenario": {"description": design}, "changes": s.manifest.get("factors")}


def _sweep_banner(s: Sweep, name: str, lang: Lang) -> h.Banner:
    subtitle = f"{name} · {s.manifest.get('design', '')} · {tr('factors_n', lang, n=len(s.factors))}"
    meta = ", ".join(f"{k}={v}" for k, v in s.manifest.get("settings", {}).items())
    return h.Banner(tr("report_sweep", lang), subtitle, meta)


SWEEP_SECTIONS = (
    (design_section, "sec_design"),
    (points_section, "sec_points"),
    (sensitivity_section, "sec_sensitivity"),
    (effects_section, "sec_main_effects"),
)


def sweep_report(folder: Path, lang: Lang) -> str:
    s = Sweep(folder)
    ctx = Context(figures_dir(folder, lang), lang)
    sections = guarded_sections(SWEEP_SECTIONS, s, ctx, tr)
    name = str(s.manifest.get("name") or folder.name)
    facts = _checklist_facts(s, name)
    sections.append(
        guarded(
            lambda _s, cx: facts_checklist_section(facts, s.metrics(), cx),
            s,
            ctx,
            "checklist",
            tr("sec_checklist", lang),
        )
    )
    return render(_sweep_banner(s, name, lang), sections, ctx)
