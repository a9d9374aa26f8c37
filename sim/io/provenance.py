"""Provenance stored next to every result: versions, git commit, platform, hashes.

Why: a number without the scenario, seed and code that made it cannot be
trusted or reproduced; ``grassroots run --from-manifest`` replays a run from
this record alone.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.native import state as village_loop_state

PACKAGES = (
    "grassroots-sim",
    "simpy",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "pydantic",
    "ruamel.yaml",
    "SALib",
    "dask",
    "distributed",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages results depend on (those not installed are left out)."""
    versions = {name: _version(name) for name in PACKAGES}
    return {name: v for name, v in versions.items() if v is not None}


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def git_state(path: Path | None = None) -> dict[str, Any]:
    """Commit and dirty flag of the checkout holding the package (None outside git)."""
    where = path or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=where,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def platform_info() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "system": platform.system(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "village_loop": village_loop_state().as_dict(),  # compiled or Python: the same numbers, another speed
    }


def environment() -> dict[str, Any]:
    """The manifest's record of where a result was made: package versions, git state, platform."""
    return {"packages": package_versions(), "git": git_state(), "platform": platform_info()}


def scenario_hash(resolved: dict[str, Any]) -> str:
    """A stable hash of a fully resolved scenario (its JSON with sorted keys)."""
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:16]
