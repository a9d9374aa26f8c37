"""Every assumption has a plausible range (or a stated reason why none applies), and its default lies inside."""

from __future__ import annotations

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
