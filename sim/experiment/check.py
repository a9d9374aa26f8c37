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


@dataclass(frozen=True)
class CheckRuns:
    """How the current runs of the canonical scenarios are made.

    ``overrides`` go on top of the canonical configuration; ``seed`` replaces the canonical seed
    (tests use it to stand in for a library upgrade that re-draws every random number).
    """

    scenarios_dir: Path = Path("scenarios")
    overrides: dict[str, Any] | None = None
    workers: int | None = None
    seed: int | None = None


def _run_canonical(name: str, runs: CheckRuns) -> dict[str, Any]:
    file, config = CANONICAL[name]
    scen = load_scenario(runs.scenarios_dir / file, {**config, **(runs.overrides or {})})
    res = run(scen, RunOptions(executor="local", workers=runs.workers, cache_dir=None, seed=runs.seed))
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
    """One row per reference metric: both values, the difference, its tolerance, the tier and the status."""
    return [_metric_row(metric, r, cur, exact) for metric, r in ref["metrics"].items()]


def _metric_row(metric: str, r: dict[str, Any], cur: dict[str, Any], exact: bool) -> dict[str, Any]:
    c = cur["metrics"].get(metric)
    rv, cv = _number(r["mean"]), None if c is None else _number(c["mean"])
    row = {
        "scenario": cur["scenario"],
        "metric": metric,
        "reference": rv,
        "current": cv,
        "difference": None,
        "tolerance": 0.0,
        "tier": "exact" if exact else "paired",
    }
    if rv is None or cv is None:
        return {**row, "status": "ok" if rv is None and cv is None else "FAIL"}
    if exact:
        return {**row, "difference": cv - rv, "status": "ok" if cv == rv else "FAIL"}
    allowance = RELATIVE_ALLOWANCE * abs(rv)
    if "replications" not in r:  # a reference written before the paired tier: it must be refreshed
        return {**row, "difference": cv - rv, "status": "FAIL (old reference format)"}
    ok, diff, half = paired_verdict(r["replications"], c["replications"], allowance)
    return {**row, "difference": diff, "tolerance": allowance + half, "status": "ok" if ok else "FAIL"}


def run_check(
    names: list[str] | None = None,
    update: bool = False,
    force_exact: bool = False,
    reference_dir: Path = REFERENCE_DIR,
    runs: CheckRuns = CheckRuns(),
) -> CheckOutcome:
    """Run the canonical scenarios and compare (or, with ``update``, rewrite) the references."""
    chosen = names or list(CANONICAL)
    unknown = set(chosen) - set(CANONICAL)
    if unknown:
        raise ValueError(f"unknown canonical scenarios {sorted(unknown)}; expected some of {list(CANONICAL)}")
    rows: list[dict[str, Any]] = []
    updated = []
    for name in chosen:
        current = _run_canonical(name, runs)
        path = reference_dir / f"{name}.json"
        reference = json.loads(path.read_text()) if path.is_file() else None
        if update:
            rows += _rewrite(path, reference, current)
            updated.append(str(path))
        else:
            rows += _compare(reference, current, force_exact, runs.seed)
    table = pd.DataFrame(rows)
    passed = update or (bool(len(table)) and bool((table["status"] == "ok").all()))
    return CheckOutcome(table=table, passed=passed, updated=updated)


def _rewrite(path: Path, reference: dict[str, Any] | None, current: dict[str, Any]) -> list[dict[str, Any]]:
    """Write the current figures as the reference; the rows say what moved (none for a new reference)."""
    rows = []
    if reference is not None:
        rows = compare_to_reference(reference, current, exact=reference["code_hash"] == current["code_hash"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2, sort_keys=False) + "\n")
    return rows


def _compare(
    reference: dict[str, Any] | None, current: dict[str, Any], force_exact: bool, seed: int | None
) -> list[dict[str, Any]]:
    """The current figures against the reference: exact when forced, or when this code wrote it with these seeds."""
    if reference is None:
        return [
            {
                "scenario": current["scenario"],
                "metric": "(reference missing)",
                "reference": None,
                "current": None,
                "difference": None,
                "tolerance": 0.0,
                "tier": "-",
                "status": "FAIL",
            }
        ]
    exact = force_exact or (reference["code_hash"] == current["code_hash"] and seed is None)
    return compare_to_reference(reference, current, exact)
