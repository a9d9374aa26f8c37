"""Report figures: each function takes tables, writes one PNG into ``folder`` and returns its path.

Why tables in, paths out: the report rebuilds figures from the CSV/JSON files
of a folder alone, and notebooks can call the same functions on the pandas
tables of ``sim.run``/``sim.compare``/``sim.sweep``. All figures share
:mod:`sim.report.plotstyle` and label axes with units in the report's
language. Comparison and sweep figures live in :mod:`sim.report.figures_multi`, the
heat map in :mod:`sim.report.figures_heatmap` and the warm-up and replication
diagnostics in :mod:`sim.report.figures_diagnostics`; all are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.analysis.metrics import KEY_METRICS, TIME_USE
from sim.report import plotstyle as ps
from sim.report.figures_base import empty, finite, grid, panels, short, warmup_mark
from sim.report.figures_diagnostics import replication_convergence, warmup_diagnostics
from sim.report.figures_heatmap import HEAT_LIMIT, heatmap, relative_to
from sim.report.figures_multi import decomposition, forest, main_effects, marginal_values, tornado
from sim.report.labels import Lang, category, metric_info, metric_name, metric_unit, tr

__all__ = [
    "HEAT_LIMIT",
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


def key_metrics(
    series: Mapping[str, Mapping[str, Mapping[str, Any]]],
    folder: Path,
    lang: Lang = "en",
    metrics: Sequence[str] = KEY_METRICS,
    replications: pd.DataFrame | None = None,
    name: str = "key_metrics",
) -> Path:
    """Mean and 95 % CI of each metric, one panel per metric (units differ), one marker per scenario.

    ``series`` maps a label (scenario) to its summary metrics ``{name: {mean, ci_low, ci_high}}``;
    with one series, ``replications`` adds the replication values as dots.
    """
    metrics = [m for m in metrics if any(m in s for s in series.values())]
    labels = list(series)
    with ps.style(lang):
        nrows, ncols = grid(len(metrics), 4)
        width = 2.35 * ncols if len(labels) == 1 else max(2.6, 0.5 * len(labels) + 1.2) * ncols
        fig = ps.new_figure(min(width, 14), 2.5 * nrows)
        for ax, metric in zip(panels(fig, len(metrics), 4), metrics, strict=True):
            scale = metric_info(metric).scale
            if not any(finite((series[x].get(metric) or {}).get("mean")) for x in labels):
                ps.not_available(ax, tr("na_no_obs", lang), lang)
                ax.set_title(ps.wrap(metric_name(metric, lang), lang, 22))
                continue
            for i, label in enumerate(labels):
                m = series[label].get(metric)
                if not m or m.get("mean") is None:
                    continue
                colour = ps.PALETTE[i % len(ps.PALETTE)]
                if replications is not None and len(labels) == 1 and metric in replications:
                    values = replications[metric].to_numpy(dtype=float) * scale
                    jitter = np.linspace(-0.18, 0.18, len(values)) if len(values) > 1 else np.zeros(1)
                    ax.scatter(i + 0.3 + jitter, values, s=12, color="#9A9A9A", zorder=2, linewidths=0)
                low, high = (m.get("ci_low"), m.get("ci_high"))
                mean = m["mean"] * scale
                if low is not None and high is not None:
                    ax.errorbar(
                        i,
                        mean,
                        yerr=[[mean - low * scale], [high * scale - mean]],
                        fmt="none",
                        ecolor=colour,
                        elinewidth=2.2,
                        capsize=4,
                        zorder=3,
                    )
                ax.plot(i, mean, marker="D", color=colour, markersize=6, zorder=4, linestyle="none")
                if len(labels) == 1:
                    ax.annotate(
                        short(mean),
                        (i, mean),
                        xytext=(-8, 0),
                        textcoords="offset points",
                        ha="right",
                        va="center",
                        fontsize=9,
                        color=colour,
                    )
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
        return ps.save(fig, folder, name)


# ------------------------------------------------------------------- response distributions


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


def response_distributions(hist: pd.DataFrame, folder: Path, lang: Lang = "en", name: str = "response_times") -> Path:
    """Cumulative distributions of first-response and resolution times, by request type and by village kind.

    ``hist`` has columns metric, request_type, kind, bin_low_hours, bin_high_hours, count.
    """
    metrics = [m for m in ("first_response_hours", "resolution_hours") if (hist["metric"] == m).any()]
    orders = {
        col: list(hist.groupby(col)["count"].sum().sort_values(ascending=False).index)
        for col in ("request_type", "kind")
    }  # one colour per group in every panel
    with ps.style(lang):
        fig = ps.new_figure(10.5, 3.3 * max(1, len(metrics)))
        axes = np.atleast_2d(fig.subplots(max(1, len(metrics)), 2, squeeze=False))
        for r, metric in enumerate(metrics):
            rows = hist[hist["metric"] == metric]
            xmax = float(rows.loc[rows["count"] > 0, "bin_high_hours"].max())
            for c, (column, title) in enumerate((("request_type", "by_request_type"), ("kind", "by_kind"))):
                ax = axes[r, c]
                for i, group in enumerate(orders[column]):
                    x, y, n = _cdf(rows[rows[column] == group])
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
                _time_axis(ax, lang, xmax)
                ax.set_title(f"{category(metric, lang)} · {tr(title, lang)}")
                ax.set_xlabel(tr("ax_hours_since_arrival", lang))
                ax.set_ylabel(tr("ax_cum_share", lang))
                if r == 0:
                    ax.legend(loc="lower right", fontsize=8.5)
        return ps.save(fig, folder, name)


# -------------------------------------------------------------------------------- time use


def _shares(table: pd.DataFrame, key: str) -> pd.DataFrame:
    cols = [f"{u}_h" for u in TIME_USE]
    sums = table.groupby(key)[[*cols, "duty_h"]].sum()
    return sums[cols].div(sums["duty_h"].replace(0, np.nan), axis=0).set_axis(list(TIME_USE), axis=1) * 100.0


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


# -------------------------------------------------------------------------- visits over time


def _band(ax: Axes, frame: pd.DataFrame, column: str, colour: str, label: str) -> None:
    wide = frame.pivot_table(index="day", columns="replication", values=column, aggfunc="sum").sort_index()
    ax.fill_between(wide.index, wide.min(axis=1), wide.max(axis=1), color=colour, alpha=0.18, linewidth=0)
    ax.plot(wide.index, wide.mean(axis=1), color=colour, label=label)


def _campaign_marks(
    ax: Axes, campaign: Mapping[str, Any], completion: Sequence[float] | None, lang: Lang, label: bool
) -> None:
    """Campaign window, its deadline, and the day every village had finished (mean and 95 % CI)."""
    start, days = float(campaign["start_day"]), float(campaign["days"])
    ax.axvspan(start, start + days, color=ps.PALETTE[3], alpha=0.07, zorder=0)
    ax.axvline(start + days, color=ps.BAD, linestyle="--", linewidth=1.0)
    if label:
        ax.annotate(
            tr("campaign", lang),
            (start, 0.02),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8.5,
            color=ps.PALETTE[3],
            va="bottom",
        )
        ax.annotate(
            tr("deadline", lang),
            (start + days, 0.02),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8.5,
            color=ps.BAD,
            va="bottom",
        )
    if completion is not None and math.isfinite(completion[0]):
        mean, low, high = (
            start + float(x) if x is not None and math.isfinite(float(x)) else math.nan for x in completion
        )
        ax.axvline(mean, color=ps.GOOD, linewidth=1.4)
        if label and math.isfinite(low) and math.isfinite(high):  # the CI as a bracket, not a full band
            ax.errorbar(
                [mean],
                [0.93],
                xerr=[[mean - low], [high - mean]],
                transform=ax.get_xaxis_transform(),
                fmt="none",
                ecolor=ps.GOOD,
                elinewidth=1.2,
                capsize=4,
            )
        if label:
            ax.annotate(
                tr("campaign_done", lang),
                (mean, 0.02),
                xycoords=("data", "axes fraction"),
                xytext=(3, 12),
                textcoords="offset points",
                fontsize=8.5,
                color=ps.GOOD,
                va="bottom",
            )


def visits_over_time(
    daily: pd.DataFrame,
    vulnerable_households: float,
    warmup_days: float,
    folder: Path,
    lang: Lang = "en",
    campaign: Mapping[str, Any] | None = None,
    completion: Sequence[float] | None = None,
    name: str = "visits",
) -> Path:
    """Vulnerable-household coverage and daily visits over time, with the warm-up and any survey campaign.

    ``daily`` has one row per day and replication (visits, vulnerable_covered). With ``campaign``
    (start_day, days) the window and deadline are marked, and ``completion`` (mean, ci_low, ci_high of
    ``campaign_completion_days``) marks when the last village finished: city-wide daily visits cannot
    show campaign progress, since villages that are done go on with routine visits.
    """
    frame = daily.copy()
    if "replication" not in frame:
        frame["replication"] = 0
    frame["coverage"] = 100.0 * frame["vulnerable_covered"] / max(vulnerable_households, 1.0)
    with ps.style(lang):
        fig = ps.new_figure(9.0, 5.0)
        axes = fig.subplots(2, 1, sharex=True)
        _band(axes[0], frame, "coverage", ps.PALETTE[2], tr("mean_line", lang))
        axes[0].set_ylabel(ps.wrap(tr("ax_coverage", lang), lang, 34))
        axes[0].set_ylim(0, 102)
        _band(axes[1], frame, "visits", ps.PALETTE[0], tr("mean_line", lang))
        axes[1].set_ylabel(tr("ax_visits_day", lang))
        axes[1].set_ylim(bottom=0)
        blank = {
            0: "na_no_vulnerable" if vulnerable_households <= 0 else None,
            1: "na_no_visits" if empty(frame["visits"]) else None,
        }
        for i, ax in enumerate(axes):
            if blank[i]:
                ps.not_available(ax, tr(str(blank[i]), lang), lang)
                ax.set_title(tr(("ax_coverage", "ax_visits_day")[i], lang), fontsize=9.5)
                continue
            warmup_mark(ax, warmup_days, lang, label=i == 1)
            if campaign is not None:
                _campaign_marks(ax, campaign, completion, lang, label=i == 1)
        axes[-1].set_xlabel(tr("ax_day", lang))
        axes[-1].set_xlim(frame["day"].min(), frame["day"].max())
        return ps.save(fig, folder, name)
