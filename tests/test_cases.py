"""Face validity against the source article and DOMAIN.md."""

from __future__ import annotations

import sim
from helpers import scenario, small_city


def test_chaoyang_busiest_survey_day_is_about_a_hundred_visits() -> None:
    """Article: 20,000 residents, 10 cadres + team; 'visited 100+ households in its busiest day'."""
    res = sim.run(scenario("cases/chaoyang.yaml"), executor="serial")
    peak = res.summary["campaign_peak_village_visits_per_day"]
    assert 100 <= peak["mean"] <= 170
    done = res.summary["campaign_completion_days"]["mean"]
    assert 1 <= done <= 30  # the campaign finishes inside its window


def test_baseline_admin_share_is_about_half() -> None:
    """DOMAIN §5: before the reform about 50 % of village workers' time goes to admin."""
    res = sim.run(small_city(**{"world.counties": ["Malong", "Luliang"], "run.days": 60, "run.warmup_days": 10}),
                  replications=2, executor="serial")
    assert 0.45 <= res.summary["admin_share"]["mean"] <= 0.55
    burden = sim.run(small_city("burden_down.yaml", **{"world.counties": ["Malong", "Luliang"], "run.days": 60,
                                                         "run.warmup_days": 10}), replications=2, executor="serial")
    assert 0.28 <= burden.summary["admin_share"]["mean"] <= 0.36  # DOMAIN §5: ≈ 30-35 % after
