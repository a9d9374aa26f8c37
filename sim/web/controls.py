"""From a preset (or an uploaded file) and the values of the app's controls to a validated Scenario.

Why dotted overrides: the app must compute exactly what ``grassroots run FILE --set a.b=v``
computes, so a lever is nothing but a dotted path, and its value goes through the same
``apply_overrides`` (same validation, same error texts) as the CLI's ``--set``. The app only
decides which paths to show and with which ranges; the scenario schema decides what is valid.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sim.report.labels import Lang
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_scenario
from sim.scenario.params import Scenario

#: The shipped presets, in the order the app lists them (other files in the folder follow).
PRESET_ORDER = ("baseline", "staff_down", "burden_down", "power_down", "reform_2022")
DEFAULT_COUNTY = "Malong"  # the smallest county (56 units): a run takes seconds


@dataclass(frozen=True)
class Lever:
    """One reform lever: a scenario field with a range, a unit, and the article's figure for the help text."""

    path: str
    en: str
    zh: str
    kind: Literal["int", "float", "bool"]
    low: float
    high: float
    step: float
    unit_en: str
    unit_zh: str
    note_en: str
    note_zh: str
    format: str = "%g"  # printf format of the number box

    def label(self, lang: Lang) -> str:
        name, unit = (self.zh, self.unit_zh) if lang == "zh" else (self.en, self.unit_en)
        if not unit:
            return name
        return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"

    def help(self, lang: Lang) -> str:
        """The help text: the lever's field path and the article's figure (marked ★)."""
        note = self.note_zh if lang == "zh" else self.note_en
        return f"★ {note}\n\n`{self.path}`"

    def coerce(self, value: Any) -> Any:
        """The Python value the schema expects (widgets return floats for everything numeric)."""
        if self.kind == "bool":
            return bool(value)
        if self.kind == "int":
            return int(round(float(value)))
        return float(value)


LEVERS: tuple[Lever, ...] = (
    Lever(
        "workers.work_team.members_total",
        "Work-team members, city-wide",
        "驻村工作队员（全市）",
        "int",
        0,
        10_000,
        1,
        "members",
        "人",
        "Article: 5,147 members across the 1,688 villages and communities (0 before the reform). A run "
        "limited to some counties gets their share by population.",
        "报道：全市1,688个村（社区）共派驻工作队员5,147名（改革前为0）。只选部分县时按人口分得相应份额。",
    ),
    Lever(
        "township.added_posts_total",
        "Township posts added, city-wide",
        "下沉乡镇（街道）编制（全市）",
        "float",
        0,
        3_000,
        1,
        "posts",
        "个",
        "Article: 973 institutional posts moved down to townships by end-2022 (≈ +7 per township).",
        "报道：截至2022年底下沉乡镇（街道）事业编制973个（每个乡镇约+7个）。",
        "%.0f",
    ),
    Lever(
        "admin.signboards_per_village",
        "Signboards per village",
        "每村（社区）挂牌数",
        "float",
        0,
        40,
        1,
        "signboards",
        "块",
        "Article: about 10 signboards removed per village (assumed 20 → 10).",
        "报道：每个村（社区）平均减少牌子约10块（假设由20块减至10块）。",
        "%.1f",
    ),
    Lever(
        "admin.inspections_retained",
        "Inspections and assessments retained",
        "保留的检查考核比例",
        "float",
        0,
        1,
        0.05,
        "share, 1 = all",
        "比例，1为全部保留",
        "Article: fewer inspections and assessments; the burden-down preset keeps half (0.5, an assumption).",
        "报道：减少检查考核；“负担往下减”预设保留一半（0.5，为模型假设）。",
        "%.2f",
    ),
    Lever(
        "admin.admission_list",
        "Village work admission list",
        "村级工作准入清单",
        "bool",
        0,
        1,
        1,
        "",
        "",
        "Article: an admission list of 13 categories and 43 items; it blocks about 30 % of incoming tasks (DOMAIN §5).",
        "报道：实行13类43项村级工作准入清单；约拦截30%的下派任务（DOMAIN §5）。",
    ),
    Lever(
        "delegation.items_delegated",
        "Items delegated to townships",
        "下放乡镇的事项",
        "int",
        0,
        26,
        1,
        "items",
        "项",
        "Article: 26 enforcement and approval items delegated, one enforcement team per township.",
        "报道：下放执法审批事项26项，每个乡镇组建一支综合执法队伍。",
    ),
    Lever(
        "one_thing.modules",
        "'One thing' modules",
        "“一件事”集成模块",
        "int",
        0,
        20,
        1,
        "modules",
        "个",
        "Article: 10+ common cross-department matters in the 'one thing' catalogue.",
        "报道：10余项跨部门常办事项纳入“一件事”目录。",
    ),
    Lever(
        "departments.on_time_response_probability",
        "Departments answer the township whistle on time",
        "部门按时响应乡镇“吹哨”的概率",
        "float",
        0,
        1,
        0.05,
        "probability",
        "概率",
        "Article: 50/50 assessment weight; assumed 0.7 before and 0.9 after (DOMAIN §7).",
        "报道：乡镇考核权重五五开；假设改革前0.7、改革后0.9（DOMAIN §7）。",
        "%.2f",
    ),
)
LEVER_BY_PATH = {lever.path: lever for lever in LEVERS}


