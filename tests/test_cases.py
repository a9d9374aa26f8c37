"""Face validity against the source article and DOMAIN.md."""

from __future__ import annotations

import pytest

import sim
from helpers import scenario, small_city


def test_chaoyang_busiest_survey_day_is_about_a_hundred_visits() -> None:
    """Article: 20,000 residents, 10 cadres + team; 'visited 100+ households in its busiest day' of the survey.

    The peak is read from the survey's own days only (from its start until its last household is
    visited). Tolerance: "100+" is a rounded press figure about one day; we accept 75-150 (± 25 %
    observation error on the low side). The model gives about 86 (95 % CI 76-96): within the
    tolerance but below the article, as docs/RESULTS.md says. The week before is reported beside it.
    """
    res = sim.run(scenario("cases/chaoyang.yaml"), executor="serial")
    peak = res.summary["campaign_peak_village_visits_per_day"]
    assert 75 <= peak["mean"] <= 150
    done = res.summary["campaign_completion_days"]["mean"]
    assert 1 <= done <= 30  # the campaign finishes inside its window
    # the survey's days read alone, recomputed here from the daily visit series of this one-village run:
    # each replication's peak is the most visits on a day from the start (day 30) until the survey was done
    daily = res.daily
    for _, rep in res.replications.iterrows():
        days = daily[daily["replication"] == rep["replication"]].set_index("day")["visits"]
        survey = days.loc[30 : 30 + rep["campaign_completion_days"] - 1]
        assert rep["campaign_peak_village_visits_per_day"] == survey.max()
        assert rep["campaign_pre_village_visits_per_day"] == pytest.approx(days.loc[23:29].mean())
    assert done < 10  # the survey takes days, not its 30-day window


def test_baseline_admin_share_is_about_half() -> None:
    """DOMAIN §5: before the reform about 50 % of village workers' time goes to admin."""
    res = sim.run(
        small_city(**{"world.counties": ["Malong", "Luliang"], "run.days": 60, "run.warmup_days": 10}),
        replications=2,
        executor="serial",
    )
    assert 0.45 <= res.summary["admin_share"]["mean"] <= 0.55
    burden = sim.run(
        small_city(
            "burden_down.yaml", **{"world.counties": ["Malong", "Luliang"], "run.days": 60, "run.warmup_days": 10}
        ),
        replications=2,
        executor="serial",
    )
    assert 0.28 <= burden.summary["admin_share"]["mean"] <= 0.36  # DOMAIN §5: ≈ 30-35 % after
