"""Display names of metrics, categories and report texts in English and Chinese.

Why one table: a report, its figures and its tables must name a metric the
same way, in either language, while the stable metric identifier stays
visible next to the display name (analysts search for it in CSV files).
Every Chinese string here and in :mod:`sim.report.texts` must be covered by the bundled CJK font subset
(``sim/data/fonts``); a test checks that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal, NamedTuple

from sim.report.texts import TEXT

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


class MetricInfo(NamedTuple):
    en: str
    zh: str
    unit_en: str
    unit_zh: str
    better: Literal["higher", "lower", ""]  # for colour direction in heat maps and forest plots
    scale: float = 1.0  # display multiplier (shares are shown in per cent)


_H = ("h", "小时")
_PCT = ("%", "%")
_N = ("count", "件")
_D = ("days", "天")


def _m(
    en: str, zh: str, unit: tuple[str, str], better: Literal["higher", "lower", ""] = "", scale: float = 1.0
) -> MetricInfo:
    return MetricInfo(en, zh, unit[0], unit[1], better, scale)


METRICS: dict[str, MetricInfo] = {
    "first_response_hours_mean": _m("Mean first response", "平均首次响应时间", _H, "lower"),
    "first_response_hours_p50": _m("Median first response", "首次响应时间中位数", _H, "lower"),
    "first_response_hours_p90": _m("First response, 90th percentile", "首次响应时间第90百分位", _H, "lower"),
    "first_response_hours_p95": _m("First response, 95th percentile", "首次响应时间第95百分位", _H, "lower"),
    "resolution_hours_mean": _m("Mean resolution time", "平均办结时间", _H, "lower"),
    "resolution_hours_p50": _m("Median resolution time", "办结时间中位数", _H, "lower"),
    "resolution_hours_p90": _m("Resolution time, 90th percentile", "办结时间第90百分位", _H, "lower"),
    "resolution_hours_p95": _m("Resolution time, 95th percentile", "办结时间第95百分位", _H, "lower"),
    "within_24h_share": _m("First response within 24 h", "24小时内首次响应比例", _PCT, "higher", 100.0),
    "household_visits_per_day": _m("Household visits per day", "每日入户走访数", ("visits/day", "户次/天"), "higher"),
    "visits_per_worker_day": _m("Visits per worker-day", "人均每工作日走访数", ("visits", "户次"), "higher"),
    "vulnerable_coverage_30d": _m(
        "Vulnerable households visited in 30 days", "30天内困难群体走访覆盖率", _PCT, "higher", 100.0
    ),
    "admin_share": _m("Time on administration", "行政事务时间占比", _PCT, "lower", 100.0),
    "service_share": _m("Time serving requests", "服务群众时间占比", _PCT, "", 100.0),
    "visit_share": _m("Time on household visits", "入户走访时间占比", _PCT, "higher", 100.0),
    "travel_share": _m("Time travelling", "路途时间占比", _PCT, "lower", 100.0),
    "idle_share": _m("Time idle", "空闲时间占比", _PCT, "", 100.0),
    "handoffs_per_cross_department_request": _m(
        "Hand-offs per cross-department request", "跨部门事项平均转办次数", ("hand-offs", "次"), "lower"
    ),
    "resident_trips_per_request": _m("Resident trips per request", "群众每件事平均跑动次数", ("trips", "次"), "lower"),
    "requests_arrived": _m("Requests arrived", "受理诉求数", _N),
    "requests_resolved": _m("Requests resolved", "办结诉求数", _N),
    "backlog_end": _m("Backlog at the end", "期末积压诉求数", _N, "lower"),
    "within_time_limit_share": _m("Resolved within time limit", "限时办结率", _PCT, "higher", 100.0),
    "overtime_hours_per_worker_day": _m("Overtime per worker-day", "人均每工作日加班时长", _H, "lower"),
    "escalated_share": _m("Escalated to township or county", "上交乡镇或县级办理比例", _PCT, "", 100.0),
    "village_queue_length_mean": _m("Mean village queue", "村级平均排队诉求数", ("requests", "件"), "lower"),
    "village_arrival_rate_per_hour": _m("Arrivals per village-hour", "每村每小时诉求数", ("requests/h", "件/小时")),
    "village_wait_hours_mean": _m("Mean wait at the village", "村级平均等待时间", _H, "lower"),
    "campaign_completion_days": _m("Campaign completion time", "专项走访完成用时", ("days", "天"), "lower"),
    "campaign_peak_village_visits_per_day": _m(
        "Campaign peak visits per village-day", "专项走访单村日峰值", ("visits", "户次")
    ),
    "open_at_horizon_share": _m("Open at the horizon", "统计期末仍未办结比例", _PCT, "lower", 100.0),
    "open_after_drain_share": _m("Still open after the drain", "延续期后仍未办结比例", _PCT, "lower", 100.0),
    "campaign_pre_village_visits_per_day": _m(
        "Visits per village-day in the week before the campaign", "专项走访前一周单村日均走访", ("visits", "户次")
    ),
    "township_coping_hours_per_day": _m("Township extra staff-hours per day", "乡镇每日增援工时", _H, "lower"),
    "enforcement_coping_hours_per_day": _m(
        "Enforcement-team extra staff-hours per day", "综合执法队每日增援工时", _H, "lower"
    ),
    "department_coping_hours_per_day": _m("Department extra staff-hours per day", "县级部门每日增援工时", _H, "lower"),
    "urgent_resolution_hours_mean": _m("Mean resolution, urgent requests", "紧急事项平均办结时间", _H, "lower"),
    "routine_resolution_hours_mean": _m("Mean resolution, other requests", "一般事项平均办结时间", _H, "lower"),
    "admin_late_share": _m("Admin tasks finished after their deadline", "逾期完成的行政任务比例", _PCT, "lower", 100.0),
    "inherited_backlog": _m("Inherited backlog on day 0", "起始积压诉求数", _N),
    "inherited_open_at_horizon_share": _m(
        "Inherited backlog still open at the horizon", "起始积压期末仍未办结比例", _PCT, "lower", 100.0
    ),
    "inherited_open_after_drain_share": _m(
        "Inherited backlog still open after the drain", "起始积压延续期后仍未办结比例", _PCT, "lower", 100.0
    ),
    "inherited_clearance_days_p50": _m("Days until half the backlog is cleared", "起始积压办结一半用时", _D, "lower"),
    "inherited_clearance_days_p90": _m("Days until 90 % of the backlog clears", "起始积压办结九成用时", _D, "lower"),
    "inherited_clearance_days": _m("Days until the whole backlog is cleared", "起始积压全部办结用时", _D, "lower"),
    "workers": _m("Village workers", "村级工作人员数", ("persons", "人")),
    "events": _m("Simulation events", "仿真事件数", ("events", "个")),
}

CATEGORIES: dict[str, str] = {
    "rural": "农村",
    "urban": "城市社区",
    "all": "合计",
    "admin": "行政事务",
    "service": "服务群众",
    "visit": "入户走访",
    "travel": "路途",
    "idle": "空闲",
    "consultation": "政策咨询",
    "certificate": "证明盖章",
    "help": "帮办代办",
    "coordination": "协调事项",
    "dispute": "矛盾纠纷",
    "urgent": "紧急事项",
    "other": "其他事项",
    "first_response_hours": "首次响应时间",
    "resolution_hours": "办结时间",
    "village": "村（社区）",
    "township": "乡镇（街道）",
    "enforcement": "综合执法队",
    "department": "县级部门",
    "stable": "稳定",
    "coping": "增援应对",
    "unstable": "不稳定",
}
_CATEGORIES_EN = {
    "first_response_hours": "First response",
    "resolution_hours": "Resolution",
    "admin": "Administration",
    "service": "Service",
    "visit": "Visits",
    "travel": "Travel",
    "idle": "Idle",
    "all": "All",
    "village": "Village",
    "township": "Township",
    "enforcement": "Enforcement team",
    "department": "Department",
    "stable": "Stable",
    "coping": "Coping",
    "unstable": "Unstable",
}


def tr(key: str, lang: Lang = "en", **fields: object) -> str:
    """Text ``key`` in ``lang``, with ``{fields}`` filled in."""
    en, zh = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def metric_info(metric: str) -> MetricInfo:
    """Display info of ``metric``; unknown metrics get their identifier as name."""
    return METRICS.get(metric) or MetricInfo(metric.replace("_", " "), metric, "", "", "", 1.0)


def metric_name(metric: str, lang: Lang = "en") -> str:
    info = metric_info(metric)
    return info.zh if lang == "zh" else info.en


def metric_unit(metric: str, lang: Lang = "en") -> str:
    info = metric_info(metric)
    return info.unit_zh if lang == "zh" else info.unit_en


def metric_label(metric: str, lang: Lang = "en") -> str:
    """Name with unit, for axis titles: 'Mean first response (h)'."""
    unit = metric_unit(metric, lang)
    name = metric_name(metric, lang)
    if not unit:
        return name
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


def category(value: str, lang: Lang = "en") -> str:
    """Display name of a request type, village kind, time use, response metric, place or queue."""
    if lang == "zh":
        from sim.report.places import place  # county and township names

        stage, _, rest = value.partition(" ")
        if value not in CATEGORIES and rest and stage in CATEGORIES:  # a queue: "township Malong-street-1"
            return f"{CATEGORIES[stage]} {place(rest, lang)}"
        return CATEGORIES.get(value) or place(value, lang)
    return _CATEGORIES_EN.get(value, value.replace("_", " ").capitalize() if value.islower() else value)


def fmt(x: object, digits: int = 3) -> str:
    """A number for tables: thousands separators for large, significant digits for small, '—' for missing."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "true" if x else "false"  # as written in scenario YAML
    if not isinstance(x, int | float):
        return str(x)
    value = float(x)
    if not math.isfinite(value):
        return "—"
    if value != 0 and value == int(value) and abs(value) >= 1:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.{digits}g}"


