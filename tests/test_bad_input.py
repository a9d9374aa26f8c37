"""Bad input anywhere gives exit 2, one clear line naming file/line/field, and writes nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import ROOT
from sim.cli import app

runner = CliRunner()
# (dotted path, a value the schema must reject)
NEGATIVE = [
    "admin.signboards_per_village",
    "requests.demand_multiplier",
    "admin.hours_per_signboard_per_month",
    "workers.work_team.members_total",
    "township.posts_base",
    "visits.visit_minutes",
    "requests.types.help.rate_per_1000_residents_per_year",
]
SHARES = [
    "world.vulnerable_household_share",
    "workers.work_team.availability",
    "admin.admission_blocked_share",
    "departments.on_time_response_probability",
    "requests.types.help.escalation_probability",
]

bad_values = st.one_of(
    st.tuples(st.sampled_from(NEGATIVE), st.floats(-1e6, -0.001).map(lambda x: f"{x:.3f}")),
    st.tuples(st.sampled_from(SHARES), st.floats(1.001, 50).map(lambda x: f"{x:.3f}")),
    st.tuples(st.sampled_from(NEGATIVE + SHARES), st.sampled_from(["abc", "[1, 2]", "{a: 1}"])),
)


def write_yaml(tmp: Path, path: str, value: str) -> Path:
    """A scenario that extends the baseline and sets one nested field (written as nested YAML)."""
    parts = path.split(".")
    lines = [f"extends: {ROOT / 'scenarios/baseline.yaml'}", "name: bad"]
    for depth, key in enumerate(parts[:-1]):
        lines.append("  " * depth + f"{key}:")
    lines.append("  " * (len(parts) - 1) + f"{parts[-1]}: {value}")
    target = tmp / "bad.yaml"
    target.write_text("\n".join(lines) + "\n")
    return target


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad_values)
def test_invalid_values_exit_2_with_file_line_field_and_write_nothing(tmp_path: Path, bad: tuple[str, str]) -> None:
    path, value = bad
    scenario = write_yaml(tmp_path, path, value)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(scenario), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    message = result.output
    assert "bad.yaml:" in message and path in message
    line = len(path.split(".")) + 2  # the line of the leaf key in the written file
    assert f"bad.yaml:{line}:" in message
    assert "Traceback" not in message
    assert not out.exists() and not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    scenario = write_yaml(tmp_path, "admin.signboard_per_village", "12")
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert "did you mean 'signboards_per_village'" in result.output


def test_bad_set_path_and_bad_cli_values(tmp_path: Path) -> None:
    base = str(ROOT / "scenarios/baseline.yaml")
    for args, expected in [
        (["run", base, "--set", "workers.cadrez=3"], "workers.cadrez"),
        (["run", base, "--set", "novalue"], "path=value"),
        (["run", base, "--warmup-days", "soon"], "--warmup-days"),
        (["run", base, "--replications", "0"], "--replications"),
        (["run", base, "--executor", "cloud"], "--executor"),
        (["run", str(tmp_path / "missing.yaml")], "missing.yaml"),
    ]:
        result = runner.invoke(app, [*args, "--out", str(tmp_path / "o"), "-q"])
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output, (args, result.output)
        assert not (tmp_path / "o").exists()


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    result = runner.invoke(app, ["validate", str(evil)])
    assert result.exit_code == 2
    assert "evil.yaml" in result.output
