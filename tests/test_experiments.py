"""The experiment runner: executors agree bit for bit, resume, precision, warm-up, labelled errors, sweeps."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim
from helpers import ROOT, small_city
from sim.analysis.metrics import KEY_METRICS
from sim.analysis.stats import relative_half_width
from sim.experiment import tasks as tk
from sim.experiment.runner import RunOptions, run

TWO_COUNTIES = {"world.counties": ["Malong", "Shizong"], "run.days": 20, "run.warmup_days": 5}


def test_serial_process_pool_and_dask_give_identical_numbers(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    scen = small_city(**TWO_COUNTIES)
    serial = sim.run(scen, replications=2, executor="serial").replications
    pool = sim.run(scen, replications=2, executor="local", workers=2).replications
    dask = sim.run(scen, replications=2, executor="dask", workers=2).replications
    assert serial.equals(pool)
    assert serial.equals(dask)


@pytest.mark.parametrize("sig, executor", [(signal.SIGINT, "serial"), (signal.SIGTERM, "local")])
def test_interrupted_run_leaves_no_folder_and_resumes(tmp_path: Path, sig: int, executor: str) -> None:
    cache, out = tmp_path / "cache", tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "run",
        str(ROOT / "scenarios/baseline.yaml"),
        "-r",
        "3",
        "--executor",
        executor,
        "--workers",
        "2",
        "--set",
        "world.counties=[Malong,Shizong]",
        "--days",
        "80",
        "--warmup-days",
        "10",
        "--cache-dir",
        str(cache),
        "--out",
        str(out),
        "-q",
    ]
    # A shell starts background jobs with SIGINT ignored, and a child inherits that; the run under test
    # must see SIGINT as a terminal's Ctrl-C delivers it, however pytest itself was started.
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while time.time() < deadline and not (cache.exists() and any(p.name[0] != "." for p in cache.iterdir())):
        time.sleep(0.1)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0, "the run finished before the signal reached it"
    assert "interrupted" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]  # no half-written folder
    finished = [p for p in cache.iterdir() if (p / "meta.json").exists()]
    assert 1 <= len(finished) < 6
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cached_tasks"] == len(finished)
    # the resumed run equals a run from scratch
    fresh = run(
        small_city(**{"world.counties": ["Malong", "Shizong"], "run.days": 80}),
        RunOptions(replications=3, warmup_days=10, executor="serial", cache_dir=None),
    )
    resumed = json.loads((out / "summary.json").read_text())["metrics"]
    for m in KEY_METRICS:
        assert resumed[m]["mean"] == pytest.approx(fresh.summary[m]["mean"], rel=1e-12, abs=1e-12)


def test_cache_reuses_finished_tasks(tmp_path: Path) -> None:
    scen = small_city(**{"run.days": 20, "run.warmup_days": 5})
    first = run(scen, RunOptions(replications=2, executor="serial", cache_dir=tmp_path))
    second = run(scen, RunOptions(replications=3, executor="serial", cache_dir=tmp_path))
    assert first.cached_tasks == 0 and second.cached_tasks == 2
    assert second.replications.iloc[:2].equals(first.replications)


def test_precision_stops_at_the_target() -> None:
    scen = small_city(**{"run.days": 30, "run.warmup_days": 5})
    res = run(scen, RunOptions(replications=2, executor="serial", cache_dir=None, precision=0.05, max_replications=12))
    n = res.settings["replications"]
    assert 2 < n <= 12
    widths = [relative_half_width(res.replications[m].to_numpy()) for m in KEY_METRICS]
    assert max(w for w in widths if w == w) <= 0.05


def test_auto_warmup_is_chosen_and_reported() -> None:
    scen = small_city(**{"run.days": 60})
    res = run(scen, RunOptions(replications=1, executor="serial", cache_dir=None, warmup_days="auto"))
    info = res.settings["warmup_info"]
    assert info["method"].startswith("MSER-5")
    assert 0 <= res.settings["warmup_days"] <= 30


def test_task_errors_name_scenario_replication_and_county(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tk, "run_shard", broken)
    scen = small_city(**{"run.days": 10, "run.warmup_days": 2})
    with pytest.raises(tk.TaskError, match=r"scenario 'baseline', replication 0, county Malong failed: .*boom"):
        run(scen, RunOptions(replications=1, executor="serial", cache_dir=None))


def test_sweep_ranks_the_dominant_factor_first(tmp_path: Path) -> None:
    spec = {
        "name": "tiny",
        "base": str(ROOT / "scenarios/baseline.yaml"),
        "design": "morris",
        "n": 3,
        "factors": [
            {"path": "admin.signboards_per_village", "low": 0, "high": 40},
            {"path": "requests.types.dispute.rate_per_1000_residents_per_year", "low": 4, "high": 12},
            {"path": "visits.visit_minutes", "low": 14, "high": 16},
        ],
        "set": {"world.counties": ["Malong"], "run.days": 20, "run.warmup_days": 5, "run.replications": 1},
        "metrics": ["admin_share", "household_visits_per_day"],
    }
    result = sim.sweep(spec, executor="serial")
    ranks = result.sensitivity.set_index(["metric", "factor"])["rank"]
    assert ranks[("admin_share", "admin.signboards_per_village")] == 1
    assert ranks[("household_visits_per_day", "admin.signboards_per_village")] == 1
    assert len(result.points) == 3 * 4  # trajectories x (factors + 1)


def test_cli_compare_and_sweep_write_their_folders(tmp_path: Path) -> None:
    cmp_out = tmp_path / "cmp"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "compare",
            str(ROOT / "scenarios/baseline.yaml"),
            str(ROOT / "scenarios/power_down.yaml"),
            "-r",
            "2",
            "--days",
            "20",
            "--warmup-days",
            "5",
            "--set",
            "world.counties=[Malong]",
            "--executor",
            "serial",
            "--cache-dir",
            str(tmp_path / "c"),
            "--out",
            str(cmp_out),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    for name in (
        "manifest.json",
        "comparison.json",
        "comparison.csv",
        "runs/baseline/summary.json",
        "runs/power_down/replications.csv",
    ):
        assert (cmp_out / name).exists(), name


def test_task_keys_keep_their_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finished tasks in users' caches are found by key, so its content and order may never change.

    The two keys were computed with task_key as it stood before its arguments became a Horizon
    (commit 93c672f: sha256 of the JSON list [params, county, replication, seed, days, warm-up,
    drain, model code hash (, data hash)], first 24 hex digits).
    """
    monkeypatch.setattr(tk, "model_code_hash", lambda: "c0de")
    horizon = tk.Horizon(seed=2022, days=365, warmup_days=30, drain_days=180)
    assert tk.task_key('{"a": 1}', "Malong", 3, horizon) == "9ca10a88bacc046d3272760e"
    assert tk.task_key('{"a": 1}', "Malong", 3, horizon, "d47a") == "8ab3adaf6ed2fad2f5d39acb"
