"""Where tasks run: in this process, in a local process pool, or on a Dask cluster.

Why results cannot depend on the executor: a task carries its own seed and
names its own random streams, and results are gathered by task key, then
combined in a fixed order. The executor only decides where the work happens.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Literal

from sim.experiment.tasks import Task, execute
from sim.model.records import ShardResult

ExecutorName = Literal["serial", "local", "dask"]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_tasks(
    tasks: Sequence[Task], executor: ExecutorName = "local", workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[Task, ShardResult]]:
    """Yield (task, result) as tasks finish; the caller stores and combines them."""
    if not tasks:
        return
    workers = workers or default_workers()
    if executor == "serial" or (executor == "local" and (workers == 1 or len(tasks) == 1)):
        for task in tasks:
            yield task, execute(task)
    elif executor == "local":
        yield from _process_pool(tasks, workers)
    elif executor == "dask":
        yield from _dask(tasks, workers, scheduler)
    else:
        raise ValueError(f"unknown executor {executor!r}; expected serial, local or dask")


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C and SIGTERM to the parent, which stops the pool and keeps finished work."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _process_pool(tasks: Sequence[Task], workers: int) -> Iterator[tuple[Task, ShardResult]]:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    pending: dict[Future, Task] = {}
    try:
        for task in tasks:
            pending[pool.submit(execute, task)] = task
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                task = pending.pop(fut)
                yield task, fut.result()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(tasks: Sequence[Task], workers: int, scheduler: str | None) -> Iterator[tuple[Task, ShardResult]]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # optional extra
        raise RuntimeError("the dask executor needs the optional extra: pip install 'grassroots-sim[dask]'") from exc
    cluster: Callable[[], None] | None = None
    if scheduler:
        client = Client(scheduler)
    else:
        local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(local)
        cluster = local.close
    try:
        futures = client.map(execute, list(tasks), key=[f"shard-{t.key}" for t in tasks], pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for fut in as_completed(futures):
            yield by_key[fut.key], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster()
