"""Ordinary input mistakes get a clear validation error (file, line, field, valid choices), exit 2.

Each case here was a defect an analyst met: a mis-cased county validated and then crashed the
run; an ``extends`` file changing one field of a request type was rejected; ``{kind: uniform,
mean: 3}`` validated and sampled 0 h; ``validate`` and ``run`` on a sweep spec gave a
misleading message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment.sweep import load_sweep
from sim.model.distributions import mean_of
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.scenario.params import Lognormal, Uniform

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SWEEP = ROOT / "scenarios" / "sweeps" / "staffing_x_signboards.yaml"
TARGETS = ROOT / "scenarios" / "calibration" / "qujing_targets.yaml"
runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"extends: {BASELINE}\n" + text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------ counties


def test_a_mis_cased_county_names_file_line_field_and_the_right_spelling(tmp_path: Path) -> None:
    path = write(tmp_path, "world:\n  counties:\n    - Malong\n    - malong\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert f"{path}:5: world.counties[1]" in text
    assert "did you mean 'Malong'" in text and "case-sensitive" in text


def test_an_unknown_county_lists_the_valid_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "world:\n  counties: [Kunming]\n")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "unknown county 'Kunming'" in result.output
    assert "Qilin" in result.output and "Huize" in result.output


def test_an_empty_county_list_is_an_error_not_an_empty_run() -> None:
    with pytest.raises(ScenarioError, match="at least one county"):
        load_scenario(BASELINE, ["world.counties=[]"])


def test_a_bad_county_in_set_is_caught_before_running() -> None:
    result = runner.invoke(app, ["run", str(BASELINE), "--set", "world.counties=[luliang]", "--days", "2"])
    assert result.exit_code == 2
    assert "did you mean 'Luliang'" in result.output


# ------------------------------------------------------------------------ extends deep merge


def test_an_extends_file_changes_one_field_of_a_default_request_type(tmp_path: Path) -> None:
    path = write(tmp_path, "requests:\n  types:\n    help:\n      rate_per_1000_residents_per_year: 99\n")
    from_file = load_scenario(path)
    from_set = load_scenario(BASELINE, ["requests.types.help.rate_per_1000_residents_per_year=99"])
    base = load_scenario(BASELINE)
    assert from_file == from_set
    assert from_file.requests.types["help"].rate_per_1000_residents_per_year == 99
    assert list(from_file.requests.types) == list(base.requests.types)  # the other types are kept
    assert from_file.requests.types["help"].effort_hours == base.requests.types["help"].effort_hours


def test_a_root_file_still_defines_its_own_request_types() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "validation" / "mmc.yaml")
    assert list(scenario.requests.types) == ["job"]


# ------------------------------------------------------------------------ distributions


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{kind: uniform, mean: 3, low: 1, high: 2}", "effort_hours.mean: unknown key 'mean' for kind 'uniform'"),
        ("{kind: uniform, mean: 3}", "effort_hours.high: required field is missing"),
        ("{kind: uniform, low: 5, high: 1}", "uniform needs high >= low"),
        ("{kind: gamma, mean: 3}", "kind must be one of: lognormal, exponential, fixed, uniform, empirical"),
        ("{kind: exponential, cv: 1}", "effort_hours.cv: unknown key 'cv' for kind 'exponential'"),
        ("{kind: empirical, values: []}", "expected at least 1 items"),
    ],
)
def test_each_distribution_family_takes_exactly_its_own_parameters(value: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, [f"requests.types.help.effort_hours={value}"])
    assert expected in str(info.value)


def test_a_distribution_without_kind_is_a_lognormal() -> None:
    scenario = load_scenario(BASELINE, ["requests.types.help.effort_hours={mean: 2.5}"])
    dist = scenario.requests.types["help"].effort_hours
    assert isinstance(dist, Lognormal) and dist.mean == 2.5 and dist.cv == 0.5


def test_a_uniform_has_the_mean_of_its_bounds() -> None:
    scenario = load_scenario(BASELINE, ["requests.types.help.effort_hours={kind: uniform, low: 1, high: 5}"])
    dist = scenario.requests.types["help"].effort_hours
    assert isinstance(dist, Uniform) and mean_of(dist) == 3.0


# ------------------------------------------------------------------------ specs of other commands


def test_validate_recognises_a_sweep_spec_and_a_calibration_spec() -> None:
    sweep = runner.invoke(app, ["validate", str(SWEEP)])
    assert sweep.exit_code == 0 and "valid sweep spec" in sweep.output
    calibration = runner.invoke(app, ["validate", str(TARGETS)])
    assert calibration.exit_code == 0 and "valid calibration spec" in calibration.output


def test_run_on_a_sweep_spec_names_the_sweep_command() -> None:
    result = runner.invoke(app, ["run", str(SWEEP)])
    assert result.exit_code == 2
    assert f"grassroots sweep {SWEEP}" in result.output


def test_a_sweep_spec_with_a_bad_factor_and_a_missing_base_reports_both(tmp_path: Path) -> None:
    spec = tmp_path / "sw.yaml"
    spec.write_text("base: nowhere.yaml\nfactors:\n  - {path: admin.signboardz, low: 1, high: 2}\n")
    with pytest.raises(ScenarioError) as info:
        load_sweep(spec)
    text = str(info.value)
    assert "factors[0].path" in text and "no field 'admin.signboardz'; did you mean 'admin." in text
    assert "base scenario not found: nowhere.yaml" in text


def test_sweep_set_limits_every_point_to_one_county() -> None:
    sweep = load_sweep(SWEEP, ["world.counties=[Malong]"])
    assert sweep.base.world.counties == ["Malong"]
    with pytest.raises(ScenarioError, match="unknown county"):
        load_sweep(SWEEP, ["world.counties=[Nowhere]"])
