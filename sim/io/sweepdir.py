"""The sweep folder: design, one row per point with CIs, sensitivity indices, main effects, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.experiment.sweep import SweepResult
from sim.io import provenance
from sim.io.rundir import atomic_dir, write_json


def write_sweep(
    result: SweepResult,
    base_name: str,
    out: Path,
    command: list[str] | None = None,
    report: Callable[[Path], Any] | None = None,
) -> Path:
    """Write the sweep folder atomically."""
    spec = result.spec
    with atomic_dir(out) as tmp:
        write_json(
            tmp / "manifest.json",
            {
                "kind": "sweep",
                "name": spec.name,
                "base": base_name,
                "design": spec.design,
                "n": spec.n,
                "design_seed": spec.design_seed,
                "factors": [f.model_dump() for f in spec.factors],
                "metrics": spec.metrics,
                "set": spec.set,
                "settings": result.settings,
                "points": len(result.points),
                "packages": provenance.package_versions(),
                "git": provenance.git_state(),
                "platform": provenance.platform_info(),
                "command": command,
            },
        )
        result.design.to_csv(tmp / "design.csv", index=False)
        result.points.to_csv(tmp / "points.csv", index=False)
        result.replications.to_csv(tmp / "replications.csv", index=False)
        result.sensitivity.to_csv(tmp / "sensitivity.csv", index=False)
        result.main_effects.to_csv(tmp / "main_effects.csv", index=False)
        (tmp / "figures").mkdir(exist_ok=True)
        if report is not None:
            report(tmp)
    return out
