"""The sweep folder: design, one row per point with CIs, sensitivity indices, main effects, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.experiment.sweep import SweepResult
from sim.io import provenance
from sim.io.rundir import add_report, atomic_dir, write_json

TABLES = ("design", "points", "replications", "sensitivity", "main_effects")


def write_sweep(
    result: SweepResult,
    base_name: str,
    out: Path,
    command: list[str] | None = None,
    report: Callable[[Path], Any] | None = None,
) -> Path:
    """Write the sweep folder atomically."""
    with atomic_dir(out) as tmp:
        write_json(tmp / "manifest.json", sweep_manifest(result, base_name, command))
        for name in TABLES:
            getattr(result, name).to_csv(tmp / f"{name}.csv", index=False)
        add_report(tmp, report)
    return out


def sweep_manifest(result: SweepResult, base_name: str, command: list[str] | None) -> dict[str, Any]:
    """The sweep's design and factors, the runs' settings, and provenance."""
    spec = result.spec
    return {
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
        **provenance.environment(),
        "command": command,
    }
