"""The calibration report: targets, what each wave ruled out, the accepted ranges, the held-out check.

Built from the calibration folder's files only, like every report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.report import figures_calibration as fig
from sim.report import htmldoc as h
from sim.report.context import Context, figures_dir, guarded_sections, render
from sim.report.labels import Lang, fmt_fixed

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Calibration report", "校准报告"),
    "targets": ("Observed targets", "观测目标"),
    "targets_intro": (
        "Calibration targets rule input sets out; validation targets are held out and only checked. "
        "Implausibility divides the distance from the observation by the observation error, the model "
        "discrepancy and the simulation noise together; above the cut-off a set is ruled out.",
        "校准目标用于排除参数组合；验证目标不参与校准，只用于检验。不合理度等于模拟值与观测值之差除以观测误差、"
        "模型偏差与随机误差的合成标准差；超过截断值即被排除。",
    ),
    "waves": ("Waves of history matching", "逐轮历史匹配"),
    "ranges": ("Prior and accepted ranges", "先验范围与接受范围"),
    "ranges_intro": (
        "An input whose accepted range is much narrower than its prior is informed by the targets; "
        "one that keeps its range is not, and carries its uncertainty into comparisons.",
        "接受范围明显窄于先验范围的参数受到观测目标的约束；范围基本不变的参数不受约束，其不确定性将带入情景比较。",
    ),
    "pairs": ("How the most constrained inputs trade off", "约束最强的参数之间的取舍"),
    "validation": ("Held-out validation", "留出验证"),
    "validation_intro": (
        "Each held-out figure is simulated on a sample of accepted sets: it passes when some accepted "
        "set reproduces it within its errors.",
        "在接受的参数组合样本上模拟每个留出目标：若有组合在误差范围内重现观测值，即为通过。",
    ),
    "outcome": ("Outcome", "结果"),
    "name": ("Target", "目标"),
    "role": ("Role", "用途"),
    "metric": ("Metric", "指标"),
    "observed": ("Observed", "观测值"),
    "sd": ("Observation error (sd)", "观测误差"),
    "disc": ("Model discrepancy (sd)", "模型偏差"),
    "source": ("Source", "来源"),
    "input": ("Input", "参数"),
    "prior": ("Prior range", "先验范围"),
    "accepted": ("Accepted range", "接受范围"),
    "share": ("Share of prior", "占先验比例"),
    "wave": ("Wave", "轮次"),
    "points": ("Points", "模拟点数"),
    "left": ("Prior box not ruled out", "未排除的先验空间"),
    "predicted": ("Predicted 5-95 %", "预测5%-95%"),
    "best": ("Smallest implausibility", "最小不合理度"),
    "verdict": ("Verdict", "结论"),
    "pass": ("pass", "通过"),
    "fail": ("FAIL", "未通过"),
    "cap_waves": (
        "Share of the prior box left after each wave, and the implausibility of candidate sets; the "
        "dashed line is the cut-off.",
        "每轮之后剩余的先验空间比例，以及候选组合的不合理度；虚线为截断值。",
    ),
    "cap_marginals": (
        "Accepted values of each input over its prior range (the axis).",
        "各参数在其先验范围（横轴）内被接受的取值分布。",
    ),
    "cap_pairs": ("Grey: every simulated set; blue: accepted sets.", "灰色：全部模拟组合；蓝色：接受的组合。"),
}


def t(key: str, lang: Lang) -> str:
    en, zh = TEXT[key]
    return zh if lang == "zh" else en


class Calibration:
    """The files of a calibration folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.tables = {
            name: pd.read_csv(folder / f"{name}.csv")
            for name in ("design", "accepted", "waves", "validation", "candidates")
            if (folder / f"{name}.csv").is_file()
        }

    @property
    def box(self) -> pd.DataFrame:
        return pd.DataFrame(self.manifest.get("parameters", []))


