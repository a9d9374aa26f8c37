"""Two revisions of the model timed in one run, alternately: "before and after" on equal terms.

Why a separate script: a speed claim about a restructuring ("the named engine is not slower")
compares two versions of the code, and timings taken on different days on a shared VM differ by
more than the effect. This script checks both revisions out into temporary git worktrees and
runs the same workload through each one's Python API (``sim.api.run``, a stable contract since
the first release), alternating them round by round, so that both see the same machine load.
Each run is a fresh subprocess (``PYTHONPATH`` points at its worktree), timed by its own
``time.process_time`` around the ``run`` call only: imports and the compiled engine's build stay
outside the figure. A revision that ships the compiled engine (``sim/native``) is measured twice,
compiled and with ``GRASSROOTS_NATIVE=0``.

Usage::

    python benchmarks/bench_revisions.py --before 2f14420 --after HEAD
    python benchmarks/bench_revisions.py --before 2f14420 --county Malong --days 90 --rounds 2
    python benchmarks/bench_revisions.py ... --json out.json

The table gives each configuration's best and median CPU-s over the rounds, the ratio of the
best to the "before" best, and whether its key metrics equal the first configuration's (a
restructuring that claims unchanged numbers must show them equal).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/baseline.yaml"
COMPARED = ("first_response_hours_mean", "resolution_hours_mean", "household_visits_per_day", "admin_share")

# Runs inside the worktree's interpreter; prints one JSON line.
DRIVER = """
import json, sys, time
import sim.api as api
county, days = sys.argv[1], float(sys.argv[2])
kwargs = dict(replications=1, days=days, warmup_days=0, executor="serial",
              overrides={"world.counties": [county]})
cpu, wall = time.process_time(), time.perf_counter()
res = api.run(sys.argv[3], **kwargs)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
metrics = {k: res.summary[k]["mean"] for k in sys.argv[4].split(",") if k in res.summary}
print(json.dumps({"cpu_s": cpu, "wall_s": wall, "metrics": metrics}))
"""


@dataclass
class Config:
    """One measured configuration: a revision's worktree and the engine it runs."""

    label: str
    tree: Path
    env: dict[str, str]
    cpu_s: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def add_worktree(rev: str, where: Path) -> tuple[Path, str]:
    """A detached worktree of ``rev`` under ``where``; returns it and the full commit id."""
    commit = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True, capture_output=True, text=True)
    sha = commit.stdout.strip()
    tree = where / sha[:10]
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-f", str(tree), sha], cwd=ROOT, check=True, capture_output=True
    )
    return tree, sha


def tree_env(tree: Path, native: bool | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if native is not None:
        env["GRASSROOTS_NATIVE"] = "1" if native else "0"
    return env


def configs_for(rev: str, where: Path) -> list[Config]:
    """The revision's configurations: one, or compiled and interpreted when it has ``sim/native``."""
    tree, sha = add_worktree(rev, where)
    name = rev if sha.startswith(rev) else f"{rev} ({sha[:7]})"
    if not (tree / "sim" / "native").is_dir():
        return [Config(name, tree, tree_env(tree, None))]
    env = tree_env(tree, True)
    subprocess.run([sys.executable, "-m", "sim.native", "build"], cwd=tree, env=env, check=True)
    return [Config(f"{name} compiled", tree, env), Config(f"{name} interpreted", tree, tree_env(tree, False))]


def measure(config: Config, county: str, days: float) -> None:
    args = [sys.executable, "-c", DRIVER, county, str(days), SCENARIO, ",".join(COMPARED)]
    done = subprocess.run(args, cwd=config.tree, env=config.env, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    config.cpu_s.append(result["cpu_s"])
    config.wall_s.append(result["wall_s"])
    config.metrics = result["metrics"]


def table(configs: list[Config]) -> list[dict[str, object]]:
    base = min(configs[0].cpu_s)
    return [
        {
            "configuration": c.label,
            "best_cpu_s": round(min(c.cpu_s), 3),
            "median_cpu_s": round(statistics.median(c.cpu_s), 3),
            "median_wall_s": round(statistics.median(c.wall_s), 3),
            "speed_vs_first": round(base / min(c.cpu_s), 3),
            "same_metrics_as_first": c.metrics == configs[0].metrics,
            "metrics": c.metrics,
        }
        for c in configs
    ]


def print_table(rows: list[dict[str, object]], county: str, days: float, rounds: int) -> None:
    print(f"\n{county}, {days:g} days, one replication, serial; {rounds} alternating rounds")
    print(f"{'configuration':40} {'best CPU-s':>10} {'median':>8} {'wall':>8} {'speed':>7}  same numbers")
    for r in rows:
        print(
            f"{r['configuration']:40} {r['best_cpu_s']:>10.2f} {r['median_cpu_s']:>8.2f} "
            f"{r['median_wall_s']:>8.2f} {r['speed_vs_first']:>6.2f}x  {r['same_metrics_as_first']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="Revision measured first (the reference).")
    parser.add_argument("--after", default="HEAD", help="Revision compared with it (default HEAD).")
    parser.add_argument("--county", default="Luoping", help="County run (default Luoping, the median).")
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="Also write the table as JSON.")
    opts = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-revisions-") as tmp:
            configs = configs_for(opts.before, Path(tmp)) + configs_for(opts.after, Path(tmp))
            for round_no in range(opts.rounds):
                for config in configs if round_no % 2 == 0 else configs[::-1]:
                    measure(config, opts.county, opts.days)
                    print(f"round {round_no + 1}: {config.label}: {config.cpu_s[-1]:.2f} CPU-s", flush=True)
    finally:
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=False)  # the folders are gone
    rows = table(configs)
    print_table(rows, opts.county, opts.days, opts.rounds)
    if opts.json:
        opts.json.write_text(json.dumps({"county": opts.county, "days": opts.days, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
