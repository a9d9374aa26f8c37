"""Tests for replication statistics: intervals, comparisons, run-length and warm-up detection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from sim.analysis.stats import (
    independent_difference,
    mser,
    paired_difference,
    relative_half_width,
    replications_needed,
    summarise,
    t_interval,
)

SAMPLE = [12.1, 9.8, 11.4, 10.2, 13.0, 10.9, 11.7, 9.5]


def test_t_interval_matches_scipy_by_hand() -> None:
    x = np.array(SAMPLE)
    n = x.size
    mean, sd = x.mean(), x.std(ddof=1)
    low, high = sps.t.interval(0.95, n - 1, loc=mean, scale=sd / math.sqrt(n))
    res = t_interval(SAMPLE)
    assert res["n"] == n
    assert res["mean"] == pytest.approx(mean)
    assert res["std"] == pytest.approx(sd)
    assert res["ci_low"] == pytest.approx(low)
    assert res["ci_high"] == pytest.approx(high)
    assert res["half_width"] == pytest.approx((high - low) / 2)
    narrower = t_interval(SAMPLE, confidence=0.80)
    assert narrower["half_width"] < res["half_width"]


def test_t_interval_ignores_nan_and_degenerates_below_two() -> None:
    with_nan = t_interval([*SAMPLE, float("nan"), float("inf")])
    assert with_nan["n"] == len(SAMPLE)
    assert with_nan["ci_low"] == pytest.approx(t_interval(SAMPLE)["ci_low"])
    one = t_interval([5.0, float("nan")])
    assert one["n"] == 1 and one["mean"] == 5.0
    assert all(math.isnan(one[k]) for k in ("ci_low", "ci_high", "std", "half_width"))
    empty = t_interval([])
    assert empty["n"] == 0 and math.isnan(empty["mean"])
    with pytest.raises(ValueError):
        t_interval(SAMPLE, confidence=1.5)


def test_t_interval_coverage_is_nominal() -> None:
    rng = np.random.default_rng(7)
    true_mean, trials = 3.0, 2000
    samples = rng.normal(true_mean, 2.0, size=(trials, 10))
    covered = 0
    for row in samples:
        res = t_interval(row)
        covered += res["ci_low"] <= true_mean <= res["ci_high"]
    assert 0.93 <= covered / trials <= 0.97


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
    st.floats(-1e3, 1e3, allow_nan=False),
)
def test_t_interval_is_shift_equivariant_and_contains_mean(values: list[float], shift: float) -> None:
    base = t_interval(values)
    moved = t_interval([v + shift for v in values])
    assert base["ci_low"] <= base["mean"] <= base["ci_high"]
    assert moved["half_width"] == pytest.approx(base["half_width"], rel=1e-6, abs=1e-6)
    assert moved["mean"] == pytest.approx(base["mean"] + shift, rel=1e-9, abs=1e-6)


def test_summarise_per_column_skips_identifiers() -> None:
    df = pd.DataFrame({"replication": range(8), "seed": range(100, 108), "backlog": SAMPLE, "hours": np.arange(8.0)})
    table = summarise(df)
    assert set(table) == {"backlog", "hours"}
    assert table["backlog"] == t_interval(SAMPLE)
    assert set(summarise(df, ["hours"])) == {"hours"}
    with pytest.raises(KeyError):
        summarise(df, ["nope"])


def _correlated_pair(seed: int, n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Two scenarios that share a large common component, as common random numbers produce."""
    rng = np.random.default_rng(seed)
    common = rng.normal(100.0, 15.0, n)
    base = common + rng.normal(0.0, 1.0, n)
    other = common + 2.0 + rng.normal(0.0, 1.0, n)
    return base, other


def test_paired_difference_narrower_than_welch_under_crn() -> None:
    base, other = _correlated_pair(1)
    paired = paired_difference(base, other)
    welch = independent_difference(base, other)
    assert paired["mean_diff"] == pytest.approx(welch["mean_diff"])
    assert paired["half_width"] < 0.25 * welch["half_width"]
    assert paired["excludes_zero"] and paired["ci_low"] > 0
    assert not welch["excludes_zero"]
    assert paired["p_value"] == pytest.approx(sps.ttest_rel(other, base).pvalue)
    assert paired["p_value"] < 0.001 < welch["p_value"]
    assert paired["relative_change"] == pytest.approx(paired["mean_diff"] / base.mean())
    assert paired["n"] == 20 and welch["n_base"] == welch["n_other"] == 20


def test_welch_interval_matches_scipy() -> None:
    base, other = _correlated_pair(3)
    res = independent_difference(base, other)
    ref = sps.ttest_ind(other, base, equal_var=False)
    low, high = ref.confidence_interval(0.95)
    assert res["ci_low"] == pytest.approx(low)
    assert res["ci_high"] == pytest.approx(high)
    assert res["p_value"] == pytest.approx(ref.pvalue)


def test_paired_difference_edge_cases() -> None:
    same = paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same["mean_diff"] == 0 and same["p_value"] == 1.0 and not same["excludes_zero"]
    shifted = paired_difference([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert shifted["excludes_zero"] and shifted["p_value"] == 0.0
    zero_base = paired_difference([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    assert math.isnan(zero_base["relative_change"])
    dropped = paired_difference([1.0, float("nan"), 3.0, 4.0], [2.0, 5.0, 4.0, 5.5])
    assert dropped["n"] == 3
    with pytest.raises(ValueError):
        paired_difference([1.0, 2.0], [1.0])


def test_relative_half_width_and_replications_needed() -> None:
    rhw = relative_half_width(SAMPLE)
    assert rhw == pytest.approx(t_interval(SAMPLE)["half_width"] / np.mean(SAMPLE))
    assert relative_half_width([1.0]) == math.inf
    assert relative_half_width([-1.0, 1.0]) == math.inf
    n = len(SAMPLE)
    # Halving the half width needs about four times the replications.
    assert replications_needed(SAMPLE, rhw / 2) == math.ceil(n * 4)
    assert replications_needed(SAMPLE, rhw * 10) == n
    with pytest.raises(ValueError):
        replications_needed([1.0], 0.05)
    with pytest.raises(ValueError):
        replications_needed(SAMPLE, 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_mser_finds_known_transient(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(1000)
    series = 10.0 * np.exp(-t / 20.0) + rng.normal(0.0, 1.0, t.size)
    res = mser(series)
    assert 30 <= res["truncation_index"] <= 120
    assert res["truncation_index"] % 5 == 0
    assert res["batches"] == 200
    assert len(res["statistic"]) == 101
    assert res["statistic"][res["truncation_batches"]] == res["statistic"].min()


def test_mser_near_zero_for_stationary_series() -> None:
    truncations = [mser(np.random.default_rng(s).normal(5.0, 1.0, 1000))["truncation_index"] for s in range(20)]
    assert np.median(truncations) <= 5
    assert max(truncations) <= 100


def test_mser_statistic_matches_definition() -> None:
    y = np.random.default_rng(0).normal(size=53)
    res = mser(y, batch_size=5)
    means = y[:50].reshape(10, 5).mean(axis=1)
    expected = [((means[d:] - means[d:].mean()) ** 2).sum() / (10 - d) ** 2 for d in range(6)]
    np.testing.assert_allclose(res["statistic"], expected)
    with pytest.raises(ValueError):
        mser([1.0, 2.0, 3.0], batch_size=5)
    with pytest.raises(ValueError):
        mser([1.0, float("nan")] * 10)
