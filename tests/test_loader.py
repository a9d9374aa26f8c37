"""Scenario loader: every error names file, line, field and what was expected.

Why these tests: the loader's value is in its error messages and in where it points, so the
assertions check the parts of each :class:`ScenarioError`, not merely that loading fails.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_scenario, scenario_to_yaml
from sim.scenario.params import Scenario


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(path: Path, overrides: list[str] | dict[str, object] | None = None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


# ------------------------------------------------------------------ a) YAML syntax


def test_yaml_syntax_error_names_file_and_parser_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "broken.yaml",
        """
        name: broken
        admin:
          signboards_per_village: [1, 2
          meeting_hours: 3
        """,
    )
    err = load_error(path)
    assert Path(err.file or "").name == "broken.yaml"
    assert err.line == 4
    assert err.message.startswith("invalid YAML: ")
    assert "started on line 3" in err.message
    assert str(err).startswith(f"{path}:4: invalid YAML")


def test_python_object_tag_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "evil.yaml",
        """
        name: evil
        description: !!python/object/apply:os.system ["echo pwned"]
        """,
    )
    err = load_error(path)
    assert (Path(err.file or "").name, err.line) == ("evil.yaml", 2)
    assert "unsupported YAML tag '!!python/object/apply:os.system'" in err.message


def test_duplicate_key_is_a_yaml_error(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", "name: a\nname: b\n")
    err = load_error(path)
    assert err.line == 2
    assert 'invalid YAML: found duplicate key "name"' in err.message


# ------------------------------------------------------------------ b) unknown key


def test_unknown_key_suggests_close_match(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "typo.yaml",
        """
        name: typo
        admin:
          meeting_hours: 2
          signboard_per_village: 12
        """,
    )
    err = load_error(path)
    assert (Path(err.file or "").name, err.line) == ("typo.yaml", 4)
    assert err.field == "admin.signboard_per_village"
    assert err.message == "unknown key 'signboard_per_village'; did you mean 'signboards_per_village'?"
    assert str(err) == (
        f"{path}:4: admin.signboard_per_village: "
        "unknown key 'signboard_per_village'; did you mean 'signboards_per_village'?"
    )


def test_unknown_key_without_close_match_lists_valid_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.yaml", "world:\n  travel:\n    zzz: 1\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, "world.travel.zzz")
    assert "valid keys: rural_visit_travel_minutes, urban_visit_travel_minutes" in err.message


def test_unknown_top_level_key_can_suggest_extends(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, "ext.yaml", "extend: base.yaml\n"))
    assert (err.line, err.field) == (1, "extend")
    assert "did you mean 'extends'?" in err.message


def test_dict_fields_accept_any_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "types.yaml",
        """
        requests:
          types:
            my_new_type:
              rate_per_1000_residents_per_year: 5
              effort_hours: {kind: fixed, mean: 1.5}
        """,
    )
    scenario = load_scenario(path)
    assert list(scenario.requests.types) == ["my_new_type"]
    assert scenario.requests.types["my_new_type"].effort_hours.mean == 1.5


# ------------------------------------------------------------------ c) wrong type


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "types.yaml",
        """
        run:
          days: abc
          replications: 2.5
        requests:
          types:
            help:
              rate_per_1000_residents_per_year: 60
              effort_hours: {mean: 1}
              urgent: maybe
        """,
    )
    err = load_error(path)
    found = {(p.field, p.line, p.message) for p in err.problems}
    assert found == {
        ("run.days", 2, "expected a number, got 'abc'"),
        ("run.replications", 3, "expected a whole number, got 2.5"),
        ("requests.types.help.urgent", 9, "expected true or false, got 'maybe'"),
    }


def test_union_field_lists_both_alternatives(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, "warm.yaml", "run:\n  warmup_days: soon\n"))
    assert (err.field, err.line) == ("run.warmup_days", 2)
    assert err.message == "expected a number or 'auto', got 'soon'"


# ------------------------------------------------------------------ d) impossible value


def test_impossible_values_give_the_bound(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bounds.yaml",
        """
        requests:
          types:
            help:
              rate_per_1000_residents_per_year: -3
              effort_hours: {mean: 1}
              escalation_probability: 1.5
        departments:
          departments:
            - name: civil_affairs
              staff_per_county: -2
        """,
    )
    err = load_error(path)
    found = {(p.field, p.line, p.message) for p in err.problems}
    assert found == {
        ("requests.types.help.rate_per_1000_residents_per_year", 4, "must be ≥ 0, got -3"),
        ("requests.types.help.escalation_probability", 6, "must be ≤ 1, got 1.5"),
        ("departments.departments.0.staff_per_county", 10, "must be ≥ 0, got -2"),
    }


def test_model_validator_message_is_cleaned(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "routes.yaml",
        """
        requests:
          types:
            help:
              rate_per_1000_residents_per_year: 1
              effort_hours: {mean: 1}
              routes: {township: 0.5, department: 0.2}
        """,
    )
    err = load_error(path)
    assert (err.field, err.line) == ("requests.types.help.routes", 6)
    assert err.message == "route shares must sum to 1 (they sum to 0.7)"


def test_three_wrong_fields_are_all_reported_one_per_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "three.yaml",
        """
        admin:
          signboards_per_village: -1
          meeting_hourz: 2
        workers:
          cadre_multiplier: lots
        """,
    )
    err = load_error(path)
    assert [(p.line, p.field) for p in err.problems] == [
        (2, "admin.signboards_per_village"),
        (3, "admin.meeting_hourz"),
        (5, "workers.cadre_multiplier"),
    ]
    lines = str(err).splitlines()
    assert len(lines) == 3
    hint = "unknown key 'meeting_hourz'; did you mean 'meeting_hours'?"
    assert lines[1] == f"{path}:3: admin.meeting_hourz: {hint}"


# ------------------------------------------------------------------ e) missing extends / data files


def test_missing_extends_file_names_the_extends_line(tmp_path: Path) -> None:
    path = write(tmp_path, "child.yaml", "name: child\nextends: nowhere/base.yaml\n")
    err = load_error(path)
    assert (Path(err.file or "").name, err.line, err.field) == ("child.yaml", 2, "extends")
    assert err.message.startswith("file not found: nowhere/base.yaml")


def test_missing_data_file_points_at_the_file_that_set_it(tmp_path: Path) -> None:
    write(tmp_path, "base/base.yaml", "world:\n  seed: 3\n  villages_csv: villages.csv\n")
    child = write(tmp_path, "child.yaml", "extends: base/base.yaml\nname: child\n")
    err = load_error(child)
    assert (Path(err.file or "").name, err.line, err.field) == ("base.yaml", 3, "world.villages_csv")
    assert err.message == f"file not found: {tmp_path / 'base' / 'villages.csv'}"


def test_data_paths_resolve_relative_to_their_file_and_builtin_is_kept(tmp_path: Path) -> None:
    write(tmp_path, "base/villages.csv", "county\n")
    write(tmp_path, "base/base.yaml", "world:\n  villages_csv: villages.csv\n")
    child = write(tmp_path, "child.yaml", "extends: base/base.yaml\n")
    scenario = load_scenario(child)
    assert scenario.world.villages_csv == str(tmp_path / "base" / "villages.csv")
    assert scenario.world.counties_csv == "builtin:qujing_counties.csv"


def test_data_path_from_set_resolves_against_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "data/c.csv", "county\n")
    path = write(tmp_path, "sub/s.yaml", "name: s\n")
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(path, ["world.counties_csv=data/c.csv"])
    assert scenario.world.counties_csv == str(tmp_path / "data" / "c.csv")
    err = load_error(path, ["world.counties_csv=sub/nothing.csv"])
    assert (err.file, err.line, err.field) == ("--set", None, "world.counties_csv")
    assert err.message == f"file not found: {tmp_path / 'sub' / 'nothing.csv'}"


def test_missing_scenario_file(tmp_path: Path) -> None:
    err = load_error(tmp_path / "absent.yaml")
    assert (Path(err.file or "").name, err.message) == ("absent.yaml", "file not found")


# ------------------------------------------------------------------ f) bad --set


def test_set_unknown_path_suggests_schema_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: s\n")
    err = load_error(path, ["workers.work_teams.members_total=3"])
    assert (err.file, err.line, err.field) == ("--set", None, "workers.work_teams.members_total")
    assert err.message == "no field 'workers.work_teams'; did you mean 'workers.work_team'?"
    assert str(err) == f"--set: workers.work_teams.members_total: {err.message}"


def test_set_into_a_scalar_or_list_by_name_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: s\n")
    err = load_error(path, ["run.days.max=3", "workers.duty.periods.first=[8, 9]"])
    assert [p.message for p in err.problems] == [
        "'run.days' is a single value and has no field 'max'",
        "'workers.duty.periods' is a list; expected an integer index, got 'first'",
    ]


def test_malformed_set(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: s\n")
    err = load_error(path, ["run.days", "=3", "run..days=3"])
    messages = [p.message for p in err.problems]
    assert messages[:2] == ["expected path=value, got 'run.days'", "expected path=value, got '=3'"]
    assert messages[2] == "expected a dotted path like 'run.days', got 'run..days'"
    assert all(p.file == "--set" for p in err.problems)


def test_set_value_is_parsed_as_yaml_and_validated(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: s\n")
    scenario = load_scenario(
        path,
        [
            "run.days=30",
            "run.warmup_days=5",
            "workers.work_team.members_total=5147",
            "requests.types.help.urgent=true",
            "workers.duty.periods=[[8,12],[13,17]]",
            "departments.departments.1.staff_per_county=9",
        ],
    )
    assert scenario.run.days == 30
    assert scenario.workers.work_team.members_total == 5147
    assert scenario.workers.duty.periods == [(8, 12), (13, 17)]
    assert scenario.departments.departments[1].staff_per_county == 9
    # Setting one field of a default dict entry keeps the other entries and fields.
    assert scenario.requests.types["help"].urgent is True
    assert scenario.requests.types["help"].rate_per_1000_residents_per_year == 60
    assert len(scenario.requests.types) == 7
    err = load_error(path, ["admin.signboards_per_village=-3"])
    assert (err.file, err.field) == ("--set", "admin.signboards_per_village")
    assert err.message == "must be ≥ 0, got -3"


def test_set_list_index_out_of_range(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, "s.yaml", "name: s\n"), ["departments.departments.7.staff_per_county=1"])
    assert err.field == "departments.departments.7.staff_per_county"
    assert err.message == "index 7 out of range: 'departments.departments' has 7 items"


# ------------------------------------------------------------------ g) not a mapping / empty


def test_top_level_list_is_rejected(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, "list.yaml", "# a comment\n- run\n- world\n"))
    assert (Path(err.file or "").name, err.line) == ("list.yaml", 2)
    assert err.message == "top-level document must be a mapping of keys (such as 'run:'), got a list"


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, "empty.yaml", "# nothing here\n"))
    assert (Path(err.file or "").name, err.line) == ("empty.yaml", None)
    assert err.message.startswith("file is empty; expected a mapping")


# ------------------------------------------------------------------ extends chains


def test_three_file_chain_deep_merges(tmp_path: Path) -> None:
    write(
        tmp_path,
        "grand.yaml",
        """
        name: grand
        admin: {signboards_per_village: 25, meeting_hours: 4}
        workers:
          duty: {periods: [[8, 12], [14, 18]], weekend_on_duty: 2}
        """,
    )
    write(
        tmp_path,
        "parent.yaml",
        """
        extends: grand.yaml
        name: parent
        admin: {meeting_hours: 2}
        workers:
          duty: {periods: [[9, 17]]}
        """,
    )
    child = write(
        tmp_path,
        "child.yaml",
        """
        extends: parent.yaml
        admin: {documents_per_day: 7}
        """,
    )
    scenario = load_scenario(child)
    assert scenario.name == "parent"
    assert (scenario.admin.signboards_per_village, scenario.admin.meeting_hours) == (25, 2)
    assert scenario.admin.documents_per_day == 7
    assert scenario.workers.duty.periods == [(9, 17)]  # lists are replaced wholesale
    assert scenario.workers.duty.weekend_on_duty == 2


def test_error_in_grandparent_reports_that_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "grand.yaml", "name: g\nvisits:\n  visit_minutes: 0\n")
    write(tmp_path, "parent.yaml", "extends: grand.yaml\nname: p\n")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nvisits: {ordinary_interval_days: 90}\n")
    err = load_error(child)
    assert (Path(err.file or "").name, err.line, err.field) == ("grand.yaml", 3, "visits.visit_minutes")
    assert err.message == "must be > 0, got 0"


def test_override_precedence_file_then_child_then_set(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.yaml",
        """
        admin: {signboards_per_village: 10, meeting_hours: 1, document_hours: 1}
        """,
    )
    child = write(
        tmp_path,
        "child.yaml",
        """
        extends: base.yaml
        admin: {meeting_hours: 2, document_hours: 2}
        """,
    )
    scenario = load_scenario(child, ["admin.document_hours=3"])
    assert (scenario.admin.signboards_per_village, scenario.admin.meeting_hours) == (10, 2)
    assert scenario.admin.document_hours == 3
    same = load_scenario(child, {"admin.document_hours": 3.0})
    assert same == scenario


def test_extends_cycle_lists_the_chain(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nextends: c.yaml\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    err = load_error(tmp_path / "a.yaml")
    assert (Path(err.file or "").name, err.line, err.field) == ("c.yaml", 1, "extends")
    names = [Path(part.strip()).name for part in err.message.removeprefix("extends cycle: ").split("->")]
    assert names == ["a.yaml", "b.yaml", "c.yaml", "a.yaml"]


# ------------------------------------------------------------------ Python API and dumps


def test_apply_overrides_on_a_scenario() -> None:
    base = Scenario()
    changed = apply_overrides(base, {"admin.signboards_per_village": 12.5, "requests.types.help.urgent": True})
    assert changed.admin.signboards_per_village == 12.5
    assert changed.requests.types["help"].urgent is True
    assert base.admin.signboards_per_village == 20.0  # the original is untouched
    assert apply_overrides(base, ["run.seed=7"]).run.seed == 7
    with pytest.raises(ScenarioError) as info:
        apply_overrides(base, ["admin.inspection_share=2"])
    assert (info.value.file, info.value.field) == ("--set", "admin.inspection_share")
    assert info.value.message == "must be ≤ 1, got 2"
    with pytest.raises(ScenarioError) as info:
        apply_overrides(base, {"admin.signboard_per_villages": 1})
    assert "did you mean 'admin.signboards_per_village'?" in info.value.message


def test_scenario_to_yaml_round_trips(tmp_path: Path) -> None:
    scenario = apply_overrides(Scenario(), ["visits.campaign={start_day: 3, days: 10}", "run.warmup_days=auto"])
    text = scenario_to_yaml(scenario)
    assert "periods: [[8.5, 12.0], [14.5, 18.0]]" in text
    assert "villages_csv: null" in text
    assert load_scenario(write(tmp_path, "dump.yaml", text)) == scenario


def test_scenario_error_formatting() -> None:
    assert str(ScenarioError("bad", file="a.yaml", line=3, field="run.days")) == "a.yaml:3: run.days: bad"
    assert str(ScenarioError("bad", field="run.days")) == "run.days: bad"
    assert str(ScenarioError("bad", file="a.yaml")) == "a.yaml: bad"
    both = ScenarioError.collect([ScenarioError("x", file="a", line=1), ScenarioError("y", file="a", line=2)])
    assert str(both) == "a:1: x\na:2: y"
    assert (both.line, both.message) == (1, "x")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(min_value=0.0, allow_nan=False, allow_infinity=False))
def test_set_non_negative_float_round_trips_exactly(tmp_path: Path, value: float) -> None:
    path = tmp_path / "prop.yaml"
    if not path.exists():
        path.write_text("name: prop\n", encoding="utf-8")
    scenario = load_scenario(path, [f"admin.signboards_per_village={value!r}"])
    assert scenario.admin.signboards_per_village == value
    assert type(scenario.admin.signboards_per_village) is float
