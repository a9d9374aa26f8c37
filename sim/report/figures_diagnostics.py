"""Warm-up and replication diagnostics: daily series with the warm-up cut, running means as replications grow.

Why apart from :mod:`sim.report.figures`: these figures judge the run's settings,
not its results; the run figures module re-exports them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats as sps

from sim.report import plotstyle as ps
from sim.report.figures_base import empty, grid, panels, warmup_mark
from sim.report.labels import Lang, metric_info, metric_name, metric_unit, tr

#: The two warm-up panels: (column of the daily table, y-axis label key).
WARMUP_PANELS = (("fr", "ax_daily_fr"), ("visits", "ax_visits_day"))
#: Metrics of the replication-convergence figure.
CONVERGENCE_METRICS = (
    "first_response_hours_mean",
    "resolution_hours_mean",
    "household_visits_per_day",
    "vulnerable_coverage_30d",
)


def _empty_reason(column: str, wide: pd.DataFrame) -> str:
    """Why a warm-up panel has nothing to show: no visits, no requests, or every value zero."""
    if column == "visits":
        return "na_no_visits"
    return "na_no_requests" if wide.isna().all().all() else "na_all_zero"


def _replication_lines(ax: Axes, wide: pd.DataFrame, lang: Lang) -> None:
    """One thin line per replication (the first six in the legend) and their mean in black."""
    for i, rep in enumerate(wide.columns):
        ax.plot(
            wide.index,
            wide[rep],
            linewidth=0.8,
            alpha=0.55,
            color=ps.PALETTE[(i + 1) % 7],
            label=f"{tr('replication', lang)} {rep}" if i < 6 else None,
        )
    ax.plot(wide.index, wide.mean(axis=1), color="black", linewidth=1.6, label=tr("mean_line", lang))


def _warmup_panel(ax: Axes, wide: pd.DataFrame, panel: tuple[str, str], warmup_days: float, lang: Lang) -> None:
    """One daily series by replication with the warm-up cut; n/a when it is empty or all zero."""
    column, ylabel = panel
    if empty(wide.to_numpy()):  # bare axes, or a flat line hidden on the axis
        ps.not_available(ax, tr(_empty_reason(column, wide), lang), lang)
        ax.set_title(tr(ylabel, lang), fontsize=9.5)
        return
    _replication_lines(ax, wide, lang)
    warmup_mark(ax, warmup_days, lang)
    ax.set_xlabel(tr("ax_day", lang))
    ax.set_ylabel(tr(ylabel, lang))
    ax.set_xlim(wide.index.min(), wide.index.max())
    ax.set_ylim(bottom=0)


def _shared_legend(fig: Figure, axes: Sequence[Axes]) -> None:
    """The legend of the first panel that has one, under both panels."""
    handles, names = axes[0].get_legend_handles_labels()
    handles, names = (handles, names) if names else axes[1].get_legend_handles_labels()
    if names:
        fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 7))


def warmup_diagnostics(
    daily: pd.DataFrame, warmup_days: float, folder: Path, lang: Lang = "en", name: str = "warmup"
) -> Path:
    """Daily mean first response and daily visits per replication, with the warm-up cut (MSER-5's series)."""
    frame = daily.copy()
    if "replication" not in frame:
        frame["replication"] = 0
    frame["fr"] = frame["sum_first_response"] / frame["arrived"].replace(0, np.nan)
    with ps.style(lang):
        fig = ps.new_figure(10.5, 3.2)
        axes = fig.subplots(1, 2)
        for ax, panel in zip(axes, WARMUP_PANELS, strict=True):
            wide = frame.pivot_table(index="day", columns="replication", values=panel[0]).sort_index()
            _warmup_panel(ax, wide, panel, warmup_days, lang)
        _shared_legend(fig, axes)
        return ps.save(fig, folder, name)


def _running_interval(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Replication count, running mean and 95 % t half-width after each replication (NaN after the first)."""
    k = np.arange(1, len(x) + 1)
    mean = np.cumsum(x) / k
    half = np.full(len(x), np.nan)
    for j in range(1, len(x)):
        half[j] = sps.t.ppf(0.975, j) * np.std(x[: j + 1], ddof=1) / math.sqrt(j + 1)
    return k, mean, half


def _convergence_panel(ax: Axes, x: np.ndarray, metric: str, lang: Lang) -> None:
    """One metric's running mean and interval, with the replication values as grey dots."""
    if not np.isfinite(x).any():
        ps.not_available(ax, tr("na_no_obs", lang), lang)
        ax.set_title(ps.wrap(metric_name(metric, lang), lang, 24))
        return
    k, mean, half = _running_interval(x)
    ax.fill_between(k, mean - half, mean + half, color=ps.PALETTE[0], alpha=0.18, linewidth=0)
    ax.plot(k, mean, color=ps.PALETTE[0], marker="o", markersize=3)
    ax.scatter(k, x, s=10, color="#9A9A9A", zorder=3, linewidths=0)
    ax.set_title(ps.wrap(metric_name(metric, lang), lang, 24))
    ax.set_ylabel(metric_unit(metric, lang))
    ax.set_xlabel(tr("ax_replications", lang))
    ax.set_xticks(k if len(k) <= 12 else np.unique(np.linspace(1, len(k), 6).round().astype(int)))


def replication_convergence(
    replications: pd.DataFrame,
    folder: Path,
    lang: Lang = "en",
    metrics: Sequence[str] = CONVERGENCE_METRICS,
    name: str = "replications",
) -> Path:
    """Running mean and 95 % t-interval of key metrics as replications accumulate."""
    metrics = [m for m in metrics if m in replications]
    with ps.style(lang):
        nrows, ncols = grid(len(metrics), 4)
        fig = ps.new_figure(2.6 * ncols, 2.5 * nrows)
        for ax, metric in zip(panels(fig, len(metrics), 4), metrics, strict=True):
            x = replications[metric].to_numpy(dtype=float) * metric_info(metric).scale
            _convergence_panel(ax, x, metric, lang)
        return ps.save(fig, folder, name)
