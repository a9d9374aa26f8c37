"""`grassroots check`: passes on main, fails with a readable table when a parameter changes."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT
from sim.experiment.check import CANONICAL, run_check


def test_check_passes_against_committed_references() -> None:
    outcome = run_check(reference_dir=ROOT / "results/reference", scenarios_dir=ROOT / "scenarios")
    assert set(outcome.table["scenario"]) == set(CANONICAL)
    assert outcome.passed, outcome.table[outcome.table["status"] != "ok"].to_string()
    # the same code reproduces the references exactly
    assert (outcome.table["tier"] == "exact").all()


def test_check_fails_readably_when_a_parameter_changes(tmp_path) -> None:
    r = subprocess.run([sys.executable, "-m", "sim", "check", "--scenario", "baseline", "--set",
                        "admin.hours_per_signboard_per_month=10"], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 1
    assert "FAIL" in r.stdout and "admin_share" in r.stdout and "baseline" in r.stdout
    assert "grassroots check --update" in r.stderr


def test_statistical_tier_tolerates_noise_but_not_shifts() -> None:
    from sim.experiment.check import compare_to_reference

    ref = {"scenario": "x", "metrics": {"m": {"mean": 10.0, "ci_low": 9.0, "ci_high": 11.0}}}
    near = {"scenario": "x", "metrics": {"m": {"mean": 10.8, "ci_low": 9.8, "ci_high": 11.8}}}
    far = {"scenario": "x", "metrics": {"m": {"mean": 13.0, "ci_low": 12.0, "ci_high": 14.0}}}
    # tolerance = hypot(1, 1) + 2 % of 10 = 1.614
    assert compare_to_reference(ref, near, exact=False)[0]["status"] == "ok"
    assert compare_to_reference(ref, far, exact=False)[0]["status"] == "FAIL"
    assert compare_to_reference(ref, near, exact=True)[0]["status"] == "FAIL"
