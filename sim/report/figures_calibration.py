"""Figures of a calibration: what each wave ruled out, prior vs accepted ranges, and how inputs trade off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.report import plotstyle as ps
from sim.report.labels import Lang


def _short(path: str) -> str:
    return path.split(".", 1)[-1].replace("_", " ")


def waves(waves: pd.DataFrame, candidates: pd.DataFrame, cutoff: float, folder: Path, lang: Lang) -> Path:
    """Left: share of the prior box not ruled out after each wave. Right: implausibility of candidates by wave."""
    zh = lang == "zh"
    with ps.style(lang):
        fig = ps.new_figure(9.0, 3.4)
        left, right = fig.subplots(1, 2)
        left.plot(waves["wave"], 100 * waves["share_of_prior_left"], marker="o")
        left.set_xlabel("轮次" if zh else "wave")
        left.set_ylabel("未被排除的先验空间 (%)" if zh else "prior box not ruled out (%)")
        left.set_ylim(0, 105)
        left.set_xticks(waves["wave"])
        cols = [c for c in candidates.columns if c.startswith("I_wave")]
        data = [np.clip(candidates[c].to_numpy(dtype=float), 0, 20) for c in cols]
        if data:
            right.boxplot(data, showfliers=False)
            right.set_xticks(range(1, len(cols) + 1), [c.removeprefix("I_wave") for c in cols])
        right.axhline(cutoff, color="#b2182b", linestyle="--", linewidth=1)
        right.set_xlabel("轮次" if zh else "wave")
        right.set_ylabel("最大不合理度（截断于20）" if zh else "largest implausibility (capped at 20)")
        return ps.save(fig, folder, "calibration_waves")


def marginals(accepted: pd.DataFrame, box: pd.DataFrame, folder: Path, lang: Lang) -> Path:
    """One panel per input: the prior range (the axis) and the accepted values' histogram."""
    n = len(box)
    cols = 4
    rows = max(1, int(np.ceil(n / cols)))
    with ps.style(lang):
        fig = ps.new_figure(10.0, 1.9 * rows + 0.4)
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        for ax, (_, p) in zip(axes, box.iterrows(), strict=False):
            ax.set_xlim(p["low"], p["high"])
            values = accepted[p["path"]].to_numpy(dtype=float) if p["path"] in accepted else np.zeros(0)
            if len(values):
                ax.hist(values, bins=12, range=(p["low"], p["high"]), color="#4575b4", alpha=0.85)
            else:
                ax.text(0.5, 0.5, "n/a", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(ps.wrap(_short(p["path"]), lang, 28), fontsize=8)
            ax.set_yticks([])
            ax.tick_params(labelsize=7)
        for ax in axes[n:]:
            ax.axis("off")
        return ps.save(fig, folder, "calibration_marginals")


def _input_name(ax: Axes, path: str, lang: Lang) -> None:
    """A diagonal cell: the input's name instead of a scatter of the input against itself."""
    ax.text(0.5, 0.5, ps.wrap(_short(path), lang, 16), ha="center", va="center", fontsize=7, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _pair_scatter(ax: Axes, xy: tuple[str, str], accepted: pd.DataFrame, design: pd.DataFrame) -> None:
    """Input x against input y: every simulated set in grey, the accepted ones in blue on top."""
    x, y = xy
    ax.scatter(design[x], design[y], s=4, color="#bbbbbb")
    if len(accepted):
        ax.scatter(accepted[x], accepted[y], s=6, color="#4575b4")


def pairs(accepted: pd.DataFrame, design: pd.DataFrame, paths: list[str], folder: Path, lang: Lang) -> Path:
    """Pairwise scatter of the most constrained inputs: grey all simulated points, blue the accepted ones."""
    k = len(paths)
    with ps.style(lang):
        fig = ps.new_figure(2.2 * max(k, 2), 2.2 * max(k, 2))
        axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
        for i, yi in enumerate(paths):
            for j, xj in enumerate(paths):
                axes[i, j].tick_params(labelsize=6)
                if i == j:
                    _input_name(axes[i, j], xj, lang)
                else:
                    _pair_scatter(axes[i, j], (xj, yi), accepted, design)
        return ps.save(fig, folder, "calibration_pairs")
