"""A village's future-event list: what happens next, in SimPy's order, without SimPy's objects.

Why not a SimPy environment here: the village loop is driven by callbacks, so all it used of
SimPy was the event heap, and per event it paid for an ``Event`` and a ``Timeout`` object, a
callbacks list, ``schedule`` and ``step`` -- about half of a county-year's time (the profile in
``benchmarks/README.md``). An entry here is a plain tuple ``(time, sequence, kind, a, b)``:
``kind`` says which handler runs and ``a``, ``b`` are its two integers. Times are computed as
``now + delay`` and ties are broken by the order of scheduling, exactly as SimPy does for events
of one priority (every village event is a plain timeout), so the loop takes the same decisions in
the same order as it did under SimPy: tests/test_event_list.py replays one against the other.

The county stage (office queues, journeys) has its own kind: :class:`CallbackList`, whose
entries are the functions to call, since its steps are many small continuations.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush

Then = Callable[[], None]
#: The kind of :meth:`EventList.stop`'s event (the loop's own kinds are 0 and up).
STOP = -1


class EventList:
    """Pending events of one loop, earliest first; ``now`` is the time of the last one taken."""

    __slots__ = ("_heap", "now", "scheduled", "stopping")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, int, int]] = []
        self.now = 0.0
        self.scheduled = 0  # events scheduled so far, the stop included (SimPy's event counter)
        self.stopping = False

    def schedule(self, delay: float, kind: int, a: int = 0, b: int = 0) -> None:
        """Add an event ``delay`` hours from now; among equal times, earlier scheduled comes first."""
        heappush(self._heap, (self.now + delay, self.scheduled, kind, a, b))
        self.scheduled += 1

    def stop(self) -> None:
        """Schedule a :data:`STOP` event now, behind the events already due now (a second stop changes nothing).

        As when SimPy's ``until`` event succeeds: the loop takes the events due at this instant that
        were scheduled before, then meets the stop.
        """
        if not self.stopping:
            self.stopping = True
            self.schedule(0.0, STOP)

    def pop(self) -> tuple[int, int, int]:
        """Take the next event, move ``now`` to its time, and return its (kind, a, b)."""
        if not self._heap:
            raise RuntimeError("no events left before the loop was stopped")
        t, _sequence, kind, a, b = heappop(self._heap)
        self.now = t
        return kind, a, b


class CallbackList:
    """Pending calls of the county stage, earliest first, in SimPy's order; ``run`` until ``stop``.

    ``stop`` behaves like succeeding SimPy's ``until`` event: calls already due at this instant
    still run, then the loop returns.
    """

    __slots__ = ("_heap", "now", "scheduled", "stopping")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Then | None]] = []
        self.now = 0.0
        self.scheduled = 0  # calls scheduled so far, the stop included (SimPy's event counter)
        self.stopping = False

    def call_in(self, delay: float, then: Then) -> None:
        """Call ``then`` ``delay`` hours from now; among equal times, earlier scheduled first."""
        heappush(self._heap, (self.now + delay, self.scheduled, then))
        self.scheduled += 1

    def stop(self) -> None:
        """End the run once the calls due now have run (a second stop changes nothing)."""
        if not self.stopping:
            self.stopping = True
            heappush(self._heap, (self.now, self.scheduled, None))
            self.scheduled += 1

    def run(self) -> None:
        """Make the calls in order until the stop is reached."""
        heap = self._heap
        while heap:
            t, _sequence, then = heappop(heap)
            self.now = t
            if then is None:
                return
            then()
        raise RuntimeError("no calls left before the loop was stopped")
