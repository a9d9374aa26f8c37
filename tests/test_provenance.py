"""Provenance: the manifest records what made a run, and replays it exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_manifest_is_complete_and_replays_exactly(tmp_path: Path) -> None:
    first = tmp_path / "first"
    r = run_cli(
        "run",
        str(ROOT / "scenarios/burden_down.yaml"),
        "-r",
        "2",
        "--days",
        "20",
        "--warmup-days",
        "5",
        "--seed",
        "77",
        "--set",
        "world.counties=[Malong]",
        "--executor",
        "serial",
        "--cache-dir",
        str(tmp_path / "c1"),
        "--out",
        str(first),
        "-q",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    manifest = json.loads((first / "manifest.json").read_text())
    for key in (
        "scenario",
        "scenario_hash",
        "seeds",
        "packages",
        "git",
        "platform",
        "started_at",
        "wall_time_s",
        "settings",
        "command",
    ):
        assert key in manifest, key
    assert manifest["scenario"]["admin"]["signboards_per_village"] == 10
    assert manifest["scenario"]["world"]["counties"] == ["Malong"]
    assert manifest["seeds"]["base_seed"] == 77 and manifest["settings"]["replications"] == 2
    assert {"commit", "dirty"} <= set(manifest["git"])
    assert manifest["packages"]["simpy"]
    again = tmp_path / "again"
    r = run_cli(
        "run",
        "--from-manifest",
        str(first / "manifest.json"),
        "--executor",
        "local",
        "--workers",
        "2",
        "--cache-dir",
        str(tmp_path / "c2"),
        "--out",
        str(again),
        "-q",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert (first / "replications.csv").read_text() == (again / "replications.csv").read_text()
    assert json.loads((again / "manifest.json").read_text())["scenario_hash"] == manifest["scenario_hash"]


def test_fixed_service_times_give_hand_computed_totals(tmp_path: Path) -> None:
    """One worker always on duty, fixed 15-minute jobs: duty and service hours are exact sums."""
    import sim

    csv = tmp_path / "one.csv"
    csv.write_text("county,township,kind,population,cadres,team_members\nQilin,Qilin-street-1,urban,1000,1,0\n")
    scen = sim.load_scenario(
        ROOT / "scenarios/validation/mmc.yaml",
        {
            "world.villages_csv": str(csv),
            "run.days": 30,
            "run.warmup_days": 0,
            "requests.types.job.rate_per_1000_residents_per_year": 8760.0,  # 1 per hour, utilisation 0.25
            "requests.types.job.effort_hours": {"kind": "fixed", "mean": 0.25},
        },
    )
    res = sim.run(scen, replications=1, executor="serial")
    village = res.tables["by_village_kind"].iloc[0]
    n = res.summary["requests_arrived"]["mean"]
    assert village["duty_h"] == 30 * 24.0
    # every request is served for exactly 0.25 h; only the job running at the horizon is cut short
    assert 0.25 * n - 0.25 <= village["service_h"] <= 0.25 * n
    assert village["idle_h"] == 30 * 24.0 - village["service_h"]
