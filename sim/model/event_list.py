"""A village's future-event list: what happens next, in SimPy's order, without SimPy's objects.

Why not a SimPy environment here: the village loop is driven by callbacks, so all it used of
SimPy was the event heap, and per event it paid for an ``Event`` and a ``Timeout`` object, a
callbacks list, ``schedule`` and ``step`` -- about half of a county-year's time (the profile in
``benchmarks/README.md``). An entry here is a plain tuple ``(time, sequence, kind, a, b)``:
``kind`` says which handler runs and ``a``, ``b`` are its two integers. Times are computed as
``now + delay`` and ties are broken by the order of scheduling, exactly as SimPy does for events
of one priority (every village event is a plain timeout), so the loop takes the same decisions in
the same order as it did under SimPy: tests/test_event_list.py replays one against the other.
The office queues and journeys of the county stage stay SimPy processes.
"""

from __future__ import annotations

from heapq import heappop, heappush


class EventList:
    """Pending events of one loop, earliest first; ``now`` is the time of the last one taken."""

    __slots__ = ("_heap", "now", "scheduled")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, int, int]] = []
        self.now = 0.0
        self.scheduled = 0  # events scheduled so far (SimPy's event counter)

    def schedule(self, delay: float, kind: int, a: int = 0, b: int = 0) -> None:
        """Add an event ``delay`` hours from now; among equal times, earlier scheduled comes first."""
        heappush(self._heap, (self.now + delay, self.scheduled, kind, a, b))
        self.scheduled += 1

    def pop(self) -> tuple[int, int, int]:
        """Take the next event, move ``now`` to its time, and return its (kind, a, b)."""
        if not self._heap:
            raise RuntimeError("no events left before the loop was stopped")
        t, _sequence, kind, a, b = heappop(self._heap)
        self.now = t
        return kind, a, b
