"""`grassroots check`: passes on main, fails with a readable table when a parameter changes."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT
from sim.experiment.check import CANONICAL, CheckRuns, run_check


def test_check_passes_against_committed_references() -> None:
    outcome = run_check(reference_dir=ROOT / "results/reference", runs=CheckRuns(scenarios_dir=ROOT / "scenarios"))
    assert set(outcome.table["scenario"]) == set(CANONICAL)
    assert outcome.passed, outcome.table[outcome.table["status"] != "ok"].to_string()
    # the same code reproduces the references exactly
    assert (outcome.table["tier"] == "exact").all()


def test_check_fails_readably_when_a_parameter_changes(tmp_path) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "check",
            "--scenario",
            "baseline",
            "--set",
            "admin.hours_per_signboard_per_month=10",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 1
    assert "FAIL" in r.stdout and "admin_share" in r.stdout and "baseline" in r.stdout
    assert "grassroots check --update" in r.stderr


def test_paired_tier_fails_a_five_percent_shift_but_not_redrawn_random_numbers() -> None:
    """The paired tier on real runs: +5 % demand (same seeds) fails; new seeds (a library upgrade) pass.

    Both compare the current code against a reference just written by the same code, forcing the
    paired tier (as after any code change).
    """
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        ref_dir = Path(tmp)
        run_check(["baseline"], update=True, reference_dir=ref_dir, runs=CheckRuns(scenarios_dir=ROOT / "scenarios"))
        path = ref_dir / "baseline.json"
        ref = json.loads(path.read_text())
        ref["code_hash"] = "older-code"  # as if the model had changed since: paired tier
        path.write_text(json.dumps(ref))
        shifted = run_check(
            ["baseline"],
            reference_dir=ref_dir,
            runs=CheckRuns(scenarios_dir=ROOT / "scenarios", overrides={"requests.demand_multiplier": 1.05}),
        )
        failed = set(shifted.table.loc[shifted.table["status"] == "FAIL", "metric"])
        assert "requests_arrived" in failed and not shifted.passed
        assert (shifted.table["tier"] == "paired").all()
        new_seeds = CheckRuns(scenarios_dir=ROOT / "scenarios", seed=777)
        redrawn = run_check(["baseline"], reference_dir=ref_dir, runs=new_seeds)
        assert redrawn.passed, redrawn.table[redrawn.table["status"] != "ok"].to_string()


def test_paired_verdict_by_hand() -> None:
    from sim.experiment.check import paired_verdict

    ref = [10.0, 11.0, 9.0]
    # +5 % in every replication: differences 0.5, 0.55, 0.45 -> interval [0.38, 0.62], beyond the 0.2 allowance
    assert not paired_verdict(ref, [10.5, 11.55, 9.45], 0.2)[0]
    # the same mean shift with independent noise: differences 1.5, -0.45, -0.55 -> interval contains ±0.2
    assert paired_verdict(ref, [11.5, 10.55, 8.45], 0.2)[0]
    # +1 % exactly: inside the allowance
    assert paired_verdict(ref, [10.1, 11.11, 9.09], 0.2)[0]
