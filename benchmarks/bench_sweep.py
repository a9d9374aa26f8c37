"""The default Morris sweep, timed end to end as an analyst runs it (``bench.py --sweep``).

Why a separate, opt-in measurement: the issue's sweep target is about the whole command (design,
48 points x 3 replications of the city for 120 days, the pool, the analysis and the report), and
it takes minutes, so the ordinary benchmark run does not pay for it. The command runs in a fresh
subprocess with an empty task cache, so nothing is reused from an earlier run; its CPU time is
the subprocess's and its pool workers' (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import ROOT, Mode

SWEEP = ROOT / "scenarios" / "sweeps" / "morris_assumptions.yaml"
#: Quick mode's smoke version: the shipped design on one county for a few days (not the target).
QUICK_SETTINGS = ("--set", "world.counties=[Malong]", "--days", "40", "--warmup-days", "10", "-r", "1")


def as_shipped(mode: Mode) -> bool:
    """Full mode runs the file as shipped (the target); quick mode a one-county smoke version."""
    return mode.name != "quick"


def sweep_command(out: Path, cache: Path, mode: Mode) -> list[str]:
    """``grassroots sweep`` on the shipped file, into ``out``, with an empty cache; quick mode shrinks it."""
    command = [sys.executable, "-m", "sim", "sweep", str(SWEEP), "--out", str(out), "--cache-dir", str(cache)]
    command += ["--workers", str(mode.workers), "-q"]
    return command + ([] if as_shipped(mode) else list(QUICK_SETTINGS))


def measure_sweep(mode: Mode) -> dict[str, Any]:
    """Wall and CPU time of the sweep command, and what it produced (points, replications)."""
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as scratch:
        out, cache = Path(scratch) / "sweep", Path(scratch) / "cache"
        command = sweep_command(out, cache, mode)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"sweep failed ({' '.join(command)}):\n{proc.stderr[-4000:]}")
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        replications = sum(1 for _ in (out / "replications.csv").open(encoding="utf-8")) - 1
    return {
        "command": " ".join(command[1:]),
        "as_shipped": as_shipped(mode),
        "wall_s": wall,
        "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "points": manifest.get("points"),
        "replication_rows": replications,
    }
