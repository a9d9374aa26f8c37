"""Comparison and sweep figures: paired differences, decompositions, main effects, tornado plots.

Why one panel per metric: metrics have different units, so differences and
effects are drawn on each metric's own axis instead of being forced onto a
shared relative scale that hides the absolute size of a change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.report import plotstyle as ps
from sim.report.labels import TEXT, Lang, metric_info, metric_label, metric_name, metric_unit, tr

#: Sensitivity indices measured in the metric's own units (the others are dimensionless).
IN_METRIC_UNITS = ("mu", "mu_star", "mu_star_conf", "sigma", "main_effect_range")


def factor_title(path: str, width: int = 28) -> str:
    """A dotted parameter path broken after its last dot when long (never inside a name)."""
    if len(path) <= width or "." not in path:
        return path
    head, _, tail = path.rpartition(".")
    return f"{head}.\n{tail}"


def _facets(fig: Any, n: int, ncols: int) -> list[Axes]:
    nrows = math.ceil(n / ncols)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return list(axes[:n])


def _metrics(frame: pd.DataFrame, metrics: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(frame["metric"]))
    return [m for m in metrics if m in present] if metrics is not None else present


def _verdict_colour(metric: str, low: float, high: float) -> str:
    """Green for a clear improvement, red for a clear deterioration, grey when the CI covers zero."""
    if not (low > 0 or high < 0):
        return ps.NEUTRAL
    better = metric_info(metric).better
    if not better:
        return ps.PALETTE[0]
    return ps.GOOD if (low > 0) == (better == "higher") else ps.BAD


def _tick(value: float, _pos: int | None = None) -> str:
    """A tick label with thousands separators and a true minus sign ('−20,000', '0.25')."""
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"
    return text.replace("-", "−")


def _relative_label(ax: Axes, rel: Any, y: float, colour: str) -> None:
    """The relative change at the right edge of the panel, beside its scenario's row."""
    if rel is not None and np.isfinite(float(rel)):
        text = f"{float(rel) * 100:+.1f}%".replace("-", "−")
        ax.annotate(
            text,
            (1.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=colour,
        )


def _forest_row(ax: Axes, r: pd.Series, y: float, metric: str) -> None:
    """One scenario's difference: its CI as a line, its mean as a dot (hollow when the CI covers zero)."""
    scale = metric_info(metric).scale
    low, high, mean = float(r["ci_low"]), float(r["ci_high"]), float(r["mean_diff"])
    colour = _verdict_colour(metric, low, high)
    filled = low > 0 or high < 0
    ax.plot([low * scale, high * scale], [y, y], color=colour, linewidth=2.0, solid_capstyle="butt")
    ax.plot(
        mean * scale,
        y,
        marker="o",
        markersize=6,
        color=colour,
        markerfacecolor=colour if filled else "white",
        markeredgewidth=1.5,
    )
    _relative_label(ax, r.get("relative_change"), y, colour)


def _forest_column(scenarios: list[str]) -> float:
    """Panel width (in): room for the scenario labels, a plot at least 3.2 in wide and the relative changes.

    Why: long scenario names no longer squeeze the axis until its tick labels collide.
    """
    longest = max((len(str(s)) for s in scenarios), default=8)
    return 3.2 + 0.075 * longest + 0.55


def _forest_axes(ax: Axes, metric: str, scenarios: list[str], lang: Lang) -> None:
    """Zero line, scenario names top to bottom, thousands-separated ticks, title wrapped to the panel."""
    column = _forest_column(scenarios)
    ax.axvline(0.0, color="#444444", linewidth=0.8)
    ax.set_yticks(range(len(scenarios)), scenarios[::-1])
    ax.set_ylim(-0.7, len(scenarios) - 0.3)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(_tick))
    ax.set_title(ps.wrap(metric_label(metric, lang), lang, int(8 * column)))
    ax.set_xlabel(tr("difference", lang))


