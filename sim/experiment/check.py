"""Regression check: canonical scenarios at a reduced fixed configuration against committed references.

Two tiers. *Exact*: when the model code is the one that wrote the reference
(same code hash), the same seed must reproduce every number to the last bit —
any difference is a bug in determinism or an unannounced change. *Statistical*:
after a deliberate model change (new code hash), each key metric must stay
within its tolerance: the 95 % half-widths of reference and current run
combined, plus a small relative allowance. ``--update`` rewrites the
references and reports what moved, so the reviewer sees it in the diff.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.runner import RunOptions, run
from sim.experiment.tasks import model_code_hash
from sim.results.metrics import KEY_METRICS
from sim.results.rundir import jsonable
from sim.scenario.loader import load_scenario

REFERENCE_DIR = Path("results") / "reference"
CITY = {"world.counties": ["Malong", "Shizong"], "run.days": 90, "run.warmup_days": 20, "run.replications": 3,
        "run.seed": 2022}
CANONICAL: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("baseline.yaml", CITY),
    "staff_down": ("staff_down.yaml", CITY),
    "burden_down": ("burden_down.yaml", CITY),
    "power_down": ("power_down.yaml", CITY),
    "reform_2022": ("reform_2022.yaml", CITY),
    "mmc": ("validation/mmc.yaml", {"run.days": 200, "run.warmup_days": 20, "run.replications": 3, "run.seed": 2022}),
}
CHECKED = [*KEY_METRICS, "resolution_hours_p90", "handoffs_per_cross_department_request", "requests_arrived"]
RELATIVE_ALLOWANCE = 0.02


@dataclass
class CheckOutcome:
    table: pd.DataFrame
    passed: bool
    updated: list[str]


def _run_canonical(name: str, scenarios_dir: Path, extra: dict[str, Any] | None, workers: int | None
                   ) -> dict[str, Any]:
    file, config = CANONICAL[name]
    scen = load_scenario(scenarios_dir / file, {**config, **(extra or {})})
    res = run(scen, RunOptions(executor="local", workers=workers, cache_dir=None))
    return {
        "scenario": name, "file": f"scenarios/{file}", "configuration": config, "code_hash": model_code_hash(),
        "metrics": jsonable({m: {k: res.summary[m][k] for k in ("mean", "ci_low", "ci_high", "std", "n")}
                             for m in CHECKED if m in res.summary}),
    }


def _tolerance(ref: dict[str, Any], cur: dict[str, Any]) -> float:
    def half(m: dict[str, Any]) -> float:
        lo, hi = m.get("ci_low"), m.get("ci_high")
        return 0.0 if lo is None or hi is None or not math.isfinite(hi - lo) else (hi - lo) / 2

    return math.hypot(half(ref), half(cur)) + RELATIVE_ALLOWANCE * abs(ref["mean"] or 0.0)


def _number(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def compare_to_reference(ref: dict[str, Any], cur: dict[str, Any], exact: bool) -> list[dict[str, Any]]:
    rows = []
    for metric, r in ref["metrics"].items():
        c = cur["metrics"].get(metric)
        rv, cv = _number(r["mean"]), None if c is None else _number(c["mean"])
        if rv is None or cv is None:
            same = rv is None and cv is None
            rows.append({"scenario": cur["scenario"], "metric": metric, "reference": rv, "current": cv,
                         "difference": None, "tolerance": 0.0, "tier": "exact" if exact else "statistical",
                         "status": "ok" if same else "FAIL"})
            continue
        diff = cv - rv
        if exact:
            ok, tol = cv == rv, 0.0
        else:
            tol = _tolerance(r, c)
            ok = abs(diff) <= tol
        rows.append({"scenario": cur["scenario"], "metric": metric, "reference": rv, "current": cv,
                     "difference": diff, "tolerance": tol, "tier": "exact" if exact else "statistical",
                     "status": "ok" if ok else "FAIL"})
    return rows


def run_check(names: list[str] | None = None, update: bool = False, force_exact: bool = False,
              reference_dir: Path = REFERENCE_DIR, scenarios_dir: Path = Path("scenarios"),
              overrides: dict[str, Any] | None = None, workers: int | None = None) -> CheckOutcome:
    """Run the canonical scenarios and compare (or, with ``update``, rewrite) the references."""
    chosen = names or list(CANONICAL)
    unknown = set(chosen) - set(CANONICAL)
    if unknown:
        raise ValueError(f"unknown canonical scenarios {sorted(unknown)}; expected some of {list(CANONICAL)}")
    rows: list[dict[str, Any]] = []
    updated = []
    for name in chosen:
        current = _run_canonical(name, scenarios_dir, overrides, workers)
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
            rows.append({"scenario": name, "metric": "(reference missing)", "reference": None, "current": None,
                         "difference": None, "tolerance": 0.0, "tier": "-", "status": "FAIL"})
            continue
        exact = force_exact or reference["code_hash"] == current["code_hash"]
        rows += compare_to_reference(reference, current, exact)
    table = pd.DataFrame(rows)
    passed = update or (bool(len(table)) and bool((table["status"] == "ok").all()))
    return CheckOutcome(table=table, passed=passed, updated=updated)
