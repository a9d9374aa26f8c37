"""Calibration by history matching: it recovers known inputs, leaves uninformed inputs alone, rules out
everything when a target is impossible, and its held-out check can fail."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import ROOT
from sim.analysis.history_matching import Observation, fit_emulator, implausibility, latin_hypercube
from sim.experiment.calibrate import calibrate
from sim.experiment.calibrate_spec import CalibrationSpec, load_targets
from sim.experiment.runner import RunOptions

TRUTH = {"admin.hours_per_signboard_per_month": 9.0, "visits.visit_minutes": 12.0, "township.service_share": 0.1}


def fake(target, a) -> tuple[float, float]:
    """A simulator with a known answer: admin share rises with hours per signboard, visits fall with visit length;
    service_share affects neither. Replication noise of the mean: variance 1e-5 and 1e-3."""
    if target.metric == "admin_share":
        return 0.30 + 0.025 * a["admin.hours_per_signboard_per_month"], 1e-5
    return 60.0 / a["visits.visit_minutes"], 1e-3


def spec(**changes) -> CalibrationSpec:
    admin = fake(type("T", (), {"metric": "admin_share"}), TRUTH)[0]
    visits = fake(type("T", (), {"metric": "visits_per_worker_day"}), TRUTH)[0]
    data = {
        "parameters": list(TRUTH),
        "replications": 1,
        "seed": 3,
        "waves": 3,
        "points_per_wave": 20,
        "candidates": 5000,
        "validation_sets": 5,
        "targets": [
            {
                "name": "admin",
                "role": "calibration",
                "scenario": "scenarios/baseline.yaml",
                "metric": "admin_share",
                "value": admin,
                "sd": 0.01,
                "source": "synthetic",
            },
            {
                "name": "visits",
                "role": "calibration",
                "scenario": "scenarios/baseline.yaml",
                "metric": "visits_per_worker_day",
                "value": visits,
                "sd": 0.1,
                "source": "synthetic",
            },
            {
                "name": "held_out",
                "role": "validation",
                "scenario": "scenarios/baseline.yaml",
                "metric": "visits_per_worker_day",
                "value": visits,
                "sd": 0.1,
                "source": "synthetic",
            },
        ],
    }
    data.update(changes)
    return CalibrationSpec.model_validate(data)


def ranges(result) -> dict[str, tuple[float, float]]:
    return {p: (result.accepted[p].min(), result.accepted[p].max()) for p in TRUTH}


def test_synthetic_recovery_truth_accepted_and_informed_inputs_narrowed() -> None:
    res = calibrate(spec(), simulator=fake, base_dir=ROOT)
    got = ranges(res)
    for path, value in TRUTH.items():
        low, high = got[path]
        assert low <= value <= high, (path, value, got[path])
    # not ruled out: |0.025 x Δhours| ≤ 3 sqrt(0.01² + 1e-5), so hours lie within ± 1.26 of 9 (prior 4-12)
    width = 2 * 3 * np.sqrt(0.01**2 + 1e-5) / 0.025
    hours = got["admin.hours_per_signboard_per_month"]
    assert 0.5 * width <= hours[1] - hours[0] <= width + 1e-9
    assert got["visits.visit_minutes"][1] - got["visits.visit_minutes"][0] < 0.3 * 10  # prior 10-20
    # the uninformative input keeps (almost) its whole prior range 0.05-0.2
    low, high = got["township.service_share"]
    assert high - low > 0.8 * 0.15
    # the prior box shrinks wave by wave, and the held-out target passes
    left = res.waves["share_of_prior_left"].to_numpy()
    assert left[-1] < 0.2 and (np.diff(left) <= 1e-12).all()
    assert bool(res.validation.loc[0, "passed"])


def test_an_impossible_target_rules_out_everything_and_says_so() -> None:
    s = spec()
    far = [t.model_copy(update={"value": 2.0}) if t.name == "admin" else t for t in s.targets]  # a share of 200 %
    res = calibrate(s.model_copy(update={"targets": far}), simulator=fake, base_dir=ROOT)
    assert res.accepted.empty
    assert "ruled out" in res.message


def test_the_held_out_check_fails_when_its_target_is_moved_far_away() -> None:
    s = spec()
    moved = [t.model_copy(update={"value": 3 * t.value}) if t.role == "validation" else t for t in s.targets]
    res = calibrate(s.model_copy(update={"targets": moved}), simulator=fake, base_dir=ROOT)
    assert not res.accepted.empty
    assert not bool(res.validation.loc[0, "passed"])


def test_emulator_reproduces_a_smooth_function_and_knows_its_uncertainty() -> None:
    x = latin_hypercube(30, 2, seed=1)
    y = np.sin(3 * x[:, 0]) + x[:, 1] ** 2
    em = fit_emulator(x, y, np.full(30, 1e-6))
    test = latin_hypercube(200, 2, seed=2)
    mean, var = em.predict(test)
    truth = np.sin(3 * test[:, 0]) + test[:, 1] ** 2
    assert np.sqrt(np.mean((mean - truth) ** 2)) < 0.05
    z = (mean - truth) / np.sqrt(var + 1e-12)
    assert np.mean(np.abs(z) < 3) > 0.9  # its uncertainty covers its errors
    assert implausibility(np.array([1.0]), np.array([0.0]), Observation(1.3, 0.01, 0.0), 0.0)[0] == pytest.approx(3.0)


@pytest.mark.parametrize("name", ["qujing_targets.yaml", "qujing_targets_full.yaml"])
def test_the_shipped_targets_files_load(name: str) -> None:
    parsed, folder = load_targets(ROOT / "scenarios/calibration" / name)
    roles = {t.role for t in parsed.targets}
    assert roles == {"calibration", "validation"}
    for t in parsed.targets:
        assert (folder / t.scenario).is_file() and t.source


def test_the_default_targets_differ_from_the_full_ones_only_in_the_design() -> None:
    quick, _ = load_targets(ROOT / "scenarios/calibration/qujing_targets.yaml")
    full, _ = load_targets(ROOT / "scenarios/calibration/qujing_targets_full.yaml")
    assert quick.targets == full.targets and quick.parameters == full.parameters
    assert quick.points_per_wave * quick.waves < full.points_per_wave * full.waves


@pytest.mark.slow
def test_calibration_runs_the_model_end_to_end(tmp_path) -> None:
    """One small wave on the real model (Malong, 15 days): the plumbing from targets to accepted sets."""
    s = spec(
        waves=1,
        points_per_wave=6,
        candidates=500,
        validation_sets=2,
        configuration={"world.counties": ["Malong"], "run.days": 15, "run.warmup_days": 3},
    )
    res = calibrate(s, RunOptions(executor="serial", cache_dir=tmp_path / "cache"), base_dir=ROOT)
    assert len(res.design) == 6 and np.isfinite(res.design["admin"]).all()
    assert set(res.validation.columns) >= {"observed", "predicted_low", "predicted_high", "passed"}


@pytest.mark.slow
def test_cli_calibrates_and_compares_over_the_accepted_sets(tmp_path) -> None:
    """grassroots calibrate writes accepted.csv and a report; compare --assumptions gives each effect a band."""
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from sim.cli import app

    scen = ROOT / "scenarios"
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"""
name: tiny
parameters: [admin.hours_per_signboard_per_month, township.service_share]
configuration: {{world.counties: [Malong], run.days: 8, run.warmup_days: 2}}
replications: 1
waves: 1
points_per_wave: 4
candidates: 300
validation_sets: 2
targets:
  - {{name: admin, role: calibration, scenario: {scen / "baseline.yaml"}, metric: admin_share, value: 0.5,
     sd: 0.1, source: test}}
  - {{name: escalated, role: validation, scenario: {scen / "baseline.yaml"}, metric: escalated_share,
     value: 0.2, sd: 0.05, source: test}}
