"""Tests for sweep designs (grid, LHS, Morris, Sobol) and their sensitivity analysis."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.experiment.designs import Factor, analyze, main_effects, make_design

UNIT3 = [Factor(f"model.x{i}", low=0.0, high=1.0) for i in (1, 2, 3)]


def _linear(df: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Synthetic model output: a weighted sum of factor columns."""
    return pd.DataFrame({"y": sum(w * df[p].astype(float) for p, w in weights.items())})


def test_factor_validation() -> None:
    with pytest.raises(ValueError):
        Factor("a")
    with pytest.raises(ValueError):
        Factor("a", levels=[1, 2], low=0.0, high=1.0)
    with pytest.raises(ValueError):
        Factor("a", low=2.0, high=1.0)
    with pytest.raises(ValueError):
        Factor("a", low=0.2, high=0.8, integer=True)
    with pytest.raises(ValueError):
        make_design([Factor("a", levels=[1]), Factor("a", levels=[2])], "grid", 2, 0)


def test_grid_is_full_factorial() -> None:
    factors = [
        Factor("policy.mode", levels=["none", "partial", "full"]),
        Factor("admin.reports", levels=[True, False]),
        Factor("work_team.size", low=2.0, high=8.0, integer=True),
        Factor("travel.cv", low=0.1, high=0.5),
    ]
    df = make_design(factors, "grid", 4, seed=0)
    assert len(df) == 3 * 2 * 4 * 4
    assert df["point"].tolist() == list(range(len(df)))
    assert list(df.columns) == ["point", *(f.path for f in factors)]
    assert not df.drop(columns="point").duplicated().any()
    assert sorted(df["work_team.size"].unique()) == [2, 4, 6, 8]
    np.testing.assert_allclose(sorted(df["travel.cv"].unique()), np.linspace(0.1, 0.5, 4))
    # Rounding an integer factor must not create duplicate grid points.
    small = make_design([Factor("k", low=1, high=3, integer=True)], "grid", 7, seed=0)
    assert small["k"].tolist() == [1, 2, 3]


def test_lhs_stratifies_every_dimension() -> None:
    factors = [
        Factor("a", low=-5.0, high=5.0),
        Factor("b", low=100.0, high=200.0),
        Factor("c", low=0, high=1),
    ]
    n = 17
    df = make_design(factors, "lhs", n, seed=42)
    assert len(df) == n
    for f in factors:
        cells = np.floor((df[f.path] - f.low) / (f.high - f.low) * n).astype(int)
        assert sorted(cells) == list(range(n))


def test_designs_are_deterministic_and_respect_types() -> None:
    factors = [
        Factor("p", levels=["a", "b", "c"]),
        Factor("q", low=1.0, high=10.0, integer=True),
        Factor("r", low=0.0, high=2.0),
    ]
    for design, n in (("lhs", 12), ("morris", 5), ("sobol", 16)):
        first = make_design(factors, design, n, seed=5)
        pd.testing.assert_frame_equal(first, make_design(factors, design, n, seed=5))
        assert not first.equals(make_design(factors, design, n, seed=6))
        assert set(first["p"]) <= {"a", "b", "c"}
        assert pd.api.types.is_integer_dtype(first["q"])
        assert first["q"].between(1, 10).all()
        assert first["r"].between(0.0, 2.0).all()
    assert len(make_design(factors, "morris", 5, seed=1)) == 5 * (3 + 1)
    assert len(make_design(factors, "sobol", 16, seed=1)) == 16 * (3 + 2)


def test_integer_lhs_levels_are_equally_likely() -> None:
    df = make_design([Factor("k", low=0, high=3, integer=True)], "lhs", 40, seed=3)
    assert df["k"].value_counts().to_dict() == {0: 10, 1: 10, 2: 10, 3: 10}


def test_morris_ranks_synthetic_function() -> None:
    df = make_design(UNIT3, "morris", 20, seed=11)
    result = analyze(df, UNIT3, "morris", _linear(df, {"model.x1": 10.0, "model.x2": 1.0}), seed=0)
    ranks = result.set_index("factor")["rank"]
    assert ranks["model.x1"] == 1 and ranks["model.x2"] == 2 and ranks["model.x3"] == 3
    mu_star = result.set_index("factor")["mu_star"]
    # Unscaled elementary effects of a linear function on [0, 1] equal its coefficients.
    assert mu_star["model.x1"] == pytest.approx(10.0)
    assert mu_star["model.x3"] == pytest.approx(0.0, abs=1e-12)
    assert {"metric", "factor", "mu_star", "mu_star_conf", "sigma", "rank"} <= set(result.columns)


