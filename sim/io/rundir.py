"""The run folder: manifest, summary, replications, tables, figures, report — written atomically.

Why atomic: an analyst must never find a half-written folder that looks
like a result. Everything is written into a hidden temporary folder beside
the target and renamed into place only when complete; on any error or
interruption the temporary folder is removed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.jsonable import jsonable
from sim.analysis.metrics import KEY_METRICS
from sim.experiment.runner import Results
from sim.io import provenance
from sim.io.eventlog import write_event_log
from sim.model.records import EDGES
from sim.model.streams import PURPOSES

SUMMARY_FIELDS = ("mean", "ci_low", "ci_high", "std", "n")


def default_run_dir(root: Path, name: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{name}-{stamp}"


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``target`` only if the block succeeds."""
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); a run folder reads like the user's other files
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it; it is restored at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def manifest(results: Results, command: list[str] | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything needed to reproduce a run (see ``grassroots run --from-manifest``)."""
    scenario = results.scenario
    resolved = scenario.model_dump(mode="json")
    settings = {k: v for k, v in results.settings.items() if k != "warmup_info"}
    return {
        "kind": "run",
        "scenario_name": scenario.name,
        "scenario": resolved,
        "scenario_hash": provenance.scenario_hash(resolved),
        "settings": settings,
        "warmup": results.settings.get("warmup_info"),
        "seeds": _seeds(results),
        **provenance.environment(),
        "started_at": results.extra.get("started_at"),
        "wall_time_s": results.wall_time_s,
        "cached_tasks": results.cached_tasks,
        "command": command,
        **(extra or {}),
    }


def _seeds(results: Results) -> dict[str, Any]:
    """How every random stream of the run is seeded."""
    return {
        "base_seed": results.settings["seed"],
        "replications": list(range(results.settings["replications"])),
        "streams": list(PURPOSES),
        "world_seed": results.scenario.world.seed,
        "scheme": "SeedSequence(seed, spawn_key=(replication, county, village+1, crc32(purpose)))",
    }


def summary(results: Results) -> dict[str, Any]:
    return {
        "scenario": results.scenario.name,
        "metrics": {k: {f: v[f] for f in SUMMARY_FIELDS} for k, v in results.summary.items()},
        "key_metrics": KEY_METRICS,
        "replications": results.settings["replications"],
        "days": results.settings["days"],
        "warmup_days": results.settings["warmup_days"],
        "drain_days": results.settings.get("drain_days"),
        "estimator": ESTIMATOR,
        "unstable_queues": results.stability.get("unstable_queues", []),
        "coping_queues": results.stability.get("coping_queues", []),
    }


#: How time metrics are estimated (also stated in the report's method section).
ESTIMATOR = (
    "Every request arriving after the warm-up and before the horizon counts. After the horizon no new "
    "request arrives and villages and offices keep working until those requests are resolved (at most "
    "drain_days). Means divide by all of them; a request still open when the drain ends counts with its "
    "age then (the mean is then a lower bound, see open_after_drain_share). Percentiles are Kaplan-Meier "
    "(life-table) estimates with open requests censored; without censoring they are the empirical ones."
)


def write_tables(results: Results, folder: Path) -> None:
    tables = folder / "tables"
    tables.mkdir(exist_ok=True)
    for name, frame in results.tables.items():
        frame.to_csv(tables / f"{name}.csv", index=False)
    results.daily.to_csv(tables / "daily.csv", index=False)
    hist = results.histograms
    type_names = list(results.scenario.requests.types)
    pd.DataFrame(
        {
            "metric": hist["metric"],
            "request_type": [type_names[i] for i in hist["type_index"]],
            "kind": hist["kind"],
            "bin_low_hours": EDGES[hist["bin"].to_numpy()],
            "bin_high_hours": EDGES[hist["bin"].to_numpy() + 1],
            "count": hist["count"],
        }
    ).to_csv(tables / "response_histograms.csv", index=False)


def write_run_files(results: Results, folder: Path, command: list[str] | None = None) -> None:
    """Manifest, summary, replications and tables of one run, into an existing folder."""
    write_json(folder / "manifest.json", manifest(results, command))
    write_json(folder / "summary.json", summary(results))
    results.replications.to_csv(folder / "replications.csv", index=False)
    write_tables(results, folder)
    if results.extra.get("event_log") is not None:  # asked for with --event-log
        write_event_log(results.extra["event_log"], folder)
    if results.extra.get("open_requests") is not None:  # asked for with --export-state
        results.extra["open_requests"].to_csv(folder / "open_requests.csv", index=False)


def write_run(
    results: Results, out: Path, command: list[str] | None = None, report: Callable[[Path], Any] | None = None
) -> Path:
    """Write the run folder for ``results`` at ``out`` (atomically) and return it."""
    with atomic_dir(out) as tmp:
        write_run_files(results, tmp, command)
        add_report(tmp, report)
    return out


def add_report(folder: Path, report: Callable[[Path], Any] | None) -> None:
    """The folder's ``figures`` folder, and its report when a writer for it is given."""
    (folder / "figures").mkdir(exist_ok=True)
    if report is not None:
        report(folder)
