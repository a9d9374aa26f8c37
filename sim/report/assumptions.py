"""What a report says about its own basis: assumptions left in force, changed fields, STRESS-DES checklist.

Why from the schema: every default in :mod:`sim.scenario.params` carries a
source or the word "assumption" in its description, so the report can list
exactly which modelling assumptions a scenario leaves untouched, from the
resolved scenario in the manifest alone, without a hand-kept list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from sim.report import htmldoc as h
from sim.report.labels import Lang, tr
from sim.report.places import description
from sim.scenario.priors import model_class

#: Scenario fields that are labels or run control, not model parameters.
NOT_MODEL = ("name", "description", "run")


def _walk(
    cls: type[BaseModel], resolved: dict[str, Any], defaults: dict[str, Any], prefix: str
) -> Iterator[tuple[str, Any, str]]:
    for name, info in cls.model_fields.items():
        if name not in resolved or name not in defaults:
            continue
        path = f"{prefix}{name}"
        description = info.description or ""
        value, default = resolved[name], defaults[name]
        if "assumption" in description.lower():
            if value == default:
                yield path, value, description
            continue
        sub = model_class(info.annotation)
        if sub is not None and isinstance(value, dict) and isinstance(default, dict):
            yield from _walk(sub, value, default, f"{path}.")


def schema_defaults() -> dict[str, Any]:
    """The fully resolved default scenario, in the JSON form of a manifest."""
    from sim.scenario.params import Scenario

    return Scenario().model_dump(mode="json")


#: Assumptions that only act when a switch is on: listing them while it is off would tell a reader
#: that a number rests on them when it does not (e.g. holiday demand in a run without holidays).
ONLY_WITH_SWITCH: dict[str, str] = {
    "calendar.holiday_demand_factor": "calendar.official_holidays",
    "calendar.makeup_workday_demand_factor": "calendar.official_holidays",
    "admin.admission_blocked_share": "admin.admission_list",
    "admin.temporary_approval_share": "admin.temporary_tasks_need_approval",
}


def _value_at(resolved: dict[str, Any], path: str) -> Any:
    node: Any = resolved
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def assumptions_in_force(resolved: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(path, value, description) of every "assumption" field whose value is the schema default.

    Fields are compared whole (dicts and lists included); nested models without the word in
    their own description are searched field by field. An assumption behind a switch that is
    off (``ONLY_WITH_SWITCH``) is not in force and is left out.
    """
    from sim.scenario.params import Scenario

    return [
        (path, value, description)
        for path, value, description in _walk(Scenario, resolved, schema_defaults(), "")
        if path not in ONLY_WITH_SWITCH or _value_at(resolved, ONLY_WITH_SWITCH[path]) is True
    ]


