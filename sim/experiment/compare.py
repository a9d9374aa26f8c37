"""Paired comparisons with common random numbers, lever decomposition and marginal values.

Why paired: every scenario runs replication r with the same seed, and every
random draw comes from a stream named by its purpose and place, so a
replication of the reform meets the same residents, requests and luck as the
same replication of the baseline. The difference per replication then varies
far less than either result, and its t-interval is narrow.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import INHERITED_METRICS, KEY_METRICS, METRICS
from sim.analysis.stats import paired_difference
from sim.experiment.runner import Results, RunOptions, run
from sim.scenario.loader import apply_overrides, load_scenario
from sim.scenario.params import Scenario

COMPARED = [*METRICS, "within_time_limit_share", "overtime_hours_per_worker_day", *INHERITED_METRICS]  # inherited: warm
#: Marginal-value levers: (label, path, step). The change is reported per one unit of the lever (step / |step|).
LEVERS = [
    ("+1 worker per village", "workers.extra_workers_per_village", 1),
    ("-1 signboard per village", "admin.signboards_per_village", -2),
    ("+1 delegated item", "delegation.items_delegated", 5),
]


@dataclass
class Comparison:
    """Runs of several scenarios with common random numbers, and their paired differences."""

    base: str
    runs: dict[str, Results]
    table: pd.DataFrame
    decomposition: pd.DataFrame | None = None
    marginal_values: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def paired_table(base: Results, others: dict[str, Results], metrics: list[str] | None = None) -> pd.DataFrame:
    """One row per (scenario, metric): base and other means, paired difference with 95 % CI."""
    rows = []
    b = base.replications.set_index("replication")
    for name, res in others.items():
        o = res.replications.set_index("replication")
        common = b.index.intersection(o.index)
        for metric in metrics or COMPARED:
            if metric in b and metric in o:
                pair = _paired(b.loc[common, metric], o.loc[common, metric])
                rows.append({"scenario": name, "metric": metric, **pair})
    return pd.DataFrame(rows)


def _paired(base: pd.Series, other: pd.Series) -> dict[str, Any]:
    """Both means and the paired difference of one metric over the replications both have."""
    d = paired_difference(base.to_numpy(dtype=float), other.to_numpy(dtype=float))
    return {
        "base_mean": float(base.mean()),
        "other_mean": float(other.mean()),
        "mean_diff": d["mean_diff"],
        "ci_low": d["ci_low"],
        "ci_high": d["ci_high"],
        "relative_change": d["relative_change"],
        "excludes_zero": bool(d["excludes_zero"]),
        "p_value": d["p_value"],
        "n": d["n"],
    }


def compare_scenarios(
    scenarios: list[Scenario],
    options: RunOptions,
    decompose: bool = False,
    marginal: bool = False,
    sources: list[Path] | None = None,
    overrides: list[str] | dict[str, Any] | None = None,
) -> Comparison:
    """Run every scenario with the same seeds; differences are OTHER − BASE."""
    names = _unique_names(scenarios)
    runs: dict[str, Results] = {}
    for name, scen in zip(names, scenarios, strict=True):
        runs[name] = run(scen.model_copy(update={"name": name}), options)
    base = names[0]
    table = paired_table(runs[base], {n: runs[n] for n in names[1:]})
    comp = Comparison(base=base, runs=runs, table=table)
    if decompose:
        if sources is None or len(sources) < 2:
            raise ValueError("--decompose needs the base file and at least one lever file")
        comp.decomposition = decomposition(sources[0], sources[1:], options, runs, overrides)
    if marginal:
        comp.marginal_values = marginal_values(scenarios[0], options, runs[base])
    return comp


def _unique_names(scenarios: list[Scenario]) -> list[str]:
    names: list[str] = []
    for s in scenarios:
        name = s.name
        k = 2
        while name in names:
            name = f"{s.name}-{k}"
            k += 1
        names.append(name)
    return names


def combined_scenario(
    base: Path, levers: list[Path], name: str, overrides: list[str] | dict[str, Any] | None = None
) -> Scenario:
    """The base with several lever files applied (their own `extends: base` merge as a list), then overrides."""
    if not levers:
        return load_scenario(base, overrides).model_copy(update={"name": name})
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "combined.yaml"
        files = ", ".join(f'"{p.resolve()}"' for p in levers)
        spec.write_text(f"extends: [{files}]\nname: {name}\n", encoding="utf-8")
        return load_scenario(spec, overrides)


def decomposition(
    base: Path,
    levers: list[Path],
    options: RunOptions,
    known: dict[str, Results],
    overrides: list[str] | dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Each lever alone, every combination, all together, and the interaction term (all − Σ alone).

    Terms are paired differences against the base, per replication, so each
    term has a CI. ``known`` runs (by name) are reused rather than re-run.
    """
    lever_names = [load_scenario(p, overrides).name for p in levers]
    base_scenario = load_scenario(base, overrides)
    base_run = known.get(base_scenario.name) or run(base_scenario, options)
    effects: dict[str, pd.DataFrame] = {}
    for k in range(1, len(levers) + 1):
        for combo in itertools.combinations(range(len(levers)), k):
            label = "+".join(lever_names[i] for i in combo)
            res = known.get(label) if k == 1 else None
            if res is None:
                res = run(combined_scenario(base, [levers[i] for i in combo], label, overrides), options)
            effects[label] = _per_replication_diff(base_run, res)
    terms = dict(effects)
    if len(levers) > 1:
        terms["interaction"] = effects["+".join(lever_names)] - sum(effects[n] for n in lever_names)
    return pd.DataFrame([row for term, diff in terms.items() for row in _term_rows(term, diff, len(levers))])