def _forest_panel(ax: Axes, rows: pd.DataFrame, metric: str, scenarios: list[str], lang: Lang) -> None:
    """One metric's differences (``rows`` indexed by scenario); n/a when none is finite."""
    if not np.isfinite(rows["mean_diff"].to_numpy(dtype=float)).any():
        ps.not_available(ax, tr("na_no_difference", lang), lang)
        ax.set_title(ps.wrap(metric_label(metric, lang), lang, 48))
        return
    for i, scen in enumerate(scenarios):
        if scen in rows.index:
            _forest_row(ax, rows.loc[scen], len(scenarios) - 1 - i, metric)
    _forest_axes(ax, metric, scenarios, lang)


def forest(
    diffs: pd.DataFrame, folder: Path, lang: Lang = "en", metrics: Sequence[str] | None = None, name: str = "forest"
) -> Path:
    """Forest plot of paired differences (other − base) with 95 % CIs, one panel per metric.

    ``diffs`` is tidy: scenario, metric, mean_diff, ci_low, ci_high, relative_change.
    """
    metrics = _metrics(diffs, metrics)
    scenarios = list(dict.fromkeys(diffs["scenario"]))
    column = _forest_column(scenarios)
    with ps.style(lang):
        ncols = 2 if len(metrics) > 1 else 1
        height = max(1.5, 0.42 * len(scenarios) + 0.9)
        fig = ps.new_figure(column * ncols, height * math.ceil(len(metrics) / ncols))
        for ax, metric in zip(_facets(fig, len(metrics), ncols), metrics, strict=True):
            _forest_panel(ax, diffs[diffs["metric"] == metric].set_index("scenario"), metric, scenarios, lang)
        return ps.save(fig, folder, name)


def _effect_bars(ax: Axes, effects: pd.DataFrame, metric: str, terms: list[object]) -> None:
    """Bars of one metric's effects with their CIs, coloured by verdict, first term on top."""
    scale = metric_info(metric).scale
    rows = effects[effects["metric"] == metric].set_index("term")
    ypos, values, errs, colours = [], [], [[], []], []
    for i, t in enumerate(terms):
        if t not in rows.index:
            continue
        r = rows.loc[t]
        v, low, high = (float(r["effect"]) * scale, float(r["ci_low"]) * scale, float(r["ci_high"]) * scale)
        ypos.append(len(terms) - 1 - i)
        values.append(v)
        errs[0].append(max(v - low, 0.0) if np.isfinite(low) else 0.0)
        errs[1].append(max(high - v, 0.0) if np.isfinite(high) else 0.0)
        colours.append(_verdict_colour(metric, low, high))  # a positive scale keeps the signs
    ax.barh(ypos, values, color=colours, alpha=0.85, height=0.6)
    ax.errorbar(values, ypos, xerr=errs, fmt="none", ecolor="#333333", elinewidth=1.0, capsize=3)


def decomposition(
    effects: pd.DataFrame,
    folder: Path,
    lang: Lang = "en",
    metrics: Sequence[str] | None = None,
    name: str = "decomposition",
) -> Path:
    """Horizontal bars of effects with 95 % CIs per term, one panel per metric.

    ``effects`` has columns term, metric, effect, ci_low, ci_high (a comparison's decomposition.csv).
    """
    metrics = _metrics(effects, metrics)
    terms = list(dict.fromkeys(effects["term"]))
    with ps.style(lang):
        ncols = 2 if len(metrics) > 1 else 1
        height = max(1.6, 0.36 * len(terms) + 0.9)
        fig = ps.new_figure(5.0 * ncols, height * math.ceil(len(metrics) / ncols))
        for ax, metric in zip(_facets(fig, len(metrics), ncols), metrics, strict=True):
            _effect_bars(ax, effects, metric, terms)
            ax.axvline(0.0, color="#444444", linewidth=0.8)
            ax.set_yticks(range(len(terms)), [str(t) for t in terms[::-1]])
            ax.grid(axis="y", visible=False)
            ax.set_title(ps.wrap(metric_label(metric, lang), lang, 48))
            ax.set_xlabel(tr("effect", lang))
        return ps.save(fig, folder, name)


