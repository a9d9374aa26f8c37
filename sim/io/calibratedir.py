"""The calibration folder: targets, every simulated point, the accepted assumption sets, waves, validation."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.experiment.calibrate import CalibrationResult
from sim.io import provenance
from sim.io.rundir import add_report, atomic_dir, write_json

TABLES = ("design", "accepted", "waves", "validation", "candidates")


def write_calibration(
    result: CalibrationResult,
    out: Path,
    source: Path | None = None,
    command: list[str] | None = None,
    report: Callable[[Path], Any] | None = None,
) -> Path:
    """Write the calibration folder atomically; ``accepted.csv`` feeds ``grassroots compare --assumptions``."""
    with atomic_dir(out) as tmp:
        write_json(tmp / "manifest.json", calibration_manifest(result, command))
        if source is not None and source.is_file():
            shutil.copyfile(source, tmp / "targets.yaml")
        for name in TABLES:
            getattr(result, name).to_csv(tmp / f"{name}.csv", index=False)
        add_report(tmp, report)
    return out


def calibration_manifest(result: CalibrationResult, command: list[str] | None) -> dict[str, Any]:
    """The spec, what the calibration found in numbers, the prior box searched, and provenance."""
    spec, box = result.spec, result.box
    return {
        "kind": "calibration",
        "name": spec.name,
        "description": spec.description,
        "spec": spec.model_dump(mode="json"),
        "message": result.message,
        "settings": result.settings,
        "parameters": [
            {"path": p, "low": float(lo), "high": float(hi)}
            for p, lo, hi in zip(box.paths, box.low, box.high, strict=True)
        ],
        "accepted_sets": len(result.accepted),
        "simulated_points": len(result.design),
        **provenance.environment(),
        "command": command,
    }
