"""Print a comparison folder's key paired differences as a Markdown table (for docs/RESULTS.md).

Usage: python scripts/comparison_markdown.py results/comparisons/<folder>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

METRICS = [
    "first_response_hours_mean",
    "first_response_hours_p90",
    "within_24h_share",
    "resolution_hours_mean",
    "resolution_hours_p90",
    "household_visits_per_day",
    "visits_per_worker_day",
    "vulnerable_coverage_30d",
    "admin_share",
    "resident_trips_per_request",
    "handoffs_per_cross_department_request",
]


def fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) < 1 else f"{x:,.2f}"


def main(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    table = pd.read_csv(folder / "comparison.csv")
    s = manifest["settings"]
    print(
        f"{s['replications']} replications x {s['days']} days (warm-up {s['warmup_days']}), seed {s['seed']}, "
        f"git {str(manifest['git'].get('commit'))[:7]}, wall {manifest['wall_time_s']:.0f} s\n"
    )
    base = table.drop_duplicates("metric").set_index("metric")["base_mean"]
    scenarios = list(dict.fromkeys(table["scenario"]))
    print("| metric | baseline | " + " | ".join(scenarios) + " |")
    print("|---|---:|" + "---:|" * len(scenarios))
    for m in METRICS:
        cells = []
        for sc in scenarios:
            r = table[(table["scenario"] == sc) & (table["metric"] == m)].iloc[0]
            star = "" if r["excludes_zero"] else " (n.s.)"
            cells.append(f"{fmt(r['other_mean'])} ({r['relative_change']:+.0%}){star}")
        print(f"| `{m}` | {fmt(base[m])} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