def _ranges(c: Calibration) -> pd.DataFrame:
    accepted = c.tables.get("accepted", pd.DataFrame())
    rows = []
    for _, p in c.box.iterrows():
        values = accepted[p["path"]] if p["path"] in accepted and len(accepted) else pd.Series(dtype=float)
        low, high = (values.min(), values.max()) if len(values) else (float("nan"), float("nan"))
        rows.append(
            {
                "path": p["path"],
                "low": p["low"],
                "high": p["high"],
                "acc_low": low,
                "acc_high": high,
                "share": (high - low) / (p["high"] - p["low"]) if len(values) else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def targets_section(c: Calibration, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("targets", t("targets", lang))
    sec.add(h.notice(c.manifest.get("message", ""), "note"))
    sec.add(h.para(t("targets_intro", lang), "lead"))
    rows = [
        [
            x["name"],
            x["role"],
            h.code(x["metric"]),
            fmt_fixed(x["value"], 3),
            fmt_fixed(x["sd"], 3),
            fmt_fixed(x.get("discrepancy_sd", 0.0), 3),
            x["source"],
        ]
        for x in c.manifest["spec"]["targets"]
    ]
    header = [t(k, lang) for k in ("name", "role", "metric", "observed", "sd", "disc", "source")]
    sec.add(h.table(header, rows, numeric=(3, 4, 5), cls="wide"))
    return sec


def waves_section(c: Calibration, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("waves", t("waves", lang))
    waves, candidates = c.tables.get("waves"), c.tables.get("candidates")
    cutoff = float(c.manifest["spec"].get("cutoff", 3.0))
    if waves is not None and candidates is not None:
        path = fig.waves(waves, candidates, cutoff, ctx.figures, lang)
        sec.add(h.image(path, path.stem, t("cap_waves", lang)))
        rows = [
            [int(w["wave"]), int(w["points"]), f"{100 * w['share_of_prior_left']:.1f} %"] for _, w in waves.iterrows()
        ]
        sec.add(h.table([t("wave", lang), t("points", lang), t("left", lang)], rows, numeric=(0, 1, 2)))
    return sec


def ranges_section(c: Calibration, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("ranges", t("ranges", lang))
    sec.add(h.para(t("ranges_intro", lang), "lead"))
    ranges = _ranges(c)
    rows = [
        [
            h.code(r["path"]),
            f"{r['low']:g} – {r['high']:g}",
            f"{fmt_fixed(r['acc_low'], 3)} – {fmt_fixed(r['acc_high'], 3)}",
            "—" if pd.isna(r["share"]) else f"{100 * r['share']:.0f} %",
        ]
        for _, r in ranges.iterrows()
    ]
    sec.add(h.table([t(k, lang) for k in ("input", "prior", "accepted", "share")], rows, numeric=(3,)))
    accepted = c.tables.get("accepted", pd.DataFrame())
    path = fig.marginals(accepted, c.box, ctx.figures, lang)
    sec.add(h.image(path, path.stem, t("cap_marginals", lang)))
    return sec


def pairs_section(c: Calibration, ctx: Context) -> h.Section:
    sec = h.Section("pairs", t("pairs", ctx.lang))
    ranges = _ranges(c).dropna(subset=["share"]).sort_values("share")
    paths = list(ranges["path"].head(4))
    if len(paths) >= 2 and "design" in c.tables:
        path = fig.pairs(c.tables.get("accepted", pd.DataFrame()), c.tables["design"], paths, ctx.figures, ctx.lang)
        sec.add(h.image(path, path.stem, t("cap_pairs", ctx.lang)))
    else:
        sec.add(h.para("n/a"))
    return sec


def _validation_row(r: pd.Series, lang: Lang) -> list[object]:
    """One held-out target: observed, predicted 5-95 %, smallest implausibility, and the verdict."""
    return [
        r["target"],
        h.code(r["metric"]),
        fmt_fixed(r["observed"], 3),
        f"{fmt_fixed(r['predicted_low'], 3)} – {fmt_fixed(r['predicted_high'], 3)}",
        fmt_fixed(r["best_implausibility"], 2),
        t("pass" if r["passed"] else "fail", lang),
    ]


def validation_section(c: Calibration, ctx: Context) -> h.Section:
    lang = ctx.lang
    sec = h.Section("validation", t("validation", lang))
    sec.add(h.para(t("validation_intro", lang), "lead"))
    val = c.tables.get("validation")
    if val is None or val.empty:
        sec.add(h.para("n/a"))
        return sec
    rows = [_validation_row(r, lang) for _, r in val.iterrows()]
    header = [t(k, lang) for k in ("name", "metric", "observed", "predicted", "best", "verdict")]
    sec.add(h.table(header, rows, numeric=(2, 3, 4)))
    return sec


CALIBRATION_SECTIONS = (
    (targets_section, "targets"),
    (waves_section, "waves"),
    (ranges_section, "ranges"),
    (pairs_section, "pairs"),
    (validation_section, "validation"),
)


def calibration_report(folder: Path, lang: Lang) -> str:
    c = Calibration(folder)
    ctx = Context(figures_dir(folder, lang), lang)
    sections = guarded_sections(CALIBRATION_SECTIONS, c, ctx, t)
    settings = c.manifest.get("settings", {})
    meta = (
        f"{c.manifest.get('simulated_points')} points · {c.manifest.get('accepted_sets')} accepted · "
        f"seed {settings.get('seed')}"
    )
    return render(h.Banner(t("title", lang), str(c.manifest.get("name", "")), meta), sections, ctx)