def _is_numeric(levels: pd.Series) -> bool:
    return bool(pd.to_numeric(levels, errors="coerce").notna().all())


@dataclass(frozen=True)
class MainEffects:
    """Main effects of a sweep (columns factor, level, metric, mean) and the factors to draw, in order.

    ``factors`` None: every factor of the table, as it lists them.
    """

    table: pd.DataFrame
    factors: Sequence[str] | None = None

    def columns(self) -> list[str]:
        return list(self.factors) if self.factors is not None else list(dict.fromkeys(self.table["factor"]))


def _main_effect_line(ax: Axes, rows: pd.DataFrame, scale: float) -> None:
    """Mean by level: on a numeric axis when the levels are numbers, else one tick per level."""
    if _is_numeric(rows["level"]):
        rows = rows.assign(x=pd.to_numeric(rows["level"])).sort_values("x")
        ax.plot(rows["x"], rows["mean"] * scale, marker="o", markersize=4, color=ps.PALETTE[0])
    else:
        ax.plot(range(len(rows)), rows["mean"] * scale, marker="o", markersize=4, color=ps.PALETTE[0])
        ax.set_xticks(range(len(rows)), [str(v) for v in rows["level"]], rotation=30)


def main_effects(
    effects: MainEffects,
    folder: Path,
    lang: Lang = "en",
    metrics: Sequence[str] | None = None,
    name: str = "main_effects",
) -> Path:
    """Grid of main-effect plots: rows = metrics, columns = factors; y shared within a row."""
    table = effects.table
    metrics = _metrics(table, metrics)
    factors = effects.columns()
    with ps.style(lang):
        fig = ps.new_figure(max(7.0, 2.35 * len(factors) + 0.6), 2.1 * len(metrics) + 0.4)
        grid = np.atleast_2d(fig.subplots(len(metrics), len(factors), squeeze=False, sharey="row"))
        for r, metric in enumerate(metrics):
            for c, factor in enumerate(factors):
                ax = grid[r, c]
                rows = table[(table["metric"] == metric) & (table["factor"] == factor)]
                _main_effect_line(ax, rows, metric_info(metric).scale)
                if r == 0:
                    ax.set_title(factor_title(str(factor)), fontsize=9)
                if c == 0:
                    ax.set_ylabel(ps.wrap(metric_label(metric, lang), lang, 22))
        return ps.save(fig, folder, name)


