"""Comparison reports, from the files their folders promise (see DESIGN §5; sweeps: report_sweep).

Why tolerant: the producers of these folders evolve separately; a missing
optional file (decomposition, marginal values, per-scenario runs) drops
its section with a note, and unknown extra columns are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import KEY_METRICS
from sim.report import figures as fig
from sim.report import htmldoc as h
from sim.report.assumptions import assumptions_in_force, checklist, leaf_differences
from sim.report.context import (
    Context,
    Folder,
    changes_table,
    estimate_cells,
    figures_dir,
    guarded,
    guarded_sections,
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


def _overview_facts(c: Comparison, lang: Lang) -> str:
    settings = c.manifest.get("settings", {})
    return h.facts(
        [
            (tr("base", lang), c.base),
            (tr("scenario", lang), ", ".join(c.scenarios)),
            (tr("settings", lang), ", ".join(f"{k}={v}" for k, v in settings.items())),
        ]
    )


def _descriptions(c: Comparison, lang: Lang) -> str:
    """Each scenario (base first) with its description, "—" when its run is missing or has none."""
    rows = []
    for name in [c.base, *c.scenarios]:
        run = c.runs.get(name)
        desc = description(run.manifest.get("scenario", {}).get("description") if run else None, lang) or "—"
        rows.append([name, desc])
    return h.table([tr("scenario", lang), tr("description", lang)], rows)


def _changes(run: Folder, base: Folder | None) -> list[dict[str, Any]]:
    """The changes the run's manifest records, else its differences from the base run's scenario."""
    changes = run.manifest.get("changes")
    if not changes and base is not None:
        changes = [
            {"path": p, "value": v, "base_value": b}
            for p, v, b in leaf_differences(_model(run.manifest), _model(base.manifest))
        ]
    return changes or []


def _changes_tables(c: Comparison, lang: Lang) -> list[str]:
    """A table of changes against the base for each scenario that has a run and changes."""
    parts = []
    for name in c.scenarios:
        run = c.runs.get(name)
        changes = _changes(run, c.runs.get(c.base)) if run is not None else []
        if changes:
            table = changes_table([(x.get("path"), x.get("value"), x.get("base_value")) for x in changes], lang)
            parts += [h.heading(f"{name}: {tr('changes_base', lang)}"), table]
    return parts


def overview_section(c: Comparison, ctx: Context) -> h.Section:
    sec = h.Section("scenarios", tr("sec_comparison", ctx.lang))
    sec.add(_overview_facts(c, ctx.lang), _descriptions(c, ctx.lang), *_changes_tables(c, ctx.lang))
    return sec


def _model(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.get("scenario", {}).items() if k not in ("name", "description", "run")}


def _signed_percent(rel: Any) -> str:
    """A relative change as '+12.3 %' with a true minus sign; '—' when missing."""
    return "—" if pd.isna(rel) else f"{100 * float(rel):+.1f} %".replace("-", "−")


def _paired_row(r: pd.Series, lang: Lang) -> list[object]:
    """One scenario and metric: base and other means, the difference with its CI, relative change, p-value."""
    m = str(r["metric"])
    scale = metric_info(m).scale
    d = decimals_ci(r["ci_low"] * scale, r["ci_high"] * scale, [r.get("base_mean", 0) * scale])
    return [
        r["scenario"],
        h.stacked(metric_name(m, lang), h.code(m)),
        fmt_metric(m, r.get("base_mean"), d),
        fmt_metric(m, r.get("other_mean"), d),
        *estimate_cells(m, {"mean": r["mean_diff"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}),
        _signed_percent(r.get("relative_change")),
        _p(r.get("p_value")),
    ]


def _in_metric_order(diffs: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """The rows of ``metrics``, ordered by metric (as listed) and then scenario."""
    frame = diffs[diffs["metric"].isin(metrics)]
    return frame.assign(_o=frame["metric"].map(metrics.index)).sort_values(["_o", "scenario"], kind="stable")


def paired_section(c: Comparison, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("paired", tr("sec_paired", lang))
    if c.diffs is None:
        return missing(sec, lang, "comparison.csv")
    metrics = c.metrics_of_diffs()
    ctx.figure(sec, lambda: fig.forest(c.diffs, ctx.figures, lang, metrics), "cap_forest")
    rows = [_paired_row(r, lang) for _, r in _in_metric_order(c.diffs, metrics).iterrows()]
    header = [
        tr(k, lang)
        for k in ("scenario", "metric", "base_mean", "other_mean", "difference", "ci95", "relative", "p_value")
    ]
    sec.add(h.table(header, rows, numeric=(2, 3, 4, 5, 6, 7), cls="wide"))
    return sec


def _by_scenario_table(c: Comparison, names: list[str], metrics: list[str], lang: Lang) -> str:
    """Every metric (rows) of some scenarios (columns): the mean over its CI."""
    rows = []
    for m in metrics:
        cells = [h.stacked(*estimate_cells(m, c.runs[n].metrics.get(m))) for n in names]
        rows.append([h.stacked(metric_name(m, lang), h.code(m)), *cells])
    return h.table([tr("metric", lang), *names], rows, numeric=range(1, 1 + len(names)), cls="by-scenario")


def side_by_side_section(c: Comparison, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("side-by-side", tr("sec_side_by_side", lang))
    if not c.runs:
        return missing(sec, lang, "runs/<scenario>/summary.json")
    names = list(c.runs)
    every = ordered_metrics(list(next(iter(c.runs.values())).metrics))
    estimates = fig.KeyEstimates({n: c.runs[n].metrics for n in names})
    ctx.figure(
        sec,
        lambda: fig.key_metrics(estimates, ctx.figures, lang, key_first(every), name="key_metrics_by_scenario"),
        "cap_key_metrics_multi",
    )
    for start in range(0, len(names), SIDE_BY_SIDE_COLUMNS):  # a page holds about five scenario columns
        sec.add(_by_scenario_table(c, names[start : start + SIDE_BY_SIDE_COLUMNS], every, lang))
    return sec


@dataclass(frozen=True)
class EffectsSection:
    """A comparison section of effects with CIs: its file, anchor, title and caption, and its table's columns."""

    file: str
    key: str
    title: str
    caption: str
    term: str  # the column naming each row, also its heading's text key: "term" or "lever"
    effect: str  # the effect's column: "effect" or "change_per_unit"
    effect_label: str  # its heading's text key

    def header(self, lang: Lang) -> list[str]:
        return [
            tr(self.term, lang),
            tr("metric", lang),
            tr("metric_id", lang),
            tr(self.effect_label, lang),
            tr("ci95", lang),
        ]


