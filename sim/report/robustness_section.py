"""The comparison report's "how sure are we" section: each effect with its noise interval and assumption band."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.metrics import KEY_METRICS
from sim.report import htmldoc as h
from sim.report.labels import Lang, fmt_metric, metric_name

TITLE = ("How sure are we: effects across the accepted assumption sets", "结论有多可靠：在所有可接受参数组合下的效应")
INTRO = (
    "Each comparison was repeated on {n} assumption sets that the calibration did not rule out. The 95 % interval "
    "is the replication noise within a set (median over sets); the band is the 5-95 % range of the effect across "
    "sets: how much the answer moves with what the observations do not pin down. An effect is robust when its "
    "sign holds across the band.",
    "在校准未排除的 {n} 组参数组合上分别重复比较。95% 置信区间为组合内的随机误差（各组中位数）；区间带为各组合效应的"
    "5%-95% 范围，反映观测无法确定的假设对结论的影响。若区间带内符号一致，则结论可靠。",
)
HEADER = {
    "en": ["Scenario", "Metric", "Effect", "95 % CI (noise)", "5-95 % band (assumptions)", "Relative band", "Robust"],
    "zh": ["情景", "指标", "效应", "95%置信区间（随机）", "5%-95%区间带（假设）", "相对区间带", "可靠"],
}


def _robustness_row(r: pd.Series, lang: Lang) -> list[object]:
    """One effect: its value, noise CI, assumption band, band relative to the effect, and whether its sign holds."""
    m, zh = r["metric"], lang == "zh"
    return [
        r["scenario"],
        metric_name(m, lang),
        fmt_metric(m, r["effect"]),
        f"[{fmt_metric(m, r['ci_low'])}, {fmt_metric(m, r['ci_high'])}]",
        f"[{fmt_metric(m, r['band_low'])}, {fmt_metric(m, r['band_high'])}]",
        f"{100 * r['relative_band_low']:+.0f} % … {100 * r['relative_band_high']:+.0f} %",
        ("是" if r["robust"] else "否") if zh else ("yes" if r["robust"] else "no"),
    ]


def robustness_section(folder: Path, lang: Lang) -> h.Section | None:
    """The section, or None when the comparison was not run over assumption sets."""
    path = folder / "robustness.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    zh = lang == "zh"
    sec = h.Section("robustness", TITLE[1] if zh else TITLE[0])
    n = int(table["sets"].max()) if len(table) else 0
    sec.add(h.para((INTRO[1] if zh else INTRO[0]).format(n=n), "lead"))
    shown = table[table["metric"].isin([*KEY_METRICS, "resolution_hours_p90"])]
    rows = [_robustness_row(r, lang) for _, r in shown.iterrows()]
    sec.add(h.table(HEADER["zh" if zh else "en"], rows, numeric=(2, 3, 4, 5), cls="wide"))
    return sec
