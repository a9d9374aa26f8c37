"""Regression check: canonical scenarios at a reduced fixed configuration against committed references.

Two tiers. *Exact*: when the model code is the one that wrote the reference
(same code hash), the same seed must reproduce every number to the last bit —
any difference is a bug in determinism or an unannounced change. *Paired*:
after a code change (new code hash), the current run uses the references'
seeds, so replication r of both meets the same random numbers (common random
numbers). Each metric's per-replication differences get a paired 95 %
t-interval, and the check fails when that interval lies entirely outside
±2 % of the reference: a real shift of 5 % is caught because CRN makes the
paired interval narrow, while a change that only re-draws the random numbers
(a numpy or SimPy upgrade) makes the differences noisy, widens the interval
and passes. ``--update`` rewrites the references and reports what moved, so
the reviewer sees it in the diff.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.jsonable import jsonable
from sim.analysis.metrics import KEY_METRICS
from sim.analysis.stats import paired_difference
from sim.experiment.runner import RunOptions, run
from sim.experiment.tasks import model_code_hash
from sim.scenario.loader import load_scenario

REFERENCE_DIR = Path("results") / "reference"
CITY = {
    "world.counties": ["Malong", "Shizong"],
    "run.days": 90,
    "run.warmup_days": 20,
    "run.replications": 3,
    "run.seed": 2022,
}
CANONICAL: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("baseline.yaml", CITY),
    "staff_down": ("staff_down.yaml", CITY),
    "burden_down": ("burden_down.yaml", CITY),
    "power_down": ("power_down.yaml", CITY),
    "reform_2022": ("reform_2022.yaml", CITY),
    "mmc": ("validation/mmc.yaml", {"run.days": 200, "run.warmup_days": 20, "run.replications": 3, "run.seed": 2022}),
}
CHECKED = [*KEY_METRICS, "resolution_hours_p90", "handoffs_per_cross_department_request", "requests_arrived"]
#: A paired difference must be significantly beyond this share of the reference value to fail.
RELATIVE_ALLOWANCE = 0.02


@dataclass
class CheckOutcome:
    table: pd.DataFrame
    passed: bool
    updated: list[str]


def _run_canonical(
    name: str, scenarios_dir: Path, extra: dict[str, Any] | None, workers: int | None, seed: int | None = None
) -> dict[str, Any]:
    file, config = CANONICAL[name]
    scen = load_scenario(scenarios_dir / file, {**config, **(extra or {})})
    res = run(scen, RunOptions(executor="local", workers=workers, cache_dir=None, seed=seed))
    reps = res.replications.sort_values("replication")
    return {
        "scenario": name,
        "file": f"scenarios/{file}",
        "configuration": config,
        "code_hash": model_code_hash(),
        "metrics": jsonable(
            {
                m: {
                    **{k: res.summary[m][k] for k in ("mean", "ci_low", "ci_high", "std", "n")},
                    "replications": [float(x) for x in reps[m]],
                }
                for m in CHECKED
                if m in res.summary
            }
        ),
    }


def _number(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def paired_verdict(reference: list[float], current: list[float], allowance: float) -> tuple[bool, float, float]:
    """(ok, mean difference, half-width): fails when the paired 95 % interval lies wholly outside ±allowance."""
    d = paired_difference(reference, current)
    low, high = d["ci_low"], d["ci_high"]
    if not (math.isfinite(low) and math.isfinite(high)):  # fewer than two pairs or zero variance
        low = high = d["mean_diff"]
    return not (low > allowance or high < -allowance), float(d["mean_diff"]), float(d["half_width"])


def compare_to_reference(ref: dict[str, Any], cur: dict[str, Any], exact: bool) -> list[dict[str, Any]]:
    rows = []
    tier = "exact" if exact else "paired"
    for metric, r in ref["metrics"].items():
        c = cur["metrics"].get(metric)
        rv, cv = _number(r["mean"]), None if c is None else _number(c["mean"])
        row = {
            "scenario": cur["scenario"],
            "metric": metric,
            "reference": rv,
            "current": cv,
            "difference": None,
            "tolerance": 0.0,
            "tier": tier,
        }
        if rv is None or cv is None:
            rows.append({**row, "status": "ok" if rv is None and cv is None else "FAIL"})
            continue
        if exact:
            rows.append({**row, "difference": cv - rv, "status": "ok" if cv == rv else "FAIL"})
            continue
        allowance = RELATIVE_ALLOWANCE * abs(rv)
        if "replications" not in r:  # a reference written before the paired tier: it must be refreshed
            rows.append({**row, "difference": cv - rv, "status": "FAIL (old reference format)"})
            continue
        ok, diff, half = paired_verdict(r["replications"], c["replications"], allowance)
        rows.append({**row, "difference": diff, "tolerance": allowance + half, "status": "ok" if ok else "FAIL"})
    return rows


def run_check(
    names: list[str] | None = None,
    update: bool = False,
    force_exact: bool = False,
    reference_dir: Path = REFERENCE_DIR,
    scenarios_dir: Path = Path("scenarios"),
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
    seed: int | None = None,
) -> CheckOutcome:
    """Run the canonical scenarios and compare (or, with ``update``, rewrite) the references.

    ``seed`` replaces the canonical seed of the current run (tests use it to stand in for a
    library upgrade that re-draws every random number).
    """
    chosen = names or list(CANONICAL)
    unknown = set(chosen) - set(CANONICAL)
    if unknown:
        raise ValueError(f"unknown canonical scenarios {sorted(unknown)}; expected some of {list(CANONICAL)}")
    rows: list[dict[str, Any]] = []
    updated = []
    for name in chosen:
        current = _run_canonical(name, scenarios_dir, overrides, workers, seed)
        path = reference_dir / f"{name}.json"
        reference = json.loads(path.read_text()) if path.is_file() else None
        if update:
            if reference is not None:
                rows += compare_to_reference(reference, current, exact=reference["code_hash"] == current["code_hash"])
            reference_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(current, indent=2, sort_keys=False) + "\n")
            updated.append(str(path))
            continue
        if reference is None:
            rows.append(
                {
                    "scenario": name,
                    "metric": "(reference missing)",
                    "reference": None,
                    "current": None,
                    "difference": None,
                    "tolerance": 0.0,
                    "tier": "-",
                    "status": "FAIL",
                }
            )
            continue
        exact = force_exact or (reference["code_hash"] == current["code_hash"] and seed is None)
        rows += compare_to_reference(reference, current, exact)
    table = pd.DataFrame(rows)
    passed = update or (bool(len(table)) and bool((table["status"] == "ok").all()))
    return CheckOutcome(table=table, passed=passed, updated=updated)
