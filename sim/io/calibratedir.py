"""The calibration folder: targets, every simulated point, the accepted assumption sets, waves, validation."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.experiment.calibrate import CalibrationResult
from sim.io import provenance
from sim.io.rundir import atomic_dir, write_json


def write_calibration(
    result: CalibrationResult,
    out: Path,
    source: Path | None = None,
    command: list[str] | None = None,
    report: Callable[[Path], Any] | None = None,
) -> Path:
    """Write the calibration folder atomically; ``accepted.csv`` feeds ``grassroots compare --assumptions``."""
    spec, box = result.spec, result.box
    with atomic_dir(out) as tmp:
        write_json(
            tmp / "manifest.json",
            {
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
                "packages": provenance.package_versions(),
                "git": provenance.git_state(),
                "platform": provenance.platform_info(),
                "command": command,
            },
        )
        if source is not None and source.is_file():
            shutil.copyfile(source, tmp / "targets.yaml")
        result.design.to_csv(tmp / "design.csv", index=False)
        result.accepted.to_csv(tmp / "accepted.csv", index=False)
        result.waves.to_csv(tmp / "waves.csv", index=False)
        result.validation.to_csv(tmp / "validation.csv", index=False)
        result.candidates.to_csv(tmp / "candidates.csv", index=False)
        (tmp / "figures").mkdir(exist_ok=True)
        if report is not None:
            report(tmp)
    return out