def presets_dir() -> Path:
    """The scenarios folder: ``$GRASSROOTS_SCENARIOS``, else ``./scenarios``, else the checkout's."""
    env = os.environ.get("GRASSROOTS_SCENARIOS")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if (here / "baseline.yaml").is_file():
        return here
    return Path(__file__).resolve().parents[2] / "scenarios"


def list_presets(directory: Path | None = None) -> dict[str, Path]:
    """Preset name (file stem) -> file: the five shipped ones first, then any other top-level YAML."""
    directory = directory or presets_dir()
    files = {p.stem: p for p in sorted(directory.glob("*.yaml"))}
    ordered = {name: files.pop(name) for name in PRESET_ORDER if name in files}
    return {**ordered, **files}


def get_path(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


def lever_values(scenario: Scenario) -> dict[str, Any]:
    """The current value of every lever in ``scenario`` (the controls start from these)."""
    return {lever.path: get_path(scenario, lever.path) for lever in LEVERS}


def lever_overrides(start: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted overrides for the levers whose value differs from ``start`` (coerced to the schema's type)."""
    current = lever_values(start)
    out = {}
    for path, value in values.items():
        new = LEVER_BY_PATH[path].coerce(value)
        if new != current[path]:
            out[path] = new
    return out


@dataclass(frozen=True)
class RunChoice:
    """The run controls: which counties, how long, how many replications, which seed."""

    counties: tuple[str, ...]
    days: int
    warmup_days: int
    replications: int
    seed: int

    def overrides(self) -> dict[str, Any]:
        """As dotted overrides, so the downloaded YAML carries them and reproduces the run."""
        return {
            "world.counties": list(self.counties),
            "run.days": float(self.days),
            "run.warmup_days": float(self.warmup_days),
            "run.replications": int(self.replications),
            "run.seed": int(self.seed),
        }


def build_scenario(start: Scenario, levers: Mapping[str, Any], run: RunChoice) -> tuple[Scenario, dict[str, Any]]:
    """``start`` with the changed levers and the run choice applied; also returns the overrides used.

    Raises :class:`ScenarioError` (the loader's) when a value is invalid, e.g. warm-up ≥ days.
    """
    overrides = {**lever_overrides(start, levers), **run.overrides()}
    return apply_overrides(start, overrides), overrides


def base_scenario(start: Scenario, run: RunChoice) -> Scenario:
    """The comparison base: a preset with only the run choice applied (same counties, days, seeds)."""
    return apply_overrides(start, run.overrides())


def _load_beside_presets(folder: Path, data: bytes, name: str, presets: Path | None) -> Scenario:
    """Load the upload as ``folder/name`` next to copies of the presets (so ``extends:`` finds them)."""
    for preset in list_presets(presets).values():
        shutil.copy(preset, folder / preset.name)
    target = folder / name
    target.write_bytes(data)
    try:
        return load_scenario(target)
    except ScenarioError as exc:
        raise _relabel(exc, str(folder) + os.sep) from None


def _refuse_data_beside(scenario: Scenario, folder: Path, name: str) -> None:
    """Refuse data files the upload took from beside it: they went with the temporary folder."""
    for field in ("counties_csv", "villages_csv"):
        value = getattr(scenario.world, field)
        if isinstance(value, str) and value.startswith(str(folder)):
            raise ScenarioError(
                "an uploaded scenario cannot use a data file beside it; give an absolute path, or run it "
                "with `grassroots run`",
                file=name,
                field=f"world.{field}",
            )


def load_upload(data: bytes, filename: str, presets: Path | None = None) -> Scenario:
    """Validate an uploaded YAML file with the loader; errors name the upload, its line and field.

    The file is checked in a temporary folder next to copies of the presets, so an upload may
    say ``extends: baseline.yaml`` just as a file in scenarios/ can. Raises ScenarioError.
    """
    name = Path(filename).name or "upload.yaml"
    with tempfile.TemporaryDirectory(prefix="grassroots-upload-") as tmp:
        folder = Path(tmp)
        scenario = _load_beside_presets(folder, data, name, presets)
    _refuse_data_beside(scenario, folder, name)
    return scenario


def _relabel(exc: ScenarioError, prefix: str) -> ScenarioError:
    """The same problems with the temporary folder removed from their file names."""
    problems = [
        ScenarioError(p.message, file=p.file.removeprefix(prefix) if p.file else p.file, line=p.line, field=p.field)
        for p in exc.problems
    ]
    return ScenarioError.collect(problems)


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def cli_command(source: str, overrides: Mapping[str, Any]) -> str:
    """``grassroots run SOURCE --set …`` computing the same numbers as the app."""
    run_flags = {
        "run.days": "--days",
        "run.warmup_days": "--warmup-days",
        "run.replications": "-r",
        "run.seed": "--seed",
    }
    parts = ["grassroots", "run", source]
    for path, value in overrides.items():
        if path in run_flags:
            continue
        parts += ["--set", f"{path}={_yaml_value(value)}"]
    for path, flag in run_flags.items():
        if path in overrides:
            parts += [flag, _yaml_value(overrides[path])]
    return " ".join(shlex.quote(p) for p in parts)


def overrides_json(overrides: Mapping[str, Any]) -> str:
    """A stable text of the overrides (part of a request's identity)."""
    return json.dumps(dict(sorted(overrides.items())), sort_keys=True)