""")
    runner = CliRunner()
    cal = tmp_path / "cal"
    r = runner.invoke(
        app,
        [
            "calibrate",
            str(targets),
            "--out",
            str(cal),
            "--executor",
            "serial",
            "-q",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert r.exit_code == 0, r.output
    accepted = pd.read_csv(cal / "accepted.csv")
    assert len(accepted) >= 2 and (cal / "report.html").is_file() and (cal / "validation.csv").is_file()
    assert json.loads((cal / "manifest.json").read_text())["kind"] == "calibration"
    cmp = tmp_path / "cmp"
    r = runner.invoke(
        app,
        [
            "compare",
            str(scen / "baseline.yaml"),
            str(scen / "staff_down.yaml"),
            "--assumptions",
            str(cal / "accepted.csv"),
            "--assumption-sets",
            "2",
            "-r",
            "2",
            "--days",
            "8",
            "--warmup-days",
            "2",
            "--set",
            "world.counties=[Malong]",
            "--executor",
            "serial",
            "--out",
            str(cmp),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert r.exit_code == 0, r.output
    robust = pd.read_csv(cmp / "robustness.csv")
    row = robust[(robust["scenario"] == "staff_down") & (robust["metric"] == "household_visits_per_day")].iloc[0]
    assert row["sets"] == 2 and row["band_low"] <= row["effect"] <= row["band_high"]
    assert bool(row["robust"]) == bool(row["band_low"] > 0)  # visits rise in every set: robust
    per_set = pd.read_csv(cmp / "robustness_per_set.csv")
    assert set(per_set["set"]) == {0, 1}