DECOMPOSITION = EffectsSection(
    "decomposition.csv", "decomposition", "sec_decomposition", "cap_decomposition", "term", "effect", "effect"
)
MARGINAL = EffectsSection(
    "marginal_values.csv", "marginal-values", "sec_marginal", "cap_marginal", "lever", "change_per_unit", "per_unit"
)


def _effect_rows(frame: pd.DataFrame, spec: EffectsSection, metrics: list[str], lang: Lang) -> list[list[object]]:
    return [
        [
            r[spec.term],
            metric_name(str(r["metric"]), lang),
            h.code(r["metric"]),
            *estimate_cells(str(r["metric"]), {"mean": r[spec.effect], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}),
        ]
        for _, r in frame[frame["metric"].isin(metrics)].iterrows()
    ]


def _effects_figure(frame: pd.DataFrame, spec: EffectsSection, metrics: list[str], ctx: Context) -> Path:
    """Marginal values get one small panel per (lever, metric), at most four metrics; decompositions bars."""
    if spec is MARGINAL:
        return fig.marginal_values(frame, ctx.figures, ctx.lang, metrics[:4])
    return fig.decomposition(frame, ctx.figures, ctx.lang, metrics, name=spec.key)


def _effects_section(frame: pd.DataFrame | None, spec: EffectsSection, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section(spec.key, tr(spec.title, lang))
    if frame is None:
        return missing(sec, lang, spec.file)
    metrics = key_first(ordered_metrics(list(dict.fromkeys(frame["metric"]))))
    ctx.figure(sec, lambda: _effects_figure(frame, spec, metrics, ctx), spec.caption)
    sec.add(h.table(spec.header(lang), _effect_rows(frame, spec, metrics, lang), numeric=(3, 4)))
    return sec


def decomposition_section(c: Comparison, ctx: Context) -> h.Section:
    return _effects_section(c.decomposition, DECOMPOSITION, ctx)


def marginal_section(c: Comparison, ctx: Context) -> h.Section:
    return _effects_section(c.marginal, MARGINAL, ctx)


def facts_checklist_section(
    manifest: dict[str, Any], metrics: list[str], ctx: Context, n_assumptions: int | None = None
) -> h.Section:
    sec = h.Section("checklist", tr("sec_checklist", ctx.lang))
    rows = checklist(manifest, metrics, n_assumptions, ctx.lang)
    sec.add(h.table([tr("item", ctx.lang), tr("content", ctx.lang)], rows, cls="kv"))
    return sec


def _result_sections(c: Comparison, ctx: Context) -> list[h.Section]:
    """Overview, paired differences, side by side, and the decomposition and marginal values if present."""
    parts = [
        (overview_section, "sec_comparison"),
        (paired_section, "sec_paired"),
        (side_by_side_section, "sec_side_by_side"),
    ]
    if c.decomposition is not None:
        parts.append((decomposition_section, "sec_decomposition"))
    if c.marginal is not None:
        parts.append((marginal_section, "sec_marginal"))
    return guarded_sections(parts, c, ctx, tr)


def _checklist_basis(c: Comparison) -> tuple[dict[str, Any], list[str]]:
    """What the checklist answers from: the comparison's manifest over the base run's, and the metrics compared."""
    base_manifest = c.runs[c.base].manifest if c.base in c.runs else {}
    merged = {**base_manifest, **c.manifest, "scenario": base_manifest.get("scenario", {})}
    metrics = c.metrics_of_diffs()
    if not metrics and c.base in c.runs:
        metrics = ordered_metrics(list(c.runs[c.base].metrics))
    return merged, metrics


def _basis_sections(c: Comparison, ctx: Context) -> list[h.Section]:
    """The base scenario's assumptions (which checklist item 3.4 links to), then the checklist."""
    merged, metrics = _checklist_basis(c)
    sections: list[h.Section] = []
    n_assumptions: int | None = None
    base = c.runs.get(c.base)
    if base is not None:
        sections.append(guarded(assumptions_section, base, ctx, "assumptions", tr("sec_assumptions", ctx.lang)))
        n_assumptions = len(assumptions_in_force(base.manifest.get("scenario", {})))

    def checklist_of(_c: Comparison, cx: Context) -> h.Section:
        return facts_checklist_section(merged, metrics, cx, n_assumptions)

    sections.append(guarded(checklist_of, c, ctx, "checklist", tr("sec_checklist", ctx.lang)))
    return sections


def _comparison_banner(c: Comparison, lang: Lang) -> h.Banner:
    subtitle = f"{tr('base', lang)}: {c.base} · {tr('scenario', lang)}: {', '.join(c.scenarios)}"
    s = c.manifest.get("settings", {})
    meta = f"{s.get('replications', '?')} × {s.get('days', '?')} d · seed {s.get('seed', '?')}"
    return h.Banner(tr("report_comparison", lang), subtitle, meta)


def comparison_report(folder: Path, lang: Lang) -> str:
    c = Comparison(folder)
    ctx = Context(figures_dir(folder, lang), lang)
    sections = _result_sections(c, ctx)
    robust = robustness_section(folder, lang)
    if robust is not None:
        sections.insert(1, robust)
    sections += _basis_sections(c, ctx)
    return render(_comparison_banner(c, lang), sections, ctx)
