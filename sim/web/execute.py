"""Run an explorer request: the scenario (and its comparison base) on the local pool, into a run folder.

Why a folder per request, named by the request's hash: an identical request (same resolved
scenario, base, language and model code) from any session then finds its finished folder and
returns at once, and the views read the same files an analyst downloads. Three layers keep
concurrent sessions and interrupted runs safe, none of them new here:

* each finished county-replication is kept in the runner's task cache (``results/cache``),
  written to a temporary folder and renamed into place, so two sessions running the same tasks
  both end with one complete entry and nobody reads a half-written one;
* the run folder is written by ``sim.io.rundir.write_run`` into a hidden temporary folder and
  renamed only when complete (report included), so a stop or a crash leaves nothing behind;
* when two sessions finish the same request, the second rename finds the folder there and the
  second session simply uses the first one's folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.compare import paired_table
from sim.experiment.runner import Results, RunOptions, run
from sim.experiment.tasks import model_code_hash
from sim.io.rundir import write_run
from sim.model.world import read_counties
from sim.report.labels import Lang
from sim.report.report import build_report
from sim.scenario.loader import scenario_to_yaml
from sim.scenario.params import Scenario

Progress = Callable[[int, int], None]
COMPARISON_FILE = "comparison_vs_base.csv"
REQUEST_FILE = "web_request.json"


@dataclass(frozen=True)
class RunRequest:
    """What the app asks for: a fully resolved scenario, an optional base to compare with, a language."""

    scenario: Scenario
    base: Scenario | None = None
    lang: Lang = "en"
    source: str = ""  # preset file or upload name, for the record
    command: str = ""  # the equivalent `grassroots run` command line

    def key(self) -> str:
        """Hash of everything the results depend on (model code included, so a code change reruns)."""
        parts = [
            self.scenario.model_dump_json(),
            self.base.model_dump_json() if self.base is not None else "",
            self.lang,
            model_code_hash(),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


@dataclass
class RunOutcome:
    """Where the request's run folder is, and whether it was already there."""

    folder: Path
    from_cache: bool
    wall_time_s: float
    results: Results | None = None  # None when the folder came from the cache


def runs_root() -> Path:
    """Where the app writes run folders: ``$GRASSROOTS_WEB_RUNS`` or results/runs/web."""
    return Path(os.environ.get("GRASSROOTS_WEB_RUNS", "results/runs/web"))


def cache_root() -> Path:
    """The runner's task cache, shared with the CLI: ``$GRASSROOTS_WEB_CACHE`` or results/cache."""
    return Path(os.environ.get("GRASSROOTS_WEB_CACHE", "results/cache"))


def folder_for(request: RunRequest, root: Path) -> Path:
    return root / f"{request.scenario.name}-{request.key()}"


def finished(request: RunRequest, root: Path | None = None) -> Path | None:
    """The request's run folder if it is already complete (folders appear only when complete)."""
    target = folder_for(request, root or runs_root())
    return target if (target / "summary.json").is_file() else None


def _tasks_per_run(scenario: Scenario) -> int:
    """County-replications of one run (the runner's unit of work and of its progress)."""
    counties = scenario.world.counties
    n = len(counties) if counties is not None else len(read_counties(scenario.world.counties_csv))
    return n * scenario.world.size_multiplier * scenario.run.replications


@dataclass(frozen=True)
class Pool:
    """How the runner executes the request's tasks: which executor, with how many workers."""

    executor: str = "local"
    workers: int | None = None


def _options(pool: Pool, cache_dir: Path | None, report: Progress) -> RunOptions:
    return RunOptions(
        executor=pool.executor,  # type: ignore[arg-type]
        workers=pool.workers,
        cache_dir=cache_dir if cache_dir is not None else cache_root(),
        progress=report,
    )


