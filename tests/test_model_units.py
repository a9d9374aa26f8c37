"""Unit tests of the model's parts, with hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.calendar import Calendar, DutyPlan, cadre_calendar, member_calendar, shift_start
from sim.model.distributions import from_uniform, mean_of
from sim.model.streams import stream
from sim.model.visits import VisitBook
from sim.scenario.params import Distribution, Empirical, Exponential, Fixed, Lognormal, Uniform

PERIODS = ((8.5, 12.0), (14.5, 18.0))


def test_calendar_advance_pauses_overnight() -> None:
    cal = Calendar([True, True, False, True], PERIODS)  # day 2 absent
    assert cal.day_hours == 7.0
    assert cal.advance(9.0, 2.0) == pytest.approx(11.0)
    assert cal.advance(11.0, 2.0) == pytest.approx(15.5)  # 1 h before lunch, 1 h after 14:30
    assert cal.advance(17.0, 2.0) == pytest.approx(24 + 9.5)  # 1 h today, 1 h next morning
    assert cal.advance(24 + 17.0, 2.0) == pytest.approx(3 * 24 + 9.5)  # day 2 absent: resumes day 3
    assert cal.advance(20.0, 1.0) == pytest.approx(24 + 9.5)  # started off duty: waits for 8:30
    assert cal.advance(0.0, 7.0) == pytest.approx(18.0)  # exactly one day ends at 18:00, not next morning


def test_calendar_duty_before_and_next_start() -> None:
    cal = Calendar([True, False, True], PERIODS)
    assert cal.duty_before(10.0) == pytest.approx(1.5)
    assert cal.duty_before(13.0) == pytest.approx(3.5)
    assert cal.duty_before(48.0) == pytest.approx(7.0)
    assert cal.next_duty_start(12.5) == pytest.approx(14.5)
    assert cal.next_duty_start(19.0) == pytest.approx(48 + 8.5)
    assert not cal.on_duty(12.0) and cal.on_duty(14.5) and not cal.on_duty(30.0)
    free, visits = [0.0, 0.0, 0.0], [0, 0, 0]
    cal.add_free_time(10.0, 16.0, 0.75, free, visits)  # 2 h before lunch, 1.5 h after
    assert free == [3.5, 0.0, 0.0] and visits == [2 + 2, 0, 0]  # whole 45-min visits per piece
    cal.add_free_time(40.0, 60.0, 0.75, free, visits)  # day 1 absent: nothing; day 2 08:30-12:00
    assert free == [3.5, 0.0, 3.5] and visits == [4, 0, 4]


@given(st.floats(0, 24 * 20), st.floats(0.01, 40))
def test_advance_inverts_duty_before(t: float, work: float) -> None:
    cal = cadre_calendar(DutyPlan("2021-01-01", 40, PERIODS), 5, 0, 1, 0.5)
    done = cal.advance(t, work)
    assert cal.duty_before(done) - cal.duty_before(t) == pytest.approx(work, abs=1e-9)


def test_apps_time_shifts_the_first_period() -> None:
    assert shift_start(PERIODS, 1.0) == ((9.5, 12.0), (14.5, 18.0))
    assert shift_start(PERIODS, 4.0) == ((12.0, 12.0), (15.0, 18.0))


def test_weekend_roster_and_member_availability() -> None:
    # 2021-01-02 is a Saturday; with 4 cadres and 1 on duty, each cadre covers a quarter of weekend days
    cals = [cadre_calendar(DutyPlan("2021-01-01", 364, PERIODS), 4, i, 1, 0.0) for i in range(4)]
    weekend_days = [d for d in range(364) if (d + 4) % 7 in (5, 6)]  # day 0 is a Friday
    on = [sum(c.present[d] for d in weekend_days) for c in cals]
    assert sum(on) == len(weekend_days) and max(on) - min(on) <= 1
    member = member_calendar(DutyPlan("2021-01-01", 364, PERIODS), 0.6, 0.3, 10, 0.0)
    weekdays_after = sum(1 for d in range(10, 364) if (d + 4) % 7 < 5)
    assert sum(member.present) == pytest.approx(0.6 * weekdays_after, abs=1)
    assert not any(member.present[:10])


def test_visit_book_priorities_and_coverage() -> None:
    book = VisitBook(households=100, vulnerable=10, vulnerable_days=30, ordinary_days=180, revisit_days=30)
    # caught-up start: nothing due yet, coverage full
    assert book.vulnerable_covered() == pytest.approx(10)
    for day in range(30):  # no capacity for a month: every vulnerable household becomes due
        book.allocate(day, 0)
    assert book.vulnerable_covered() == pytest.approx(0, abs=1e-9)
    made = book.allocate(30, 4)  # vulnerable first
    assert made == 4 and book.vul_ring.counts[-1] == 4
    book.start_campaign(31, 5, target=20, vulnerable=False)
    made = book.allocate(31, 25)
    assert made == 25 and book.campaign_left == 0 and book.campaign_done_day == 1


def test_streams_are_independent_and_stable() -> None:
    a = stream(1, 0, 2, 5, "arrivals").random(5)
    assert np.array_equal(a, stream(1, 0, 2, 5, "arrivals").random(5))
    # another purpose, village, replication or seed gives other numbers
    for other in (
        stream(1, 0, 2, 5, "service"),
        stream(1, 0, 2, 6, "arrivals"),
        stream(1, 1, 2, 5, "arrivals"),
        stream(2, 0, 2, 5, "arrivals"),
    ):
        assert not np.array_equal(a, other.random(5))
    # drawing from one stream does not shift another
    s1 = stream(1, 0, 2, 5, "service")
    stream(1, 0, 2, 5, "arrivals").random(1000)
    assert np.array_equal(s1.random(3), stream(1, 0, 2, 5, "service").random(3))


@pytest.mark.parametrize(
    "dist",
    [
        Lognormal(kind="lognormal", mean=2.0, cv=0.5),
        Exponential(kind="exponential", mean=1.5),
        Uniform(kind="uniform", low=1.0, high=5.0),
        Fixed(kind="fixed", mean=0.7),
        Empirical(kind="empirical", values=[1.0, 2.0, 6.0]),
    ],
)
def test_inverse_cdf_sampling_has_the_stated_mean(dist: Distribution) -> None:
    u = np.random.default_rng(3).random(200_000)
    assert from_uniform(dist, u).mean() == pytest.approx(mean_of(dist), rel=0.01)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 10), st.floats(0.05, 2.0))
def test_lognormal_cv(mean: float, cv: float) -> None:
    x = from_uniform(Lognormal(kind="lognormal", mean=mean, cv=cv), np.random.default_rng(0).random(100_000))
    assert x.std() / x.mean() == pytest.approx(cv, rel=0.15)


def test_admin_draws_match_expected_hours_and_levers_only_remove_tasks() -> None:
    """Mean admin hours per working day equal admin_daily_hours(); burden levers drop tasks, never redraw them."""
    from sim.model.admin_tasks import admin_daily_hours, draw_admin
    from sim.scenario.params import ModelParams

    days = 730

    def draw(**admin) -> tuple:
        params = ModelParams.model_validate({"admin": {"year_end_peak_factor": 1.0, **admin}})
        tasks = draw_admin(params, days, lambda purpose: stream(3, 0, 0, 0, purpose))
        return params, tasks

    base_params, base = draw()
    working_days = sum(1 for d in range(days) if (d + 4) % 7 < 5)  # 2021-01-01 is a Friday
    expected = sum(admin_daily_hours(base_params.admin).values())
    assert base.hours.sum() / working_days == pytest.approx(expected, rel=0.03)
    cut_params, cut = draw(signboards_per_village=10, admission_list=True, inspections_retained=0.5)
    assert cut.hours.sum() / working_days == pytest.approx(sum(admin_daily_hours(cut_params.admin).values()), rel=0.04)
    # common random numbers: every signboard task that survives the cut is a baseline task
    base_tasks = set(zip(base.time.round(9), base.hours.round(9), strict=True))
    kept = [
        (t, h) for t, h, due in zip(cut.time.round(9), cut.hours.round(9), cut.due, strict=True) if due - t > 30
    ]  # signboard and temporary tasks (documents are shortened, meetings due at once)
    assert kept and all(task in base_tasks for task in kept)


def test_the_year_end_peak_multiplies_the_signboard_tasks_of_december_only() -> None:
    """Factor 3 triples the expected December count (Poisson, within 4 sd) and leaves the tasks before it as drawn."""
    from sim.model.admin_tasks import WORKING_DAYS_PER_MONTH, draw_admin
    from sim.scenario.params import ModelParams

    days, december = 365, 334  # 2021-01-01 + 334 days = 2021-12-01
    only_signboards = {"documents_per_day": 0.0, "temporary_tasks_per_week": 0.0, "township_meetings_per_week": 0.0}

    def draw(factor: float) -> tuple:
        params = ModelParams.model_validate({"admin": {"year_end_peak_factor": factor, **only_signboards}})
        return params.admin, draw_admin(params, days, lambda purpose: stream(3, 0, 0, 0, purpose))

    admin, flat = draw(1.0)
    _, peaked = draw(3.0)
    start = december * 24.0
    before = flat.time < start
    assert np.array_equal(peaked.time[peaked.time < start], flat.time[before])  # common random numbers
    per_day = admin.signboards_per_village * admin.hours_per_signboard_per_month / WORKING_DAYS_PER_MONTH
    december_working_days = sum(1 for d in range(december, days) if (d + 4) % 7 < 5)  # 2021-01-01 is a Friday
    for factor, tasks in ((1.0, flat), (3.0, peaked)):
        mean = factor * per_day / admin.signboard_task_hours * december_working_days
        assert abs(int((tasks.time >= start).sum()) - mean) < 4 * np.sqrt(mean)


def test_a_fractional_last_signboard_keeps_its_share_of_the_tasks() -> None:
    """2.5 signboards: the tasks of 2, plus about half of the third one's (Poisson mean, within 4 sd)."""
    from sim.model.admin_tasks import WORKING_DAYS_PER_MONTH, draw_admin
    from sim.scenario.params import ModelParams

    days = 730
    only_signboards = {"documents_per_day": 0.0, "temporary_tasks_per_week": 0.0, "township_meetings_per_week": 0.0}

    def draw(count: float) -> tuple:
        admin = {"year_end_peak_factor": 1.0, "signboards_per_village": count, **only_signboards}
        params = ModelParams.model_validate({"admin": admin})
        return params.admin, draw_admin(params, days, lambda purpose: stream(3, 0, 0, 0, purpose))

    admin, half = draw(2.5)
    (_, two), (_, three) = draw(2.0), draw(3.0)
    tasks = {count: set(arrays.time.round(9)) for count, arrays in ((2, two), (2.5, half), (3, three))}
    assert tasks[2] < tasks[2.5] < tasks[3]  # common random numbers: the third signboard is thinned, not redrawn
    working_days = sum(1 for d in range(days) if (d + 4) % 7 < 5)  # 2021-01-01 is a Friday
    per_signboard = admin.hours_per_signboard_per_month / WORKING_DAYS_PER_MONTH / admin.signboard_task_hours
    mean = 0.5 * per_signboard * working_days
    assert abs(len(tasks[2.5]) - len(tasks[2]) - mean) < 4 * np.sqrt(mean)