def _leaves(a: Any, b: Any, prefix: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(dict.fromkeys([*a, *b])):
            yield from _leaves(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else str(key))
    elif a != b:
        yield prefix, a, b


def differences_from_defaults(resolved: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(path, value, default) of every model field that differs from the schema default (leaf paths)."""
    defaults = schema_defaults()
    model = {k: v for k, v in resolved.items() if k not in NOT_MODEL}
    return leaf_differences(model, {k: v for k, v in defaults.items() if k not in NOT_MODEL})


def leaf_differences(value: dict[str, Any], base: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(path, value, base value) of every leaf where two resolved scenarios differ (lists compared whole)."""
    return list(_leaves(value, base, ""))


#: The parameters each distribution family reads (the others are ignored and not shown).
_FAMILY_FIELDS = {
    "lognormal": ("mean", "cv"),
    "exponential": ("mean",),
    "fixed": ("mean",),
    "uniform": ("low", "high"),
    "empirical": ("values",),
}


def show(value: Any, limit: int = 160) -> str:
    """A value as compact JSON for a table cell (distributions as ``family(a=…)``), shortened when long."""
    if isinstance(value, dict) and value.get("kind") in _FAMILY_FIELDS:
        args = ", ".join(f"{k}={value.get(k)}" for k in _FAMILY_FIELDS[value["kind"]])
        text = f"{value['kind']}({args})"
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seeds_text(seeds: dict[str, Any], settings: dict[str, Any]) -> str:
    parts = [f"base seed {seeds.get('base_seed', settings.get('seed', '—'))}"]
    if seeds.get("world_seed") is not None:
        parts.append(f"world seed {seeds['world_seed']}")
    if seeds.get("streams"):
        parts.append("streams: " + ", ".join(seeds["streams"]))
    if seeds.get("scheme"):
        parts.append(str(seeds["scheme"]))
    return "; ".join(parts)


def warmup_method(warm: dict[str, Any]) -> str:
    """How the warm-up was chosen, with MSER-5's truncation days where it ran."""
    method = str(warm.get("method", "fixed"))
    if warm.get("truncation_days"):
        method += " " + show(warm["truncation_days"])
    return method


def _window(days: object, warm_days: object) -> object:
    """The days the metrics are measured over, or "?" when either length is unknown."""
    return days - warm_days if isinstance(days, int | float) and isinstance(warm_days, int | float) else "?"


def _commit_text(manifest: dict[str, Any], lang: Lang) -> str:
    git = manifest.get("git") or {}
    return str(git.get("commit") or "—") + (f" ({tr('dirty', lang)})" if git.get("dirty") else "")


def _execution_text(manifest: dict[str, Any]) -> str:
    """Executor and workers as run, and the wall time (empty when the manifest has none of them)."""
    settings = manifest.get("settings", {})
    execution = ", ".join(f"{k}={settings[k]}" for k in ("executor", "workers") if settings.get(k) is not None)
    if manifest.get("wall_time_s") is not None:
        execution += f"; wall time {float(manifest['wall_time_s']):.1f} s"
    return execution


def _assumptions_item(n: int | None, lang: Lang) -> str:
    """Item 3.4: the count with a link to the section that lists them (the link target must exist)."""
    if n is None:
        return tr("ck_assumptions_none", lang)
    see = h.link(tr("sec_assumptions", lang), "assumptions")
    before, after = ("（见", "）") if lang == "zh" else (" (see ", ")")
    return h.Raw(f"{h.esc(tr('ck_assumptions_n', lang, n=n))}{before}{see}{after}")


def checklist(
    manifest: dict[str, Any], metric_names: list[str], n_assumptions: int | None, lang: Lang
) -> list[tuple[str, str]]:
    """STRESS-DES items (Monks et al. 2019) that the manifest can answer, as (item, content).

    ``n_assumptions`` is the number listed in the report's "assumptions" section, which item 3.4
    links to; None when the report has no such section (the item then says where to look instead).
    """
    settings = manifest.get("settings", {})
    scenario = manifest.get("scenario", {})
    warm = manifest.get("warmup") or {}
    days, warm_days = settings.get("days"), settings.get("warmup_days", warm.get("chosen"))
    changes = manifest.get("changes")
    rows = [
        ("ck_objectives", description(scenario.get("description"), lang) or manifest.get("scenario_name") or "—"),
        ("ck_outputs", ", ".join(metric_names)),
        ("ck_scenario_logic", show(changes, 400) if changes else str(manifest.get("scenario_name", "—"))),
        ("ck_assumptions", _assumptions_item(n_assumptions, lang)),
        ("ck_warmup", tr("ck_warmup_text", lang, days=warm_days, method=warmup_method(warm))),
        ("ck_run_length", tr("ck_days_window", lang, days=days, window=_window(days, warm_days))),
        ("ck_estimation", tr("ck_replications", lang, n=settings.get("replications", "?"))),
        ("ck_software", ", ".join(f"{k} {v}" for k, v in (manifest.get("packages") or {}).items())),
        ("ck_random", _seeds_text(manifest.get("seeds") or {}, settings)),
        ("ck_execution", _execution_text(manifest) or "—"),
        ("ck_platform", ", ".join(f"{k} {v}" for k, v in (manifest.get("platform") or {}).items() if v)),
        ("ck_code", _commit_text(manifest, lang)),
    ]
    return [(tr(key, lang), content) for key, content in rows]