def _number(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def fmt_fixed(x: object, decimals: int) -> str:
    """``x`` with a fixed number of decimals and thousands separators; '—' when missing."""
    value = _number(x)
    return "—" if value is None else f"{value:,.{max(decimals, 0)}f}"


def decimals_for(values: Iterable[object], digits: int = 3) -> int:
    """Decimals that give the typical (median) magnitude of ``values`` about ``digits`` significant digits.

    Why per column: a table reads best when a column has one number of decimals.
    """
    mags = sorted(abs(v) for v in (_number(x) for x in values) if v)
    if not mags:
        return 0
    return int(min(4, max(0, digits - 1 - math.floor(math.log10(mags[len(mags) // 2])))))


def decimals_ci(low: object, high: object, fallback: Iterable[object] = ()) -> int:
    """Decimals that show two significant digits of a CI's half-width (the precision actually known)."""
    lo, hi = _number(low), _number(high)
    if lo is None or hi is None or hi <= lo:
        return decimals_for(fallback)
    return int(min(6, max(0, 1 - math.floor(math.log10((hi - lo) / 2)))))


def fmt_metric(metric: str, value: object, decimals: int | None = None) -> str:
    """``value`` of ``metric`` in display units (shares in per cent)."""
    number = _number(value)
    if number is None:
        return fmt(value)
    shown = number * metric_info(metric).scale
    return fmt(shown) if decimals is None else fmt_fixed(shown, decimals)


def fmt_estimate(metric: str, mean: object, low: object, high: object) -> tuple[str, str]:
    """Mean and '[low, high]' of ``metric``, both with the decimals the CI supports."""
    scale = metric_info(metric).scale
    scaled = [None if _number(v) is None else float(v) * scale for v in (mean, low, high)]  # type: ignore[arg-type]
    d = decimals_ci(scaled[1], scaled[2], [scaled[0]])
    if scaled[0] is None:
        return "—", ""
    if scaled[1] is None and scaled[2] is None:
        return fmt_fixed(scaled[0], d), "—"
    return fmt_fixed(scaled[0], d), f"[{fmt_fixed(scaled[1], d)}, {fmt_fixed(scaled[2], d)}]"


def all_chinese_text() -> str:
    """Every Chinese string of this module (for the font-coverage test)."""
    parts = [m.zh + m.unit_zh for m in METRICS.values()]
    parts += list(CATEGORIES.values())
    parts += [zh for _en, zh in TEXT.values()]
    from sim.report.places import places_text  # county, township and scenario texts

    return "".join(parts) + places_text()
