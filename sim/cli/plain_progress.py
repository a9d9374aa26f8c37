"""Progress as plain lines for logs and pipes, with the size of the job and an estimate.

Why: with stderr not a terminal (a CI log, ``nohup``, a pipe) the Rich bar is off, and a
10-minute sweep printed nothing. A line goes out when the job's size is known, after the first
task (an early estimate), then at every 10 % or every 30 s, whichever comes first, with an
estimate of the time left from the measured seconds per finished task.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TextIO

STEP_SHARE = 0.10
STEP_SECONDS = 30.0


def eta_text(done: int, total: int, elapsed: float) -> str:
    """'about 2 min 10 s left' from the measured rate; '' before the first task finishes."""
    if done <= 0 or total <= done:
        return ""
    left = elapsed / done * (total - done)
    minutes, seconds = divmod(round(left), 60)
    return f", about {minutes} min {seconds:02d} s left" if minutes else f", about {seconds} s left"


class PlainProgress:
    """A callable ``(done, total)`` that writes a line now and then to ``stream``."""

    def __init__(
        self,
        label: str,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        step_seconds: float = STEP_SECONDS,
    ) -> None:
        self.label, self.stream, self.clock, self.step_seconds = label, stream, clock, step_seconds
        self.started = clock()
        self.last_time = self.started
        self.last_decile = -1
        self.announced = False
        self.last_done, self.last_total = 0, 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done < self.last_done or total != self.last_total:  # a new phase (e.g. compare's second pass)
            self.started, self.last_time, self.last_decile, self.announced = now, now, -1, False
        self.last_done, self.last_total = done, total
        if not self.announced and total:
            self.stream.write(f"{self.label}: {total} tasks\n")
            self.announced = True
        share = done / total if total else 0.0
        decile = math.floor(share / STEP_SHARE + 1e-9)
        due = decile > self.last_decile or now - self.last_time >= self.step_seconds
        if done and due:
            elapsed = now - self.started
            self.stream.write(
                f"{self.label}: {done}/{total} ({share:.0%}) after {elapsed:.0f} s{eta_text(done, total, elapsed)}\n"
            )
            self.stream.flush()
            self.last_time, self.last_decile = now, decile
