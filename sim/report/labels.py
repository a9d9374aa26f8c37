"""Display names of metrics, categories and report texts in English and Chinese.

Why one table: a report, its figures and its tables must name a metric the
same way, in either language, while the stable metric identifier stays
visible next to the display name (analysts search for it in CSV files).
Every Chinese string here must be covered by the bundled CJK font subset
(``sim/data/fonts``); a test checks that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal, NamedTuple

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

TEXT: dict[str, tuple[str, str]] = {
    # report frame
    "report_run": ("Simulation report", "仿真结果报告"),
    "report_comparison": ("Scenario comparison report", "情景比较报告"),
    "report_sweep": ("Parameter sweep report", "参数扫描报告"),
    "contents": ("Contents", "目录"),
    "generated": (
        "Generated by grassroots-sim from the files in this folder",
        "由 grassroots-sim 根据本文件夹中的文件生成",
    ),
    "font_missing": (
        "No CJK font found: Chinese text in figures may show as boxes.",
        "未找到中文字体：图中的中文可能无法正常显示。",
    ),
    "missing_files": ("Not available: these files are missing from the folder", "暂无：文件夹中缺少以下文件"),
    # run sections
    "sec_scenario": ("Scenario", "情景说明"),
    "sec_key_metrics": ("Key metrics with 95% confidence intervals", "关键指标及95%置信区间"),
    "sec_response": ("Response-time distributions", "响应时间分布"),
    "sec_time_use": ("Workers' time use", "村级工作人员时间分配"),
    "sec_visits": ("Visit coverage over time", "走访覆盖随时间变化"),
    "sec_geography": ("Counties and townships", "分县区与乡镇（街道）结果"),
    "sec_diagnostics": ("Warm-up and replication diagnostics", "预热期与重复次数诊断"),
    "sec_assumptions": ("Assumptions in force", "生效的模型假设"),
    "sec_checklist": ("Reporting checklist (STRESS-DES)", "报告清单（STRESS-DES）"),
    "sec_stability": ("Queues: utilisation, coping and stability", "各级办理队列：负荷、应对与稳定性"),
    "stability_intro": (
        "Every staffed queue is checked: utilisation is the work offered in the window divided by "
        "its regular staff's duty hours; coping is the extra staff an office pulls in when its "
        "queue is long. A queue is unstable when the offered work exceeds its capacity even with "
        "coping, or when its backlog grew over the window by more than a day of its arrivals; "
        "means that include such a queue depend on the length of the run.",
        "对每个有人员的办理队列进行检查：负荷率为统计期内需办理的工作量除以常规人员的在岗工时；"
        "应对指排队较长时单位临时抽调的增援人员。若加上增援仍超出能力，或统计期内积压增加超过一天的"
        "受理量，则判定该队列不稳定；包含此类队列的平均值取决于仿真时长。",
    ),
    "stability_none": ("No queue is unstable.", "没有不稳定的队列。"),
    "unstable_table": ("Unstable queues", "不稳定的队列"),
    "coping_table": (
        "Queues over their regular capacity that bound their backlog by coping",
        "超出常规能力、靠增援控制积压的队列",
    ),
    "township_pools_table": (
        "Township posts before and after, and the service pools",
        "乡镇（街道）编制调整前后及办理力量",
    ),
    "estimator": ("Estimator", "估计方法"),
    "estimator_text": (
        "Every request arriving in the window counts; after the horizon no new request arrives and the "
        "system keeps working for at most {drain} days until they are resolved. Means divide by all "
        "of them (a request still open after the drain counts with its age, a lower bound); "
        "percentiles are Kaplan-Meier estimates with open requests censored.",
        "统计期内受理的每一件诉求都计入；统计期结束后不再受理新诉求，系统继续运行（最多{drain}天）"
        "直至这些诉求办结。平均值以全部诉求为分母（延续期后仍未办结的按已等待时间计入，为下限）；"
        "百分位数为以未办结诉求为删失的 Kaplan-Meier 估计。",
    ),
    "queue": ("Queue", "队列"),
    "stage": ("Level", "层级"),
    "reason": ("Reason", "原因"),
    "utilisation": ("Utilisation", "负荷率"),
    "utilisation_with_coping": ("With coping", "含增援负荷率"),
    "backlog_growth": ("Backlog change over the window", "统计期内积压变化"),
    "coping_hours_per_day": ("Extra staff-hours per day", "每日增援工时"),
    "status": ("Status", "状态"),
    "posts_before": ("Posts before", "调整前编制"),
    "posts": ("Posts after", "调整后编制"),
    "added_posts": ("Added (by population)", "按人口新增"),
    "administrative_floor_added": ("Added (admin floor)", "行政编制下限补足"),
    "county_floor_added": ("Added (12 % floor)", "12%下限补足"),
    "service_staff": ("Service staff", "办理人员"),
    # comparison and sweep sections
    "sec_comparison": ("Compared scenarios", "参与比较的情景"),
    "sec_paired": ("Paired differences against the base", "与基准情景的配对差异"),
    "sec_side_by_side": ("Key metrics by scenario", "各情景关键指标"),
    "sec_decomposition": ("Decomposition of the combined effect", "综合效应分解"),
    "sec_marginal": ("Marginal values of the levers", "各项措施的边际效应"),
    "sec_design": ("Design", "实验设计"),
    "sec_points": ("Design points", "设计点结果"),
    "sec_sensitivity": ("Sensitivity ranking", "敏感性排序"),
    "sec_main_effects": ("Main effects and tornado plot", "主效应图与龙卷风图"),
    # table headers and field names
    "name": ("Name", "名称"),
    "description": ("Description", "说明"),
    "metric": ("Metric", "指标"),
    "metric_id": ("Identifier", "标识符"),
    "mean": ("Mean", "均值"),
    "ci95": ("95% CI", "95%置信区间"),
    "std": ("Std. dev.", "标准差"),
    "n": ("n", "样本数"),
    "unit": ("Unit", "单位"),
    "path": ("Field", "参数"),
    "value": ("Value", "取值"),
    "base_value": ("Base value", "基准取值"),
    "scenario": ("Scenario", "情景"),
    "base": ("Base", "基准情景"),
    "difference": ("Difference", "差值"),
    "relative": ("Relative change", "相对变化"),
    "p_value": ("p-value", "p值"),
    "term": ("Term", "分项"),
    "effect": ("Effect", "效应"),
    "lever": ("Lever", "措施"),
    "per_unit": ("Change per unit", "单位变化量"),
    "factor": ("Factor", "因素"),
    "levels": ("Levels or range", "水平或范围"),
    "rank": ("Rank", "排名"),
    "point": ("Point", "设计点"),
    "item": ("Item", "条目"),
    "content": ("Content", "内容"),
    "county": ("County", "县区"),
    "township": ("Township", "乡镇（街道）"),
    "kind": ("Village kind", "村社类型"),
    "request_type": ("Request type", "诉求类型"),
    "setting": ("Setting", "设置"),
    "design": ("Design", "设计类型"),
    "points": ("Design points", "设计点数"),
    "arrived": ("Requests", "诉求数"),
    "population": ("Population", "人口"),
    "cadres": ("Cadres", "村（社区）干部"),
    "team_members": ("Team members", "工作队员"),
    "settings": ("Settings", "运行设置"),
    "index": ("Index", "指数"),
    "factors_n": ("{n} factors", "{n} 个因素"),
    "base_mean": ("Base mean", "基准均值"),
    "other_mean": ("Scenario mean", "比较情景均值"),
    # texts of the run report
    "changes_base": ("What this scenario changes against its base", "相对基准情景的改动"),
    "changes_default": ("Values that differ from the schema defaults", "与参数默认值不同的设置"),
    "no_changes": ("No field differs from the schema defaults.", "所有参数均为默认值。"),
    "key_first": (
        "Key metrics are listed first; shares are shown in per cent.",
        "关键指标列在前面；比例以百分数表示。",
    ),
    "assumptions_intro": (
        "Fields documented as assumptions whose value in this scenario is the schema default.",
        "参数说明标注为“假设”且本情景仍取默认值的参数。",
    ),
    "no_assumptions": ("No default assumption is left in force.", "没有仍取默认值的假设参数。"),
    "by_county_table": ("By county (mean over replications)", "分县区（各次重复的均值）"),
    "by_township_table": ("By township (mean over replications)", "分乡镇（街道）（各次重复的均值）"),
    "by_type_table": ("By request type (mean over replications)", "分诉求类型（各次重复的均值）"),
    "rows_shown": (
        "Showing {shown} of {total} rows; the full table is in {file}.",
        "显示 {total} 行中的 {shown} 行；完整表格见 {file}。",
    ),
    # figure captions
    "cap_key_metrics": (
        "Dots: replications; diamond and bar: mean and 95% t-interval.",
        "圆点：各次重复；菱形与横线：均值及95% t置信区间。",
    ),
    "cap_key_metrics_multi": (
        "Diamond and bar: mean and 95% t-interval of each scenario.",
        "菱形与横线：各情景的均值及95% t置信区间。",
    ),
    "cap_response": (
        "Cumulative share of requests by time since arrival (log scale), pooled over replications. "
        "First response is when a village worker takes a request up: all non-urgent types wait in one "
        "first-come-first-served queue (only urgent requests go ahead, or to the on-call cadre), so their "
        "first-response curves coincide by design and differ only in resolution.",
        "按诉求到达后经过时间（对数刻度）累计的诉求比例，合并各次重复。首次响应指村级工作人员开始办理的时间："
        "除紧急事项（优先办理或由值班干部处理）外，各类诉求在同一个先到先办的队列中等待，"
        "因此其首次响应曲线按设计重合，差异只体现在办结时间上。",
    ),
    "cap_time_use": (
        "Shares of village workers' duty time, pooled over replications.",
        "村级工作人员值班时间的构成，合并各次重复。",
    ),
    "cap_visits": (
        "Line: mean over replications; band: range. Shaded: warm-up (excluded from metrics).",
        "线：各次重复的均值；带：范围。阴影：预热期（不计入指标）。",
    ),
    "cap_heatmap": (
        "Colour: relative difference of each cell to the city-wide value of its metric, on one fixed scale "
        "for every column (±50 %); red is worse, blue is better, pale means close to the city value. "
        "Numbers are the values themselves.",
        "颜色表示各单元格与该指标全市数值的相对差异，各列使用同一固定刻度（±50%）；红色较差，蓝色较好，"
        "浅色表示接近全市水平。格中数字为指标数值本身。",
    ),
    "cap_warmup": (
        "Daily series per replication; the dashed line marks the end of the warm-up.",
        "各次重复的逐日序列；虚线为预热期结束。",
    ),
    "cap_convergence": (
        "Running mean and 95% t-interval as replications are added.",
        "随重复次数增加的累计均值及95% t置信区间。",
    ),
    "cap_forest": (
        "Paired differences (other − base) with 95% CIs; filled markers: interval excludes zero.",
        "配对差值（比较情景 − 基准情景）及95%置信区间；实心点：区间不含零。",
    ),
    "cap_decomposition": ("Effects with 95% CIs.", "效应及95%置信区间。"),
    "cap_main_effects": ("Mean of each metric at each factor level.", "各因素各水平下的指标均值。"),
    "cap_tornado": (
        "Factors ranked by sensitivity index, with confidence intervals where available.",
        "按敏感性指数排序的因素（如有则含置信区间）。",
    ),
    # axis labels
    "ax_hours_since_arrival": ("Hours since arrival (log scale)", "诉求到达后经过时间（小时，对数刻度）"),
    "ax_cum_share": ("Cumulative share of requests (%)", "累计诉求比例（%）"),
    "ax_share_duty": ("Share of duty time (%)", "占值班时间比例（%）"),
    "ax_day": ("Simulated day", "仿真天数"),
    "ax_coverage": ("Vulnerable households visited in last 30 days (%)", "近30天困难群体走访覆盖率（%）"),
    "ax_visits_day": ("Household visits per day", "每日入户走访数（户次）"),
    "ax_daily_fr": ("Daily mean first response (h)", "逐日平均首次响应时间（小时）"),
    "ax_replications": ("Replications", "重复次数"),
    "warmup": ("warm-up", "预热期"),
    "campaign": ("campaign", "专项走访"),
    "deadline": ("deadline", "截止"),
    "campaign_done": ("all villages done", "全部村社完成"),
    "by_request_type": ("By request type", "按诉求类型"),
    "by_kind": ("By village kind", "按村社类型"),
    "by_county": ("By county", "按县区"),
    "replication": ("replication", "重复"),
    "mean_line": ("mean", "均值"),
    "colour_scale": (
        "Difference to the city value: worse ← → better (capped at ±50 %)",
        "与全市平均值的相对差异：较差 ← → 较好（±50%封顶）",
    ),
    # empty panels
    "na": ("n/a", "无数据"),
    "na_no_obs": ("no observations in this run (n\u00a0=\u00a00)", "本次运行无观测值（n = 0）"),
    "na_no_visits": ("no household visits in this run", "本次运行没有入户走访"),
    "na_no_vulnerable": ("no vulnerable households in the simulated villages", "所仿真的村社中没有困难群体户"),
    "na_no_requests": ("no requests arrived in this run", "本次运行没有受理诉求"),
    "na_no_difference": ("no paired difference could be computed", "无法计算配对差异"),
    # checklist
    "ck_objectives": ("1.1 Purpose of the model (scenario objectives)", "1.1 模型目的（情景目标）"),
    "ck_outputs": ("1.2 Model outputs", "1.2 模型输出"),
    "ck_scenario_logic": ("2.3 Scenario logic (changes)", "2.3 情景逻辑（改动）"),
    "ck_assumptions": ("3.4 Assumptions", "3.4 模型假设"),
    "ck_warmup": ("4.1 Initialisation (warm-up)", "4.1 初始化（预热期）"),
    "ck_run_length": ("4.2 Run length", "4.2 运行时长"),
    "ck_estimation": ("4.3 Estimation approach (replications)", "4.3 估计方法（重复次数）"),
    "ck_software": ("5.1 Software and versions", "5.1 软件及版本"),
    "ck_random": ("5.2 Random sampling (streams and seeds)", "5.2 随机抽样（随机数流与种子）"),
    "ck_execution": ("5.3 Model execution", "5.3 模型运行"),
    "ck_platform": ("5.4 System specification (platform)", "5.4 系统环境"),
    "ck_code": ("6.1 Code access (git commit)", "6.1 代码获取（git 提交）"),
    "ck_days_window": (
        "{days} days simulated; {window} days measured after the warm-up",
        "共仿真 {days} 天；预热期后统计 {window} 天",
    ),
    "ck_replications": (
        "{n} independent replications; 95% t-intervals across replications",
        "{n} 次独立重复；按重复计算95% t置信区间",
    ),
    "ck_assumptions_n": (
        "{n} documented assumptions left at their defaults",
        "{n} 项假设仍取默认值",
    ),
    "ck_assumptions_none": (
        "listed in the run reports of the scenarios (section “Assumptions in force”)",
        "见各情景的运行报告（“生效的模型假设”一节）",
    ),
    "ck_warmup_text": ("{days} days, method: {method}", "{days} 天，方法：{method}"),
    "dirty": ("uncommitted changes", "含未提交修改"),
    # sensitivity indices
    "idx_mu_star": ("μ* (mean |elementary effect|, Morris)", "μ*（Morris 基本效应绝对值均值）"),
    "idx_ST": ("Total-order Sobol index ST", "Sobol 总效应指数 ST"),
    "idx_S1": ("First-order Sobol index S1", "Sobol 一阶指数 S1"),
    "idx_src": ("Standardised regression coefficient", "标准化回归系数"),
    "idx_main_effect_range": ("Range of main effect", "主效应极差"),
    "cap_marginal": (
        "Change in each metric per unit of each lever, with 95% CIs.",
        "每项措施每增加一个单位带来的指标变化及95%置信区间。",
    ),
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
    """Display name of a request type, village kind, time use or response metric."""
    if lang == "zh":
        from sim.report.places import place  # county and township names

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