def test_histogram_rows_count_as_numpy_histogram_does_per_type_and_kind() -> None:
    """The shard's log-bin counts equal ``np.histogram`` with the same edges, group by group.

    Values sit exactly on edges, just above them, below the first, on and beyond the last, and
    non-finite, where a home-made binning goes wrong first.
    """
    import pandas as pd

    from sim.model.outcomes import TIME_METRICS, _histograms
    from sim.model.records import EDGES

    rng = np.random.default_rng(3)
    x = np.concatenate([EDGES, EDGES + 1e-9, [-1.0, np.inf, -np.inf, np.nan, 2e4], rng.lognormal(1, 3, 2000)])
    n = len(x)
    out = pd.DataFrame({"type_index": rng.integers(0, 4, n), "kind": rng.choice(["rural", "urban"], n)})
    for base in TIME_METRICS:
        out[base], out[f"{base}_censored"] = x, rng.permutation(x)
    rows = _histograms(out)
    for (metric, t, kind), got in rows.groupby(["metric", "type_index", "kind"]):
        g = out[(out["type_index"] == t) & (out["kind"] == kind)][metric].to_numpy()
        expected, _ = np.histogram(g[np.isfinite(g)], bins=EDGES)
        assert np.array_equal(got["bin"].to_numpy(), np.nonzero(expected)[0])
        assert np.array_equal(got["count"].to_numpy(), expected[expected > 0])
    assert rows.groupby("metric", sort=False).ngroups == 2 * len(TIME_METRICS)
    inside = int(((x >= 0.0) & (x <= EDGES[-1])).sum())  # NaN compares False: out, as are ±inf
    assert rows["count"].sum() == 2 * len(TIME_METRICS) * inside
