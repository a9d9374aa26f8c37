"""The comparison folder: paired differences, decomposition, marginal values, and each scenario's run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.compare import Comparison
from sim.experiment.robustness import RobustComparison
from sim.io import provenance
from sim.io.rundir import add_report, atomic_dir, write_json, write_run_files


def comparison_json(comp: Comparison) -> dict[str, Any]:
    out: dict[str, Any] = {"base": comp.base, "others": {}}
    for name, g in comp.table.groupby("scenario", sort=False):
        out["others"][name] = {
            row.metric: {
                "base_mean": row.base_mean,
                "other_mean": row.other_mean,
                "mean_diff": row.mean_diff,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "relative_change": row.relative_change,
                "excludes_zero": row.excludes_zero,
                "p_value": row.p_value,
                "n": row.n,
            }
            for row in g.itertuples()
        }
    return out


def write_comparison(
    comp: Comparison,
    out: Path,
    command: list[str] | None = None,
    report: Callable[[Path], Any] | None = None,
    manifest_extra: dict[str, Any] | None = None,
) -> Path:
    """Write the comparison folder atomically."""
    with atomic_dir(out) as tmp:
        write_json(tmp / "manifest.json", comparison_manifest(comp, command, manifest_extra))
        write_json(tmp / "comparison.json", comparison_json(comp))
        comp.table.to_csv(tmp / "comparison.csv", index=False)
        if comp.decomposition is not None:
            comp.decomposition.to_csv(tmp / "decomposition.csv", index=False)
        if comp.marginal_values is not None:
            comp.marginal_values.to_csv(tmp / "marginal_values.csv", index=False)
        for name, res in comp.runs.items():
            folder = tmp / "runs" / name
            folder.mkdir(parents=True)
            write_run_files(res, folder, command)
        add_report(tmp, report)
    return out


def comparison_manifest(
    comp: Comparison, command: list[str] | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The scenarios compared, the base run's settings, every scenario's hash, and provenance."""
    return {
        "kind": "comparison",
        "base": comp.base,
        "scenarios": list(comp.runs),
        "settings": {k: v for k, v in comp.runs[comp.base].settings.items() if k != "warmup_info"},
        "common_random_numbers": True,
        "scenario_hashes": {
            n: provenance.scenario_hash(r.scenario.model_dump(mode="json")) for n, r in comp.runs.items()
        },
        **provenance.environment(),
        "command": command,
        "wall_time_s": sum(r.wall_time_s for r in comp.runs.values()),
        **(extra or {}),
    }


def write_robust_comparison(
    robust: RobustComparison,
    out: Path,
    command: list[str] | None = None,
    report: Callable[[Path], Any] | None = None,
) -> Path:
    """The comparison folder of the first assumption set, plus the effects across all sets.

    ``robustness.csv``: per (scenario, metric) the effect, its stochastic 95 % interval, the 5-95 %
    band across assumption sets and whether its sign is robust; ``robustness_per_set.csv`` and
    ``assumption_sets.csv`` hold what it was computed from.
    """

    def extra(tmp: Path) -> None:
        robust.table.to_csv(tmp / "robustness.csv", index=False)
        robust.per_set.to_csv(tmp / "robustness_per_set.csv", index=False)
        pd.DataFrame(robust.sets).assign(set=range(len(robust.sets))).to_csv(tmp / "assumption_sets.csv", index=False)
        if report is not None:
            report(tmp)

    return write_comparison(
        robust.central, out, command=command, report=extra, manifest_extra={"assumption_sets": len(robust.sets)}
    )
