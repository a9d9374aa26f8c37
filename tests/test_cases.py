"""Face validity against the source article and DOMAIN.md."""

from __future__ import annotations

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
    # the survey's days must be read alone: the peak is not the week before (which has weekend days at 0)
    before = res.summary["campaign_pre_village_visits_per_day"]["mean"]
    assert before < peak["mean"]
    # the survey ends when its households are done: the peak is over at most `done` days, not the 30-day window
    assert done < 10


def test_baseline_admin_share_is_about_half() -> None:
    """DOMAIN §5: before the reform about 50 % of village workers' time goes to admin."""
    res = sim.run(small_city(**{"world.counties": ["Malong", "Luliang"], "run.days": 60, "run.warmup_days": 10}),
                  replications=2, executor="serial")
    assert 0.45 <= res.summary["admin_share"]["mean"] <= 0.55
    burden = sim.run(small_city("burden_down.yaml", **{"world.counties": ["Malong", "Luliang"], "run.days": 60,
                                                         "run.warmup_days": 10}), replications=2, executor="serial")
    assert 0.28 <= burden.summary["admin_share"]["mean"] <= 0.36  # DOMAIN §5: ≈ 30-35 % after
