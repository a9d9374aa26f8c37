"""Every assumption has a plausible range (or a stated reason why none applies), and its default lies inside."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.params import Scenario
from sim.scenario.priors import PRIORS, STRUCTURAL, annotate_schema, assumption_fields, prior, value_at


def test_every_assumption_field_has_a_range_or_a_reason() -> None:
    missing = [path for path, _ in assumption_fields(Scenario) if path not in PRIORS and path not in STRUCTURAL]
    assert not missing, f"assumption fields without a plausible range: {missing}"


@pytest.mark.parametrize("path", sorted(PRIORS))
def test_each_default_lies_in_its_range(path: str) -> None:
    p = prior(path)
    assert p.low < p.high and p.source
    assert p.contains(float(value_at(Scenario(), path))), (path, value_at(Scenario(), path), p)


def test_ranges_reach_the_json_schema() -> None:
    schema = annotate_schema(Scenario.model_json_schema())
    hours = schema["x-plausible-ranges"]["admin.hours_per_signboard_per_month"]
    assert (hours["low"], hours["high"]) == (4, 12) and "DOMAIN" in hours["source"]


def test_an_unknown_path_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match=r"no plausible range for 'admin\.nonsense'"):
        prior("admin.nonsense")


#: Fields a reform file may write although they have a plausible range in the base: the article
#: gives the reform's value (20 → 10 signboards; whistle answered on time 0.7 → 0.9; every unit a team).
LEVER_VALUES_FROM_THE_ARTICLE = {
    "admin.signboards_per_village",
    "departments.on_time_response_probability",
    "workers.work_team.min_per_village",
}


def _leaf_paths(data: object, prefix: str = "") -> list[str]:
    if not isinstance(data, dict):
        return [prefix]
    return [p for k, v in data.items() for p in _leaf_paths(v, f"{prefix}.{k}" if prefix else str(k))]


@pytest.mark.parametrize("name", ["staff_down", "burden_down", "power_down", "reform_2022"])
def test_reform_files_leave_the_assumptions_to_the_base(name: str) -> None:
    """An assumption written in a lever file would hide calibration's assumption sets from it.

    (``compare --assumptions`` applies accepted sets to the base files; a reform file's own value
    stays on top. staff_down once wrote availability 0.6 and burden_down the admission list's
    blocked share, so their uncertainty never reached the reform.)
    """
    from ruamel.yaml import YAML

    root = Path(__file__).resolve().parent.parent / "scenarios"
    data = YAML(typ="safe").load((root / f"{name}.yaml").read_text(encoding="utf-8"))
    written = set(_leaf_paths({k: v for k, v in data.items() if k not in ("extends", "name", "description")}))
    assert not (written & set(PRIORS)) - LEVER_VALUES_FROM_THE_ARTICLE
