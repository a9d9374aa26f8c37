"""A task = one (scenario, replication, county) shard; its key, its execution, its cache entry.

Why content-addressed keys: a task's key hashes the resolved model
parameters, seed, replication, county, horizon and the model's own source
code, so re-running the same command reuses finished tasks (resume after
Ctrl-C or a crash) and a code change never reuses stale results.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sim.model.initial_state import Backlog, place_backlog
from sim.model.records import ShardResult
from sim.model.shard import RawOutputs, ShardOptions, ShardSpec, run_shard
from sim.model.world import World, build_world
from sim.scenario.keypaths import BUILTIN_PREFIX, read_data_bytes
from sim.scenario.params import ModelParams

TABLES = ("villages", "types", "histograms", "daily", "queues")
OPTIONAL_TABLES = ("inherited",)  # present only in some runs (a warm start)


@dataclass(frozen=True)
class Horizon:
    """The seed and the simulated days every shard of a run shares (part of each task's key)."""

    seed: int
    days: int
    warmup_days: int
    drain_days: int


@dataclass(frozen=True)
class Task:
    """Everything a worker process needs to run one shard (picklable, no live objects)."""

    scenario: str
    params_json: str
    county: int
    county_name: str
    replication: int
    horizon: Horizon
    key: str
    raw: RawOutputs  # per-request outputs (tests, event logs, warm-start tables); never cached

    def label(self) -> str:
        return f"scenario '{self.scenario}', replication {self.replication}, county {self.county_name}"


class TaskError(RuntimeError):
    """A shard failed; the message names the scenario, replication and county."""


@lru_cache(maxsize=1)
def model_code_hash() -> str:
    """Hash of the model's source files: results depend on them."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for sub in ("model", "scenario/params"):
        path = root / sub
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def data_files_hash(params: ModelParams) -> str:
    """Hash of the user's data files the scenario names ("" when it names only built-in ones).

    Why: a task's result depends on those files' contents, which the parameters only name by path;
    an edited villages table or initial state must not be answered from the cache.
    """
    refs = [params.world.counties_csv, params.world.villages_csv, params.initial_state]
    user = [ref for ref in refs if ref is not None and not ref.startswith(BUILTIN_PREFIX)]
    if not user:
        return ""
    h = hashlib.sha256()
    for ref in user:
        h.update(read_data_bytes(ref))
    return h.hexdigest()[:16]


def task_key(params_json: str, county_name: str, replication: int, horizon: Horizon, data_hash: str = "") -> str:
    """The task's cache key: a hash of everything its result depends on (the content and its order never change)."""
    fields = [
        params_json,
        county_name,
        replication,
        horizon.seed,
        horizon.days,
        horizon.warmup_days,
        horizon.drain_days,
        model_code_hash(),
    ]
    payload = json.dumps([*fields, data_hash] if data_hash else fields)  # built-in data only: the keys as before
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


@lru_cache(maxsize=4)
def _world(params_json: str) -> tuple[ModelParams, World, Backlog | None]:
    params = ModelParams.model_validate_json(params_json)
    world = build_world(params)
    return params, world, place_backlog(params, world)


def shard_spec(task: Task) -> ShardSpec:
    """The shard a task runs: its county and replication over its horizon."""
    h = task.horizon
    return ShardSpec(task.county, task.replication, h.seed, h.days, h.warmup_days, h.drain_days)


def execute(task: Task) -> ShardResult:
    """Run one task (in whatever process); errors come back labelled."""
    try:
        params, world, backlog = _world(task.params_json)
        return run_shard(params, world, shard_spec(task), ShardOptions(task.raw, backlog))
    except Exception as exc:  # re-raised with the task's name for the user
        raise TaskError(f"{task.label()} failed: {type(exc).__name__}: {exc}") from exc


# ------------------------------------------------------------------ cache


def save(result: ShardResult, directory: Path) -> None:
    """Write a shard's tables as Parquet, atomically (temp folder, then rename)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory.parent))
    try:
        for name in TABLES + OPTIONAL_TABLES:
            if getattr(result, name) is not None:
                getattr(result, name).to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "meta.json").write_text(json.dumps({"events": result.events, "open_at_horizon": result.open_at_horizon}))
        os.replace(tmp, directory)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not directory.exists():
            raise


def load(directory: Path) -> ShardResult | None:
    """A cached shard, or None when absent or unreadable."""
    if not (directory / "meta.json").is_file():
        return None
    try:
        tables = {name: pd.read_parquet(directory / f"{name}.parquet") for name in TABLES}
        tables |= {
            n: pd.read_parquet(directory / f"{n}.parquet")
            for n in OPTIONAL_TABLES
            if (directory / f"{n}.parquet").is_file()
        }
        meta = json.loads((directory / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    return ShardResult(events=int(meta["events"]), open_at_horizon=int(meta["open_at_horizon"]), **tables)
