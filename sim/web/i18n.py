"""The explorer's texts in English and Chinese, and the Chinese county names.

Why a separate table from ``sim.report.labels``: the report's texts describe results; these
describe controls (levers, buttons, errors). Metric and category names are *not* repeated
here: the app takes them from the report's labels so a metric reads the same in the app and
in the report.html it offers for download.
"""

from __future__ import annotations

from sim.report.labels import Lang
from sim.report.places import county_names

LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Grassroots governance scenario explorer", "基层治理情景模拟"),
    "intro": (
        "Pick a preset, move the reform levers, run. Every run is the same computation as "
        "`grassroots run` and writes an ordinary run folder.",
        "选择预设情景，调整改革杠杆，然后运行。每次运行与命令行 `grassroots run` 的计算完全相同，"
        "并生成标准的结果文件夹。",
    ),
    "preset": ("Preset scenario", "预设情景"),
    "upload": ("…or upload a scenario YAML", "……或上传情景 YAML 文件"),
    "upload_ok": ("Using the uploaded scenario '{name}'.", "正在使用上传的情景“{name}”。"),
    "upload_error": (
        "The uploaded file is not a valid scenario; nothing was changed:",
        "上传的文件不是有效的情景文件，未做任何更改：",
    ),
    "counties": ("Counties", "县（市、区）"),
    "counties_help": (
        "One county runs in seconds; all nine take minutes.",
        "选一个县几秒钟即可完成；九个县需要几分钟。",
    ),
    "days": ("Simulated days (incl. warm-up)", "仿真天数（含预热期）"),
    "warmup": ("Warm-up days (discarded)", "预热天数（不计入统计）"),
    "replications": ("Replications", "重复次数"),
    "seed": ("Seed", "随机种子"),
    "compare_with": ("Compare against", "对照情景"),
    "compare_none": ("(no comparison)", "（不比较）"),
    "levers": ("Reform levers", "改革杠杆"),
    "levers_intro": (
        "Values start from the preset; each help text (?) gives the article's figure (★).",
        "初始值取自所选预设情景；每项的说明（?）中以★注明了报道中的数字。",
    ),
    "scenario_yaml": ("Resulting scenario (YAML)", "生成的情景（YAML）"),
    "download_yaml": ("Download scenario YAML", "下载情景 YAML"),
    "cli_equivalent": ("The same run on the command line", "等价的命令行"),
    "run": ("Run", "运行"),
    "running": ("Running {name}…", "正在运行 {name}……"),
    "progress": ("{done} of {total} county-replications", "已完成 {done} / {total} 个县-重复"),
    "done": ("Done in {seconds:.1f} s.", "用时 {seconds:.1f} 秒。"),
    "from_cache": (
        "Taken from the cache (an identical request ran before).",
        "结果取自缓存（此前已运行过相同的请求）。",
    ),
    "invalid": ("These settings are not valid; nothing was run:", "以下设置无效，未运行："),
    "no_county": ("No county chosen: using {county}.", "未选择县（市、区），改用{county}。"),
    "key_metrics": ("Key metrics (mean and 95 % confidence interval)", "关键指标（均值及95%置信区间）"),
    "metric": ("Metric", "指标"),
    "mean": ("Mean", "均值"),
    "ci": ("95 % CI", "95%置信区间"),
    "unit": ("Unit", "单位"),
    "comparison": (
        "Paired comparison against {base} (common random numbers)",
        "与“{base}”的配对比较（共同随机数）",
    ),
    "base": ("Base", "对照"),
    "this": ("This scenario", "本情景"),
    "difference": ("Difference", "差值"),
    "change": ("Change", "变化"),
    "significant": ("* the 95 % CI of the difference excludes 0", "* 差值的95%置信区间不含0"),
    "same_as_base": ("This scenario is identical to the base: no differences.", "本情景与对照情景相同，无差异。"),
    "time_use": ("Village workers' time use by village kind", "按村（社区）类型的村级工作人员时间分配"),
    "kind": ("Kind", "类型"),
    "townships": ("Townships and their service pools", "乡镇（街道）及其办理力量"),
    "township": ("Township", "乡镇（街道）"),
    "county": ("County", "县（市、区）"),
    "status": ("Service pool", "办理队列状态"),
    "unstable_none": ("No queue is unstable.", "没有不稳定的队列。"),
    "unstable_some": (
        "{n} queue(s) do not settle; their means depend on the run length:",
        "{n} 个队列不稳定，其均值取决于仿真时长：",
    ),
    "coping_some": (
        "{n} queue(s) over regular capacity, bounded by coping.",
        "{n} 个队列超出常规能力，靠增援控制积压。",
    ),
    "downloads": ("Downloads", "下载"),
    "download_report": ("Full report (report.html)", "完整报告（report.html）"),
    "download_zip": ("Run folder (zip)", "结果文件夹（zip）"),
    "run_folder": ("Run folder: `{path}`", "结果文件夹：`{path}`"),
    "posts": ("Posts after", "调整后编制"),
    "utilisation": ("Utilisation", "负荷率"),
    "queue": ("Queue", "队列"),
    "reason": ("Reason", "原因"),
    "posts_before": ("Posts before", "调整前编制"),
    "first_response": ("Mean first response (h)", "平均首次响应（小时）"),
    "queued": ("Waiting for another session's run to finish…", "正在等待其他会话的运行结束……"),
    "stale": (
        "The controls have changed since this run; press Run to update the results.",
        "参数已在此次运行后更改；点击“运行”以更新结果。",
    ),
    "failed": ("The run failed:", "运行失败："),
}

PRESET_NAMES: dict[str, tuple[str, str]] = {
    "baseline": ("Baseline 2021 (before the reform)", "基线：2021年（改革前）"),
    "staff_down": ("Staff down (干部往下沉)", "干部往下沉"),
    "burden_down": ("Burden down (负担往下减)", "负担往下减"),
    "power_down": ("Power down (权力往下放)", "权力往下放"),
    "reform_2022": ("The 2022 reform (all three levers)", "2022年改革（三项措施合并）"),
}


def t(key: str, lang: Lang, **fields: object) -> str:
    """Text ``key`` in ``lang`` with ``{fields}`` filled in."""
    en, zh = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def preset_name(stem: str, lang: Lang) -> str:
    """Display name of a preset file (its stem when it is not one of the shipped five)."""
    names = PRESET_NAMES.get(stem)
    if names is None:
        return stem
    return names[1] if lang == "zh" else names[0]


def county_label(county: str, lang: Lang) -> str:
    """``马龙区 Malong`` in Chinese, ``Malong`` in English."""
    zh = county_names().get(county)
    return f"{zh} {county}" if lang == "zh" and zh else county
