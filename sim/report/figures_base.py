"""Helpers shared by the report figures: panel grids, the warm-up mark, empty-data tests, short numbers.

Why a module of its own: the run figures are split over several modules
(:mod:`sim.report.figures`, :mod:`sim.report.figures_heatmap`,
:mod:`sim.report.figures_diagnostics`) that draw panels the same way.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from sim.report.labels import Lang, tr


def grid(n: int, ncols: int) -> tuple[int, int]:
    """Rows and columns for ``n`` panels in at most ``ncols`` columns."""
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def panels(fig: Any, n: int, ncols: int, **kw: Any) -> list[Axes]:
    """``n`` axes on a grid; the unused cells of the last row are hidden."""
    nrows, ncols = grid(n, ncols)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, **kw)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return list(axes[:n])


def warmup_mark(ax: Axes, warmup_days: float, lang: Lang, label: bool = True) -> None:
    """Shade the warm-up (excluded from the metrics) and mark its end."""
    if warmup_days > 0:
        ax.axvspan(0, warmup_days, color="#F1F1F1", zorder=0)
        ax.axvline(warmup_days, color="#555555", linestyle="--", linewidth=1.0)
        if label:
            ax.annotate(
                tr("warmup", lang),
                (warmup_days, 0.02),
                xycoords=("data", "axes fraction"),
                xytext=(-3, 0),
                textcoords="offset points",
                ha="right",
                va="bottom",
                fontsize=8.5,
                color="#555555",
            )


def finite(x: object) -> bool:
    """Whether ``x`` is a finite number (a summary value that can be drawn)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def empty(values: Any) -> bool:
    """No finite value, or nothing but zeros: a panel that would show bare or flat axes."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return v.size == 0 or not np.any(v)


def short(v: float) -> str:
    """A value label in a panel or heat-map cell: thousands separators, else 1–2 decimals."""
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"
