"""County and township heat map: each cell coloured by its relative difference to the city value.

Why apart from :mod:`sim.report.figures`: the heat map has its own colour logic
(a fixed symmetric scale, direction by metric) and tests; the run figures module
re-exports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from sim.report import plotstyle as ps
from sim.report.figures_base import short
from sim.report.labels import Lang, metric_info, metric_label, tr

#: Colour limit of the heat maps: ± this relative difference to the city value (fixed, so colours compare).
HEAT_LIMIT = 0.5


def relative_to(values: np.ndarray, reference: Sequence[float]) -> np.ndarray:
    """``values / reference − 1`` per column; NaN where the reference is zero or missing (no warning)."""
    ref = np.asarray(reference, dtype=float)
    ok = np.isfinite(ref) & (ref != 0)
    safe = np.where(ok, ref, 1.0)
    return np.where(ok, values / safe - 1.0, np.nan)


@dataclass(frozen=True)
class HeatTable:
    """What a heat map shows: one row per place with its display label, one column per metric.

    ``reference`` holds the city value of each metric (the run's mean); a metric without one is
    compared with the mean of the rows.
    """

    table: pd.DataFrame
    labels: Sequence[str]
    metrics: Sequence[str]
    reference: Mapping[str, float] | None = None

    def columns(self) -> list[str]:
        """The metrics the table has, in the order asked for."""
        return [m for m in self.metrics if m in self.table]

    def shades(self) -> tuple[np.ndarray, np.ndarray]:
        """The values, and each cell's relative difference to the reference in per cent, signed so that
        positive is better and clipped to ±``HEAT_LIMIT``."""
        metrics = self.columns()
        values = self.table[list(metrics)].to_numpy(dtype=float)
        ref = [float((self.reference or {}).get(m, math.nan)) for m in metrics]
        col_mean = [float(np.mean(c[np.isfinite(c)])) if np.isfinite(c).any() else math.nan for c in values.T]
        ref = [r if math.isfinite(r) else mu for r, mu in zip(ref, col_mean, strict=True)]
        sign = np.array([-1.0 if metric_info(m).better == "lower" else 1.0 for m in metrics])
        rel = relative_to(values, ref)
        return values, np.clip(rel * sign, -HEAT_LIMIT, HEAT_LIMIT) * 100.0


def _heat_axes(ax: Axes, metrics: list[str], labels: Sequence[str], lang: Lang) -> None:
    """Metric names on top, place names on the left, no grid, ticks or frame."""
    rows = len(labels)
    ax.set_xticks(range(len(metrics)), [ps.wrap(metric_label(m, lang), lang, 16) for m in metrics], fontsize=8.5)
    ax.xaxis.tick_top()
    ax.set_yticks(range(rows), list(labels), fontsize=8.5 if rows > 20 else 9.0)
    ax.grid(False)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _cell_values(ax: Axes, values: np.ndarray, shade: np.ndarray, metrics: list[str]) -> None:
    """Each cell's value in display units, white on the deep colours."""
    limit = 100.0 * HEAT_LIMIT
    for (r, c), v in np.ndenumerate(values):
        text = "—" if not math.isfinite(v) else short(v * metric_info(metrics[c]).scale)
        dark = math.isfinite(shade[r, c]) and abs(shade[r, c]) > 0.6 * limit
        ax.text(c, r, text, ha="center", va="center", fontsize=8.0, color="white" if dark else "#222222")


def _colour_bar(fig: Figure, image: AxesImage, ax: Axes, rows: int, lang: Lang) -> None:
    """The colour scale under the map: −50 % … +50 % relative to the city value."""
    limit = 100.0 * HEAT_LIMIT
    bar = fig.colorbar(
        image, ax=ax, orientation="horizontal", fraction=0.04 if rows > 20 else 0.08, pad=0.02, aspect=40
    )
    ticks = np.linspace(-limit, limit, 5)
    bar.set_ticks(ticks, labels=[f"{t:+.0f} %".replace("-", "−").replace("+0 %", "0") for t in ticks])
    bar.set_label(tr("colour_scale", lang), fontsize=8.5)
    bar.ax.tick_params(labelsize=7.5)


def heatmap(data: HeatTable, folder: Path, lang: Lang = "en", name: str = "heatmap", title: str | None = None) -> Path:
    """Rows (counties or townships) × metrics, coloured by the relative difference to the city value.

    Why not standardised per column: a column whose rows differ by 2 % would span the whole
    colour range, so 1.01 against 1.03 looked like deep red against deep blue. A fixed symmetric
    scale of ±50 % keeps small differences pale in every column. Red is worse.
    """
    metrics = data.columns()
    values, shade = data.shades()
    rows = len(data.labels)
    with ps.style(lang):
        fig = ps.new_figure(2.0 + 1.05 * len(metrics), 1.7 + 0.24 * rows)
        ax = fig.subplots()
        cmap = mpl.colormaps["RdBu"].with_extremes(bad="#E6E6E6")
        limit = 100.0 * HEAT_LIMIT
        image = ax.imshow(
            np.ma.masked_invalid(shade), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest"
        )
        _heat_axes(ax, metrics, data.labels, lang)
        if rows <= 45:  # more rows: the numbers would not fit their cells
            _cell_values(ax, values, shade, metrics)
        _colour_bar(fig, image, ax, rows, lang)
        if title:
            ax.set_title(title, pad=6)
        return ps.save(fig, folder, name)