def test_morris_with_discrete_and_integer_factors() -> None:
    factors = [
        Factor("policy", levels=["off", "on"]),
        Factor("teams", low=1, high=4, integer=True),
        Factor("noise", low=0.0, high=1.0),
    ]
    df = make_design(factors, "morris", 15, seed=2)
    y = 5.0 * (df["policy"] == "on") + 0.5 * df["teams"]
    result = analyze(df, factors, "morris", pd.DataFrame({"y": y}), seed=0).set_index("factor")
    assert result.loc["policy", "rank"] == 1
    assert result.loc["noise", "rank"] == 3
    assert result.loc["noise", "mu_star"] == 0.0


def test_sobol_total_effects_order() -> None:
    factors = UNIT3[:2]
    df = make_design(factors, "sobol", 256, seed=4)
    result = analyze(df, factors, "sobol", _linear(df, {"model.x1": 1.0, "model.x2": 0.1}), seed=0)
    st = result.set_index("factor")
    assert st.loc["model.x1", "ST"] > st.loc["model.x2", "ST"]
    assert st.loc["model.x1", "S1"] == pytest.approx(0.99, abs=0.1)
    assert st.loc["model.x1", "rank"] == 1
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(result.columns)


def test_lhs_regression_analysis_and_replicated_outputs() -> None:
    df = make_design(UNIT3, "lhs", 80, seed=9)
    y = _linear(df, {"model.x1": 3.0, "model.x2": -1.0})["y"]
    # Two replications per point; analysis averages them per point.
    outputs = pd.DataFrame(
        {"point": np.repeat(df["point"], 2), "y": np.repeat(y.to_numpy(), 2) + np.tile([-0.05, 0.05], 80)}
    )
    result = analyze(df, UNIT3, "lhs", outputs, seed=1).set_index("factor")
    assert list(result["rank"]) == [1, 2, 3]
    assert result.loc["model.x1", "src"] > 0 > result.loc["model.x2", "src"]
    assert result.loc["model.x1", "src_ci_low"] <= result.loc["model.x1", "src"]
    assert result.loc["model.x1", "src"] <= result.loc["model.x1", "src_ci_high"]
    assert result.loc["model.x3", "src_ci_low"] < 0 < result.loc["model.x3", "src_ci_high"]
    assert result.loc["model.x1", "main_effect_range"] > result.loc["model.x3", "main_effect_range"]
    again = analyze(df, UNIT3, "lhs", outputs, seed=1).set_index("factor")
    pd.testing.assert_frame_equal(result, again)


def test_grid_analysis_main_effect_range() -> None:
    factors = [Factor("a", levels=[0, 1, 2]), Factor("b", low=0.0, high=1.0)]
    df = make_design(factors, "grid", 3, seed=0)
    outputs = pd.DataFrame({"y": 2.0 * df["a"] + 0.5 * df["b"], "flat": 1.0})
    result = analyze(df, factors, "grid", outputs, seed=0)
    y = result[result["metric"] == "y"].set_index("factor")
    assert y.loc["a", "main_effect_range"] == pytest.approx(4.0)
    assert y.loc["b", "main_effect_range"] == pytest.approx(0.5)
    assert y.loc["a", "rank"] == 1
    flat = result[result["metric"] == "flat"]
    assert flat["src"].isna().all() and flat["rank"].isna().all()


def test_main_effects_table() -> None:
    factors = [Factor("p", levels=["x", "y"]), Factor("c", low=0.0, high=1.0)]
    df = make_design(factors, "lhs", 40, seed=0)
    outputs = pd.DataFrame({"m": np.where(df["p"] == "y", 0.5, 0.0) + 10.0 * df["c"]})
    table = main_effects(df, factors, outputs, bins=4)
    assert list(table.columns) == ["factor", "level", "metric", "mean", "n"]
    p = table[table["factor"] == "p"]
    assert p["level"].tolist() == ["x", "y"]
    assert p["n"].sum() == 40
    c = table[table["factor"] == "c"]
    assert len(c) == 4 and c["n"].tolist() == [10, 10, 10, 10]
    centres = c["level"].astype(float).to_numpy()
    assert np.all(np.diff(centres) > 0) and np.all(np.diff(c["mean"].to_numpy()) > 0)
    assert math.isclose(centres[0], 0.125, abs_tol=0.05)