@dataclass(frozen=True)
class SensitivityIndex:
    """A sensitivity table (metric, factor, index columns) and the index to draw from it.

    ``conf`` is the index's confidence: a half-width column, a (low, high) pair of columns such
    as ("src_ci_low", "src_ci_high"), or None (no CI bars).
    """

    table: pd.DataFrame
    index: str
    conf: str | tuple[str, str] | None = None

    def in_metric_units(self) -> bool:
        """Whether the index is measured in the metric's units (then shown in display units)."""
        return self.index in IN_METRIC_UNITS

    def interval(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper error lengths for the bars of ``rows`` (zeros without a confidence column)."""
        values = rows[self.index].to_numpy(dtype=float)
        if self.conf is None:
            zeros = np.zeros(len(values))
            return zeros, zeros
        if isinstance(self.conf, str):
            half = np.nan_to_num(rows[self.conf].to_numpy(dtype=float))
            return half, half
        low, high = (rows[self.conf[0]].to_numpy(dtype=float), rows[self.conf[1]].to_numpy(dtype=float))
        return np.nan_to_num(np.maximum(values - low, 0.0)), np.nan_to_num(np.maximum(high - values, 0.0))


def _tornado_bars(ax: Axes, sens: SensitivityIndex, metric: str) -> None:
    """One metric's factors by |index|, largest on top, with CI bars (zero-length without a CI)."""
    rows = sens.table[sens.table["metric"] == metric].copy()
    rows = rows.assign(_abs=rows[sens.index].abs()).sort_values("_abs", ascending=True, na_position="first")
    scale = metric_info(metric).scale if sens.in_metric_units() else 1.0
    values = rows[sens.index].to_numpy(dtype=float) * scale
    lo, hi = (x * scale for x in sens.interval(rows))
    ypos = np.arange(len(rows))
    colours = [ps.PALETTE[0] if v >= 0 else ps.PALETTE[1] for v in np.nan_to_num(values)]
    ax.barh(ypos, np.nan_to_num(values), color=colours, alpha=0.85, height=0.62)
    ax.errorbar(np.nan_to_num(values), ypos, xerr=[lo, hi], fmt="none", ecolor="#333333", elinewidth=1.0, capsize=2.5)
    ax.axvline(0.0, color="#444444", linewidth=0.8)
    ax.set_yticks(ypos, [str(f) for f in rows["factor"]], fontsize=8.5)


def _index_label(sens: SensitivityIndex, metric: str, lang: Lang) -> str:
    """The index's name, with the metric's unit when the index is measured in it."""
    unit = metric_unit(metric, lang) if sens.in_metric_units() else ""
    label = tr(f"idx_{sens.index}", lang) if f"idx_{sens.index}" in TEXT else sens.index
    return f"{label} ({unit})" if unit else label


def tornado(
    sens: SensitivityIndex,
    folder: Path,
    lang: Lang = "en",
    metrics: Sequence[str] | None = None,
    name: str = "tornado",
) -> Path:
    """Tornado plot: factors sorted by |index| (largest on top) per metric, with CI bars when available."""
    metrics = _metrics(sens.table, metrics)
    n_factors = sens.table["factor"].nunique()
    with ps.style(lang):
        ncols = 2 if len(metrics) > 1 else 1
        height = max(1.6, 0.34 * n_factors + 0.9)
        fig = ps.new_figure(5.2 * ncols, height * math.ceil(len(metrics) / ncols))
        for ax, metric in zip(_facets(fig, len(metrics), ncols), metrics, strict=True):
            _tornado_bars(ax, sens, metric)
            ax.grid(axis="y", visible=False)
            ax.set_title(ps.wrap(metric_name(metric, lang), lang, 48))
            ax.set_xlabel(_index_label(sens, metric, lang))
        return ps.save(fig, folder, name)


def _marginal_cell(ax: Axes, row: pd.DataFrame, metric: str) -> None:
    """One (lever, metric) pair: change per unit with its CI on a bare horizontal axis."""
    scale = metric_info(metric).scale
    ax.axvline(0.0, color="#444444", linewidth=0.8)
    if len(row):
        v, low, high = (float(row.iloc[0][k]) * scale for k in ("change_per_unit", "ci_low", "ci_high"))
        colour = _verdict_colour(metric, low, high)
        ax.plot([low, high], [0, 0], color=colour, linewidth=2.0)
        ax.plot(v, 0, marker="o", color=colour, markersize=6)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)


def marginal_values(
    values: pd.DataFrame,
    folder: Path,
    lang: Lang = "en",
    metrics: Sequence[str] | None = None,
    name: str = "marginal_values",
) -> Path:
    """Change per unit of each lever with 95 % CIs: one small panel per (lever, metric).

    Why not one axis: levers have different units (a team member, a signboard) and so do the
    metrics, so every pair gets its own scale. ``values`` has columns lever, metric,
    change_per_unit, ci_low, ci_high.
    """
    metrics = _metrics(values, metrics)
    levers = list(dict.fromkeys(values["lever"]))
    with ps.style(lang):
        fig = ps.new_figure(2.7 * len(metrics) + 2.4, 0.9 * len(levers) + 1.0)
        grid = np.atleast_2d(fig.subplots(len(levers), len(metrics), squeeze=False))
        for r, lever in enumerate(levers):
            for c, metric in enumerate(metrics):
                ax = grid[r, c]
                _marginal_cell(ax, values[(values["lever"] == lever) & (values["metric"] == metric)], metric)
                if r == 0:
                    ax.set_title(ps.wrap(metric_label(metric, lang), lang, 30), fontsize=9.5)
                if c == 0:
                    ax.set_ylabel(factor_title(str(lever)), rotation=0, ha="right", va="center", fontsize=9)
        return ps.save(fig, folder, name)
