"""What every report section shares: the files of a folder, the build context, tables and guards.

Why a module of its own: run, comparison, sweep and calibration reports are
built from the same pieces (a folder read once, a figures folder per language,
estimate cells with the decimals their CI supports, a guard that turns a failed
section into a visible error); keeping them here lets each report module stay
small without importing another report module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import EXTRA_METRICS, KEY_METRICS, METRICS
from sim.report import htmldoc as h
from sim.report.assumptions import show
from sim.report.labels import (
    Lang,
    category,
    decimals_for,
    fmt,
    fmt_estimate,
    fmt_fixed,
    fmt_metric,
    metric_info,
    metric_label,
    metric_name,
    metric_unit,
    tr,
)
from sim.report.plotstyle import font_warning


@dataclass
class Folder:
    """The files of a run folder, read once."""

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any] | None = None
    replications: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Folder:
        manifest = read_json(path / "manifest.json") or {}
        tables: dict[str, pd.DataFrame] = {}
        for file in sorted((path / "tables").glob("*")) if (path / "tables").is_dir() else []:
            if file.suffix == ".csv":
                tables[file.stem] = pd.read_csv(file)
            elif file.suffix == ".parquet":
                tables[file.stem] = pd.read_parquet(file)
        reps = path / "replications.csv"
        return cls(
            path, manifest, read_json(path / "summary.json"), pd.read_csv(reps) if reps.is_file() else None, tables
        )

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return (self.summary or {}).get("metrics", {})


@dataclass
class Context:
    """Where figures go, the language, and the problems to show at the top of the report."""

    figures: Path
    lang: Lang
    notices: list[str] = field(default_factory=list)

    def figure(self, section: h.Section, make: Callable[[], Path], caption_key: str) -> None:
        path = make()
        section.add(h.image(path, path.stem, tr(caption_key, self.lang)))


def figures_dir(folder: Path, lang: Lang) -> Path:
    """Where a report's figures go: ``figures/`` for English, ``figures/zh/`` for Chinese.

    Why per language: rebuilding a report in Chinese must leave the English report and its
    figures as they were (both are read from the same result folder).
    """
    return folder / "figures" if lang == "en" else folder / "figures" / lang


def report_file(folder: Path, lang: Lang) -> Path:
    """``report.html`` for English, ``report.<lang>.html`` beside it for other languages."""
    return folder / ("report.html" if lang == "en" else f"report.{lang}.html")


def missing(sec: h.Section, lang: Lang, *files: str) -> h.Section:
    """Note in ``sec`` that the files it is drawn from are not in the folder."""
    sec.add(h.notice(f"{tr('missing_files', lang)}: {', '.join(files)}", "note"))
    return sec


def read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def ordered_metrics(names: Sequence[str]) -> list[str]:
    """Key metrics first, then the contract's order, then anything else."""
    order = list(dict.fromkeys([*KEY_METRICS, *METRICS, *EXTRA_METRICS]))
    known = [m for m in order if m in names]
    return known + [m for m in names if m not in known]


def estimate_cells(metric: str, m: dict[str, Any] | None) -> list[str]:
    """'mean' and '[low, high]' cells of a summary entry, with the decimals its CI supports."""
    m = m or {}
    return list(fmt_estimate(metric, m.get("mean"), m.get("ci_low"), m.get("ci_high")))


def metric_table(metrics: dict[str, dict[str, Any]], lang: Lang) -> str:
    rows = [
        [
            metric_name(k, lang),
            h.code(k),
            *estimate_cells(k, metrics[k]),
            fmt_metric(k, metrics[k].get("std")),
            fmt(metrics[k].get("n")),
            metric_unit(k, lang),
        ]
        for k in ordered_metrics(list(metrics))
    ]
    header = [tr(k, lang) for k in ("metric", "metric_id", "mean", "ci95", "std", "n", "unit")]
    return h.table(header, rows, numeric=(2, 3, 4, 5))


def changes_table(changes: Iterable[tuple[object, object, object]], lang: Lang) -> str:
    """Changed fields, each (path, value, the value it replaces: of the base or of the schema default)."""
    rows = [[h.code(path), show(value), show(base)] for path, value, base in changes]
    return h.table([tr("path", lang), tr("value", lang), tr("base_value", lang)], rows)


def mean_over_replications(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per key: numeric columns averaged over replications (display only)."""
    numeric = [c for c in frame.select_dtypes("number").columns if c not in (*keys, "replication")]
    return frame.groupby(list(keys), as_index=False, sort=False)[numeric].mean()


def breakdown_table(
    frame: pd.DataFrame,
    label_cols: Sequence[tuple[str, str]],
    metrics: Sequence[str],
    lang: Lang,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """A breakdown table: labels, some counts, then metrics in display units with one precision per column."""
    metrics = [m for m in metrics if m in frame]
    extra = [(c, k) for c, k in extra if c in frame]
    header = (
        [tr(k, lang) for _, k in label_cols]
        + [tr(k, lang) for _, k in extra]
        + [metric_label(m, lang) for m in metrics]
    )
    places = {c: decimals_for(frame[c], digits=2) for c, _ in extra}
    places |= {m: decimals_for(frame[m] * metric_info(m).scale) for m in metrics}
    rows = [
        [category(str(r[c]), lang) for c, _ in label_cols]
        + [fmt_fixed(r[c], places[c]) for c, _ in extra]
        + [fmt_metric(m, r[m], places[m]) for m in metrics]
        for _, r in frame.iterrows()
    ]
    first = len(label_cols)
    return h.table(header, rows, numeric=range(first, len(header)), cls="wide")


def guarded(make: Callable[[Any, Context], h.Section], data: Any, ctx: Context, key: str, title: str) -> h.Section:
    """Build a section; on failure show the error in its place (the folder's other results stay usable)."""
    try:
        return make(data, ctx)
    except Exception as exc:  # a figure bug must not discard a finished run folder
        sec = h.Section(key, title)
        sec.add(h.notice(f"{type(exc).__name__}: {exc}", "error"))
        ctx.notices.append(f"{title}: {type(exc).__name__}: {exc}")
        return sec


def guarded_sections(
    table: Sequence[tuple[Callable[[Any, Context], h.Section], str]],
    data: Any,
    ctx: Context,
    title: Callable[[str, Lang], str],
) -> list[h.Section]:
    """Every section of a report's table (builder, key), each guarded, titled in the context's language."""
    return [guarded(make, data, ctx, key, title(key, ctx.lang)) for make, key in table]


def render(banner: h.Banner, sections: list[h.Section], ctx: Context) -> str:
    """The page of a report, with the section errors (and, for Chinese, a missing CJK font) on top."""
    notices = list(ctx.notices)
    warning = font_warning()
    if warning and ctx.lang == "zh":
        notices.insert(0, f"{tr('font_missing', ctx.lang)} ({warning})")
    frame = h.Frame(ctx.lang, tr("contents", ctx.lang), footer=tr("generated", ctx.lang))
    return h.page(banner, sections, frame, notices)