def _simulate(
    request: RunRequest, cache_dir: Path | None, progress: Progress | None, pool: Pool
) -> tuple[Results, pd.DataFrame | None]:
    """The scenario's results, then the base's (progress counts the tasks of both) and the paired table."""
    per_run = _tasks_per_run(request.scenario)
    total = per_run * (2 if request.base is not None else 1)

    def reporter(offset: int) -> Progress:
        def report(done: int, _total: int) -> None:
            if progress is not None:
                progress(min(offset + done, total), total)

        return report

    results = run(request.scenario, _options(pool, cache_dir, reporter(0)))
    comparison = None
    if request.base is not None:
        base = run(request.base, _options(pool, cache_dir, reporter(per_run)))
        comparison = paired_table(base, {request.scenario.name: results})
    results.extra["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return results, comparison


def _finisher(request: RunRequest, comparison: pd.DataFrame | None) -> Callable[[Path], None]:
    """What ``write_run`` adds inside the temporary folder: the explorer's extra files, then the report."""

    def finish(folder: Path) -> None:
        if comparison is not None:
            comparison.to_csv(folder / COMPARISON_FILE, index=False)
        (folder / "scenario.yaml").write_text(scenario_to_yaml(request.scenario), encoding="utf-8")
        report = build_report(folder, lang=request.lang)  # report.html, or report.zh.html where so named
        record: dict[str, Any] = {
            "source": request.source,
            "command": request.command,
            "base": request.base.name if request.base is not None else None,
            "lang": request.lang,
            "key": request.key(),
            "report": Path(report).name if report is not None else None,
        }
        (folder / REQUEST_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    return finish


def run_request(
    request: RunRequest,
    root: Path | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    pool: Pool = Pool(),
) -> RunOutcome:
    """Run the request (or find its folder) and return the run folder."""
    started = time.perf_counter()
    target = folder_for(request, root or runs_root())
    if finished(request, root) is not None:
        return RunOutcome(target, True, time.perf_counter() - started)
    results, comparison = _simulate(request, cache_dir, progress, pool)
    command = ["grassroots", "serve", request.command]
    try:
        write_run(results, target, command=command, report=_finisher(request, comparison))
    except OSError:  # another session renamed the same request's folder into place first
        if not (target / "summary.json").is_file():
            raise
    return RunOutcome(target, False, time.perf_counter() - started, results)


class Cancelled(Exception):
    """The session that asked for the run stopped it (Stop, or a new click while running)."""


class BackgroundRun:
    """``run_request`` in a thread, so the Streamlit script can poll it and react to Stop at once.

    Why a thread: Streamlit delivers Stop only when the script calls Streamlit, and a county
    task can take many seconds; the script polls every fraction of a second instead. A cancel
    takes effect when the running tasks finish (the pool is then shut down, pending tasks
    dropped); nothing is written, and the finished tasks stay in the cache. ``lock`` makes runs
    of several sessions take turns on the cores.
    """

    def __init__(
        self,
        request: RunRequest,
        lock: threading.Lock | None = None,
        root: Path | None = None,
        cache_dir: Path | None = None,
        pool: Pool = Pool(),
    ) -> None:
        self.request = request
        self._root, self._cache_dir, self._pool = root, cache_dir, pool  # passed on to run_request
        self.done, self.total = 0, 0
        self.waiting = lock is not None
        self.outcome: RunOutcome | None = None
        self.error: BaseException | None = None
        self._lock = lock
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._work, name="grassroots-web-run", daemon=True)

    def start(self) -> BackgroundRun:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def running(self, wait: float = 0.0) -> bool:
        """Whether the run is still going (after waiting up to ``wait`` seconds)."""
        self._thread.join(wait)
        return self._thread.is_alive()

    def _progress(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled
        self.done, self.total = done, total

    def _work(self) -> None:
        try:
            if self._lock is not None:
                while not self._lock.acquire(timeout=0.2):
                    if self._cancel.is_set():
                        raise Cancelled
            try:
                self.waiting = False
                self._progress(0, 0)
                self.outcome = run_request(self.request, self._root, self._cache_dir, self._progress, self._pool)
            finally:
                if self._lock is not None:
                    self._lock.release()
        except BaseException as exc:  # handed to the polling script, which shows it
            self.error = exc


def report_path(folder: Path) -> Path | None:
    """The folder's report: the one its request recorded, else whichever report file is there."""
    record = folder / REQUEST_FILE
    named = json.loads(record.read_text(encoding="utf-8")).get("report") if record.is_file() else None
    for name in (named, "report.html", "report.zh.html"):
        if name and (folder / name).is_file():
            return folder / name
    return None


def zip_folder(folder: Path) -> bytes:
    """The run folder as a zip archive (in memory: one-county folders are a few MB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, Path(folder.name) / path.relative_to(folder))
    return buffer.getvalue()
