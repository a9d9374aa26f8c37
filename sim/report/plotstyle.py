"""One matplotlib style for every figure, and a CJK font so Chinese labels render.

Why no pyplot: figures are ``matplotlib.figure.Figure`` objects printed by the
Agg canvas, so importing the results layer never switches a notebook's
backend and no global figure registry grows during long sweeps. The style is
applied with ``rc_context`` around each figure, never globally.

Why a bundled font: Chinese labels need a CJK font, and CI machines and
fresh installs have none. ``sim/data/fonts`` ships an OFL-licensed subset of
Noto Sans SC (the GB2312 repertoire, ~1.5 MB); a system CJK font is the
fallback, and without either the report says so instead of failing.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib import font_manager
from matplotlib.figure import Figure

from sim.report.labels import Lang, tr

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT_FILE = FONT_DIR / "NotoSansSCGB2312-Regular.otf"
FONT_FAMILY = "Noto Sans SC GB2312"
#: System CJK families tried when the bundled subset is missing (Debian, macOS, Windows).
SYSTEM_CJK = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
    "Droid Sans Fallback",
)
LATIN = "DejaVu Sans"

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
TIME_USE_COLOURS = {
    "admin": "#D55E00",
    "service": "#0072B2",
    "visit": "#009E73",
    "travel": "#E69F00",
    "idle": "#C8C8C8",
}
GOOD, BAD, NEUTRAL = "#1B7837", "#B2182B", "#6B6B6B"
DPI = 150

STYLE: dict[str, Any] = {
    "figure.facecolor": "white",
    "figure.constrained_layout.use": True,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "axes.titleweight": "normal",
    "axes.titlecolor": "#111111",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "axes.labelcolor": "#333333",
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "grid.color": "#E6E6E6",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.fontsize": 9.0,
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "axes.unicode_minus": True,
}


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """Register the bundled CJK font (once) and return its family; else a system CJK family; else None."""
    if FONT_FILE.is_file():
        try:
            font_manager.fontManager.addfont(str(FONT_FILE))
            return FONT_FAMILY
        except (OSError, RuntimeError, ValueError):
            pass
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in SYSTEM_CJK if name in installed), None)


def font_warning() -> str | None:
    """Why Chinese text may not render, or None when a CJK font is available."""
    if cjk_family() is None:
        return f"no CJK font: neither {FONT_FILE.name} nor any of {', '.join(SYSTEM_CJK)} was found"
    return None


def font_families(lang: Lang) -> list[str]:
    """Font fallback list: the CJK font first for Chinese, after the Latin font otherwise."""
    cjk = cjk_family()
    if cjk is None:
        return [LATIN]
    return [cjk, LATIN] if lang == "zh" else [LATIN, cjk]


@contextmanager
def style(lang: Lang = "en") -> Iterator[None]:
    """The report style and language-appropriate fonts, for the duration of the block."""
    with mpl.rc_context({**STYLE, "font.family": font_families(lang)}):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure (inches) detached from pyplot; draw and save it inside :func:`style`."""
    return Figure(figsize=(width, height))


def save(fig: Figure, folder: Path, name: str) -> Path:
    """Write ``fig`` as ``folder/name.png`` and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=0.12)
    return path


def not_available(ax: Any, reason: str, lang: Lang) -> None:
    """Mark an empty panel "n/a" with the reason, instead of leaving bare axes a reader must puzzle over."""
    ax.cla()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_facecolor("#F6F6F6")
    ax.text(0.5, 0.58, tr("na", lang), transform=ax.transAxes, ha="center", va="center", fontsize=13, color="#666666")
    ax.text(
        0.5,
        0.38,
        wrap(reason, lang, 30),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=8.5,
        color="#666666",
    )


def wrap(text: str, lang: Lang, width: int = 26) -> str:
    """Wrap a title: by words in English, by characters in Chinese (no spaces to break at)."""
    if lang == "zh":
        limit = max(6, width // 2)
        lines = [text[i : i + limit] for i in range(0, len(text), limit)]
        if len(lines) > 1 and len(lines[-1]) <= 2:  # no orphaned '）' or single character
            lines[-2:] = [lines[-2] + lines[-1]]
        return "\n".join(lines)
    return textwrap.fill(text, width)