def _term_rows(term: str, diff: pd.DataFrame, n_levers: int) -> list[dict[str, Any]]:
    """A term's effect on each metric with its 95 % CI (``diff``: one row per replication)."""
    levers = term.count("+") + 1 if term != "interaction" else n_levers
    rows = []
    for metric in diff.columns:
        d = paired_difference([0.0] * len(diff), diff[metric].to_numpy(dtype=float))
        rows.append(
            {
                "term": term,
                "levers": levers,
                "metric": metric,
                "effect": d["mean_diff"],
                "ci_low": d["ci_low"],
                "ci_high": d["ci_high"],
            }
        )
    return rows


def _per_replication_diff(base: Results, other: Results) -> pd.DataFrame:
    b = base.replications.set_index("replication")
    o = other.replications.set_index("replication")
    cols = [m for m in [*KEY_METRICS, "resolution_hours_p90", "handoffs_per_cross_department_request"] if m in b]
    return (o.loc[b.index, cols] - b[cols]).reset_index(drop=True)


def marginal_values(scenario: Scenario, options: RunOptions, base_run: Results | None = None) -> pd.DataFrame:
    """Change in key metrics per one unit of each lever (finite differences with common random numbers)."""
    base_run = base_run or run(scenario, options)
    rows = []
    for lever in LEVERS:
        label, path, step = lever
        current = _get(scenario, path)
        if step < 0 and current + step < 0:
            continue
        changed = apply_overrides(scenario, {path: type(current)(current + step)})
        res = run(changed.model_copy(update={"name": f"{scenario.name} {label}"}), options)
        rows += _per_unit_rows(lever, _per_replication_diff(base_run, res))
    return pd.DataFrame(rows)


def _per_unit_rows(lever: tuple[str, str, int], diff: pd.DataFrame) -> list[dict[str, Any]]:
    """A lever's change of each metric per one unit of the lever, with its 95 % CI."""
    label, path, step = lever
    rows = []
    for metric in diff.columns:
        d = paired_difference([0.0] * len(diff), diff[metric].to_numpy(dtype=float) / abs(step))
        rows.append(
            {
                "lever": label,
                "path": path,
                "step": step,
                "metric": metric,
                "change_per_unit": d["mean_diff"],
                "ci_low": d["ci_low"],
                "ci_high": d["ci_high"],
            }
        )
    return rows


def _get(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node
