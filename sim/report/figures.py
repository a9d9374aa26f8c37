"""Report figures: each function takes tables, writes one PNG into ``folder`` and returns its path.

Why tables in, paths out: the report rebuilds figures from the CSV/JSON files
of a folder alone, and notebooks can call the same functions on the pandas
tables of ``sim.run``/``sim.compare``/``sim.sweep``. All figures share
:mod:`sim.report.plotstyle` and label axes with units in the report's
language. Comparison and sweep figures live in :mod:`sim.report.figures_multi`, the
heat map in :mod:`sim.report.figures_heatmap` and the warm-up and replication
diagnostics in :mod:`sim.report.figures_diagnostics`, visits over time in
:mod:`sim.report.figures_visits`; all are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.analysis.metrics import KEY_METRICS, TIME_USE
from sim.report import plotstyle as ps
from sim.report.figures_base import finite, grid, panels, short
from sim.report.figures_diagnostics import replication_convergence, warmup_diagnostics
from sim.report.figures_heatmap import HEAT_LIMIT, HeatTable, heatmap, relative_to
from sim.report.figures_multi import (
    MainEffects,
    SensitivityIndex,
    decomposition,
    forest,
    main_effects,
    marginal_values,
    tornado,
)
from sim.report.figures_visits import VisitSeries, visits_over_time
from sim.report.labels import Lang, category, metric_info, metric_name, metric_unit, tr

__all__ = [
    "HEAT_LIMIT",
    "HeatTable",
    "KeyEstimates",
    "MainEffects",
    "SensitivityIndex",
    "VisitSeries",
    "decomposition",
    "forest",
    "heatmap",
    "key_metrics",
    "main_effects",
    "marginal_values",
    "relative_to",
    "replication_convergence",
    "response_distributions",
    "time_use",
    "tornado",
    "visits_over_time",
    "warmup_diagnostics",
]

#: Reference times on log-time axes (hours) and their labels.
TIME_TICKS = (0.1, 1.0, 8.0, 24.0, 72.0, 168.0, 720.0)
TIME_TICK_LABELS = {
    "en": ("6 min", "1 h", "8 h", "1 d", "3 d", "1 wk", "30 d"),
    "zh": ("6分钟", "1小时", "8小时", "1天", "3天", "1周", "30天"),
}


#: Line styles cycled with the colours, so curves that coincide (first response by type) stay visible.
LINESTYLES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (3, 3)), "-", (0, (2, 1)))


# ----------------------------------------------------------------------------- key metrics


@dataclass(frozen=True)
class KeyEstimates:
    """What the key-metrics figure draws: each scenario's summary metrics and, for one run, its replications.

    ``series`` maps a label (scenario) to its summary metrics ``{name: {mean, ci_low, ci_high}}``;
    with one series, ``replications`` (one row per replication) adds the replication values as dots.
    """

    series: Mapping[str, Mapping[str, Mapping[str, Any]]]
    replications: pd.DataFrame | None = None

    @property
    def labels(self) -> list[str]:
        return list(self.series)

    def has_any(self, metric: str) -> bool:
        """Whether some scenario has a finite mean of ``metric`` (else its panel says n/a)."""
        return any(finite((self.series[x].get(metric) or {}).get("mean")) for x in self.labels)


def _replication_dots(ax: Axes, x: int, values: np.ndarray) -> None:
    """The replication values, spread a little to the right of the estimate so they do not hide it."""
    jitter = np.linspace(-0.18, 0.18, len(values)) if len(values) > 1 else np.zeros(1)
    ax.scatter(x + 0.3 + jitter, values, s=12, color="#9A9A9A", zorder=2, linewidths=0)


def _value_label(ax: Axes, x: int, mean: float, colour: str) -> None:
    """The mean written left of its marker (a single run has room for it)."""
    ax.annotate(
        short(mean),
        (x, mean),
        xytext=(-8, 0),
        textcoords="offset points",
        ha="right",
        va="center",
        fontsize=9,
        color=colour,
    )


def _estimate_mark(ax: Axes, x: int, m: Mapping[str, Any], scale: float, single: bool) -> None:
    """Mean (diamond) and 95 % CI of one scenario at ``x``; labelled with its value when it stands alone."""
    colour = ps.PALETTE[x % len(ps.PALETTE)]
    low, high = (m.get("ci_low"), m.get("ci_high"))
    mean = m["mean"] * scale
    if low is not None and high is not None:
        yerr = [[mean - low * scale], [high * scale - mean]]
        ax.errorbar(x, mean, yerr=yerr, fmt="none", ecolor=colour, elinewidth=2.2, capsize=4, zorder=3)
    ax.plot(x, mean, marker="D", color=colour, markersize=6, zorder=4, linestyle="none")
    if single:
        _value_label(ax, x, mean, colour)


def _key_metric_axes(ax: Axes, metric: str, labels: list[str], lang: Lang) -> None:
    ax.set_title(ps.wrap(metric_name(metric, lang), lang, 22))
    ax.set_ylabel(metric_unit(metric, lang))
    ax.set_xlim(-0.6, len(labels) - 0.4 + (0.3 if len(labels) == 1 else 0))
    if len(labels) > 1:
        ax.set_xticks(range(len(labels)), labels)
        ax.tick_params(axis="x", labelrotation=30)
    else:
        ax.set_xticks([])
    ax.grid(axis="x", visible=False)
    ax.margins(y=0.25)


def _key_metric_panel(ax: Axes, estimates: KeyEstimates, metric: str, lang: Lang) -> None:
    """One metric: a marker per scenario (and the replications of a single run)."""
    if not estimates.has_any(metric):
        ps.not_available(ax, tr("na_no_obs", lang), lang)
        ax.set_title(ps.wrap(metric_name(metric, lang), lang, 22))
        return
    labels, reps = estimates.labels, estimates.replications
    scale = metric_info(metric).scale
    for i, label in enumerate(labels):
        m = estimates.series[label].get(metric)
        if not m or m.get("mean") is None:
            continue
        if reps is not None and len(labels) == 1 and metric in reps:
            _replication_dots(ax, i, reps[metric].to_numpy(dtype=float) * scale)
        _estimate_mark(ax, i, m, scale, len(labels) == 1)
    _key_metric_axes(ax, metric, labels, lang)


def key_metrics(
    estimates: KeyEstimates,
    folder: Path,
    lang: Lang = "en",
    metrics: Sequence[str] = KEY_METRICS,
    name: str = "key_metrics",
) -> Path:
    """Mean and 95 % CI of each metric, one panel per metric (units differ), one marker per scenario."""
    metrics = [m for m in metrics if any(m in s for s in estimates.series.values())]
    labels = estimates.labels
    with ps.style(lang):
        nrows, ncols = grid(len(metrics), 4)
        width = 2.35 * ncols if len(labels) == 1 else max(2.6, 0.5 * len(labels) + 1.2) * ncols
        fig = ps.new_figure(min(width, 14), 2.5 * nrows)
        for ax, metric in zip(panels(fig, len(metrics), 4), metrics, strict=True):
            _key_metric_panel(ax, estimates, metric, lang)
        return ps.save(fig, folder, name)


# ------------------------------------------------------------------- response distributions

#: The two panels of each response metric: (column grouped by, title key).
RESPONSE_PANELS = (("request_type", "by_request_type"), ("kind", "by_kind"))


def _cdf(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    g = rows.groupby("bin_high_hours")["count"].sum().sort_index()
    total = int(g.sum())
    return g.index.to_numpy(dtype=float), 100.0 * g.cumsum().to_numpy(dtype=float) / max(total, 1), total


def _time_axis(ax: Axes, lang: Lang, xmax: float) -> None:
    ax.set_xscale("log")
    ax.set_xlim(0.05, max(xmax, 200.0))
    ticks = [t for t in TIME_TICKS if t <= max(xmax, 200.0)]
    ax.set_xticks(ticks, [TIME_TICK_LABELS[lang][TIME_TICKS.index(t)] for t in ticks])
    ax.minorticks_off()
    ax.set_ylim(0, 101)
    ax.axvline(24.0, color="#888888", linewidth=0.8, linestyle=":")


def _cdf_curves(ax: Axes, groups: list[tuple[object, pd.DataFrame]], xmax: float, lang: Lang) -> None:
    """One cumulative step curve per group that has observations, in a colour and line style of its own."""
    for i, (group, rows) in enumerate(groups):
        x, y, n = _cdf(rows)
        if n == 0:
            continue
        # on to the right edge: a distribution wholly left of the axis (every first response
        # within seconds in a verification run) still shows, as a line at 100 %
        x, y = np.append(x, max(xmax, 200.0) * 2), np.append(y, y[-1])
        ax.step(
            x,
            y,
            where="post",
            color=ps.PALETTE[i % len(ps.PALETTE)],
            linestyle=LINESTYLES[i % len(LINESTYLES)],  # coinciding curves stay visible
            label=category(str(group), lang),
        )


def _group_orders(hist: pd.DataFrame) -> dict[str, list[object]]:
    """Groups by total count, largest first: one colour per group in every panel."""
    return {
        col: list(hist.groupby(col)["count"].sum().sort_values(ascending=False).index) for col, _ in RESPONSE_PANELS
    }


def _response_row(
    axes: Sequence[Axes], rows: pd.DataFrame, metric: str, orders: dict[str, list[object]], lang: Lang
) -> None:
    """The panels of one response metric: by request type and by village kind."""
    xmax = float(rows.loc[rows["count"] > 0, "bin_high_hours"].max())
    for ax, (column, title) in zip(axes, RESPONSE_PANELS, strict=True):
        _cdf_curves(ax, [(group, rows[rows[column] == group]) for group in orders[column]], xmax, lang)
        _time_axis(ax, lang, xmax)
        ax.set_title(f"{category(metric, lang)} · {tr(title, lang)}")
        ax.set_xlabel(tr("ax_hours_since_arrival", lang))
        ax.set_ylabel(tr("ax_cum_share", lang))


def response_distributions(hist: pd.DataFrame, folder: Path, lang: Lang = "en", name: str = "response_times") -> Path:
    """Cumulative distributions of first-response and resolution times, by request type and by village kind.

    ``hist`` has columns metric, request_type, kind, bin_low_hours, bin_high_hours, count.
    """
    metrics = [m for m in ("first_response_hours", "resolution_hours") if (hist["metric"] == m).any()]
    orders = _group_orders(hist)
    with ps.style(lang):
        fig = ps.new_figure(10.5, 3.3 * max(1, len(metrics)))
        axes = np.atleast_2d(fig.subplots(max(1, len(metrics)), 2, squeeze=False))
        for r, metric in enumerate(metrics):
            _response_row(axes[r], hist[hist["metric"] == metric], metric, orders, lang)
            if r == 0:
                for ax in axes[0]:
                    ax.legend(loc="lower right", fontsize=8.5)
        return ps.save(fig, folder, name)


# -------------------------------------------------------------------------------- time use


def _shares(table: pd.DataFrame, key: str) -> pd.DataFrame:
    cols = [f"{u}_h" for u in TIME_USE]
    sums = table.groupby(key)[[*cols, "duty_h"]].sum()
    return sums[cols].div(sums["duty_h"].replace(0, np.nan), axis=0).set_axis(list(TIME_USE), axis=1) * 100.0


def _bar_values(ax: Axes, ypos: np.ndarray, left: np.ndarray, values: np.ndarray, use: str) -> None:
    """The share in per cent inside each segment wide enough to hold it."""
    for y, x0, v in zip(ypos, left, values, strict=True):
        if v >= 6.0:
            ax.text(
                x0 + v / 2,
                y,
                f"{v:.0f}",
                ha="center",
                va="center",
                fontsize=8.5,
                color="white" if use != "idle" else "#333333",
            )


def _stacked(ax: Axes, shares: pd.DataFrame, lang: Lang) -> None:
    left = np.zeros(len(shares))
    ypos = np.arange(len(shares))[::-1]
    for use in TIME_USE:
        values = shares[use].fillna(0.0).to_numpy()
        ax.barh(
            ypos,
            values,
            left=left,
            color=ps.TIME_USE_COLOURS[use],
            label=category(use, lang),
            height=0.68,
            edgecolor="white",
            linewidth=0.6,
        )
        _bar_values(ax, ypos, left, values, use)
        left += values
    ax.set_yticks(ypos, [category(str(i), lang) for i in shares.index])
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)


def time_use(
    by_kind: pd.DataFrame, by_county: pd.DataFrame, folder: Path, lang: Lang = "en", name: str = "time_use"
) -> Path:
    """Stacked shares of duty time (admin, service, visits, travel, idle) by village kind and by county."""
    kinds, counties = _shares(by_kind, "kind"), _shares(by_county, "county")
    with ps.style(lang):
        fig = ps.new_figure(9.0, 1.4 + 0.32 * (len(kinds) + len(counties)))
        top, bottom = fig.subplots(2, 1, height_ratios=[max(len(kinds), 1.5), max(len(counties), 1.5)])
        _stacked(top, kinds, lang)
        _stacked(bottom, counties, lang)
        top.set_title(tr("by_kind", lang))
        bottom.set_title(tr("by_county", lang))
        bottom.set_xlabel(tr("ax_share_duty", lang))
        fig.legend(*top.get_legend_handles_labels(), loc="outside upper center", ncols=5)
        return ps.save(fig, folder, name)
