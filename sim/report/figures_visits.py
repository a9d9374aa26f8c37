"""Visits over time: vulnerable-household coverage and daily visits, with the warm-up and any survey campaign.

Why apart from :mod:`sim.report.figures`: the campaign marks (window, deadline, completion with
its CI) are most of this figure; the run figures module re-exports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from sim.report import plotstyle as ps
from sim.report.figures_base import empty, warmup_mark
from sim.report.labels import Lang, tr


def _band(ax: Axes, frame: pd.DataFrame, column: str, colour: str, label: str) -> None:
    wide = frame.pivot_table(index="day", columns="replication", values=column, aggfunc="sum").sort_index()
    ax.fill_between(wide.index, wide.min(axis=1), wide.max(axis=1), color=colour, alpha=0.18, linewidth=0)
    ax.plot(wide.index, wide.mean(axis=1), color=colour, label=label)


@dataclass(frozen=True)
class VisitSeries:
    """What the visits figure draws: the daily series of a run and the marks on its day axis.

    ``daily`` has one row per day and replication (visits, vulnerable_covered); coverage is a share
    of ``vulnerable_households``. With ``campaign`` (start_day, days) the window and deadline are
    marked, and ``completion`` (mean, ci_low, ci_high of ``campaign_completion_days``) marks when the
    last village finished: city-wide daily visits cannot show campaign progress, since villages that
    are done go on with routine visits.
    """

    daily: pd.DataFrame
    vulnerable_households: float
    warmup_days: float
    campaign: Mapping[str, Any] | None = None
    completion: Sequence[float] | None = None


def _day_label(ax: Axes, text: str, day: float, colour: str, lift: float = 0) -> None:
    """A small label at the foot of the axis, just right of the vertical line at ``day``."""
    ax.annotate(
        text,
        (day, 0.02),
        xycoords=("data", "axes fraction"),
        xytext=(3, lift),
        textcoords="offset points",
        fontsize=8.5,
        color=colour,
        va="bottom",
    )


def _completion_mark(ax: Axes, start: float, completion: Sequence[float], lang: Lang, label: bool) -> None:
    """The day every village had finished the campaign (mean, with its 95 % CI as a bracket)."""
    mean, low, high = (start + float(x) if x is not None and math.isfinite(float(x)) else math.nan for x in completion)
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
        _day_label(ax, tr("campaign_done", lang), mean, ps.GOOD, lift=12)


def _campaign_marks(ax: Axes, series: VisitSeries, lang: Lang, label: bool) -> None:
    """Campaign window, its deadline, and the day every village had finished (mean and 95 % CI)."""
    campaign, completion = series.campaign or {}, series.completion
    start, days = float(campaign["start_day"]), float(campaign["days"])
    ax.axvspan(start, start + days, color=ps.PALETTE[3], alpha=0.07, zorder=0)
    ax.axvline(start + days, color=ps.BAD, linestyle="--", linewidth=1.0)
    if label:
        _day_label(ax, tr("campaign", lang), start, ps.PALETTE[3])
        _day_label(ax, tr("deadline", lang), start + days, ps.BAD)
    if completion is not None and math.isfinite(completion[0]):
        _completion_mark(ax, start, completion, lang, label)


def _daily_frame(series: VisitSeries) -> pd.DataFrame:
    """The daily table with a replication column (one replication when it has none) and coverage in per cent."""
    frame = series.daily.copy()
    if "replication" not in frame:
        frame["replication"] = 0
    frame["coverage"] = 100.0 * frame["vulnerable_covered"] / max(series.vulnerable_households, 1.0)
    return frame


def _visit_bands(axes: Sequence[Axes], frame: pd.DataFrame, lang: Lang) -> None:
    """Coverage on top, daily visits below: replication range and mean."""
    _band(axes[0], frame, "coverage", ps.PALETTE[2], tr("mean_line", lang))
    axes[0].set_ylabel(ps.wrap(tr("ax_coverage", lang), lang, 34))
    axes[0].set_ylim(0, 102)
    _band(axes[1], frame, "visits", ps.PALETTE[0], tr("mean_line", lang))
    axes[1].set_ylabel(tr("ax_visits_day", lang))
    axes[1].set_ylim(bottom=0)


def visits_over_time(series: VisitSeries, folder: Path, lang: Lang = "en", name: str = "visits") -> Path:
    """Vulnerable-household coverage and daily visits over time, with the warm-up and any survey campaign."""
    frame = _daily_frame(series)
    blank = (
        "na_no_vulnerable" if series.vulnerable_households <= 0 else None,
        "na_no_visits" if empty(frame["visits"]) else None,
    )
    with ps.style(lang):
        fig = ps.new_figure(9.0, 5.0)
        axes = fig.subplots(2, 1, sharex=True)
        _visit_bands(axes, frame, lang)
        for i, ax in enumerate(axes):
            if blank[i]:
                ps.not_available(ax, tr(str(blank[i]), lang), lang)
                ax.set_title(tr(("ax_coverage", "ax_visits_day")[i], lang), fontsize=9.5)
                continue
            warmup_mark(ax, series.warmup_days, lang, label=i == 1)
            if series.campaign is not None:
                _campaign_marks(ax, series, lang, label=i == 1)
        axes[-1].set_xlabel(tr("ax_day", lang))
        axes[-1].set_xlim(frame["day"].min(), frame["day"].max())
        return ps.save(fig, folder, name)
