"""The village's event list takes events in SimPy's order: the same program gives the same trace.

Why a replay rather than a few hand cases: the village loop's results are bit-identical to the
SimPy version only if every tie (equal times, zero delays, events scheduled while others at the
same instant wait) is broken the same way. A program that schedules from inside its handlers,
with delays chosen to collide, is run on both and the traces compared event by event.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import simpy

from helpers import ROOT
from sim.model.calendar import always_on_calendar
from sim.model.escalation import FIXED_COLUMNS, CountyOffices, CountyStage, Escalated, Journey, run_county_stage
from sim.model.event_list import STOP, CallbackList, EventList
from sim.model.staff_pool import Window
from sim.scenario.loader import load_scenario

#: Delays that make ties: zero, equal sums (0.5 + 0.5 = 1.0), and values that round in floating point.
DELAYS = (0.0, 0.5, 1.0, 0.1, 0.2, 0.30000000000000004, 1.5)
#: Later than any event of a program: at most 400 events in a chain, each at most 1.5 h after its parent.
AFTER_ALL = 1e9


def _program(seed: int, n: int) -> list[tuple[int, list[float]]]:
    """Event i, when handled, schedules the events listed for it (by delay); ids are handed out in order."""
    rng = np.random.default_rng(seed)
    return [(i, [DELAYS[k] for k in rng.integers(0, len(DELAYS), rng.integers(0, 3))]) for i in range(n)]


def _simpy_trace(program: list[tuple[int, list[float]]], roots: int) -> list[tuple[float, int]]:
    env = simpy.Environment()
    trace: list[tuple[float, int]] = []
    next_id = [roots]

    def handle(ev: simpy.events.Event) -> None:
        i: int = ev.value
        trace.append((env.now, i))
        for delay in program[i][1] if i < len(program) else []:
            if next_id[0] < len(program):
                env.timeout(delay, next_id[0]).callbacks.append(handle)
                next_id[0] += 1

    for i in range(roots):
        env.timeout(DELAYS[i % len(DELAYS)], i).callbacks.append(handle)
    env.run()
    return trace


def _event_list_trace(program: list[tuple[int, list[float]]], roots: int) -> tuple[list[tuple[float, int]], int]:
    events = EventList()
    trace: list[tuple[float, int]] = []
    next_id = roots
    for i in range(roots):
        events.schedule(DELAYS[i % len(DELAYS)], 0, i)
    events.schedule(AFTER_ALL, STOP)
    while True:
        kind, i, _b = events.pop()
        if kind == STOP:
            break
        trace.append((events.now, i))
        for delay in program[i][1]:
            if next_id < len(program):
                events.schedule(delay, 0, next_id)
                next_id += 1
    return trace, events.scheduled


def _callback_list_trace(program: list[tuple[int, list[float]]], roots: int) -> list[tuple[float, int]]:
    clock = CallbackList()
    trace: list[tuple[float, int]] = []
    next_id = [roots]

    def handle(i: int) -> None:
        trace.append((clock.now, i))
        for delay in program[i][1]:
            if next_id[0] < len(program):
                j = next_id[0]
                clock.call_in(delay, lambda j=j: handle(j))
                next_id[0] += 1

    for i in range(roots):
        clock.call_in(DELAYS[i % len(DELAYS)], lambda i=i: handle(i))
    clock.call_in(AFTER_ALL, clock.stop)
    clock.run()
    return trace


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_program_gives_simpys_trace(seed: int) -> None:
    program = _program(seed, 400)
    expected = _simpy_trace(program, roots=12)
    got, scheduled = _event_list_trace(program, roots=12)
    assert len(expected) > 100  # the program did branch
    assert got == expected  # same times (bit for bit) and the same order of ties
    assert scheduled == len(expected) + 1  # and the stop
    assert _callback_list_trace(program, roots=12) == expected


def test_a_stop_lets_the_calls_due_now_run_first_as_simpys_until_event_does() -> None:
    """A at 1 stops the run; B (due at 1, scheduled before the stop) still runs, C (scheduled after) does not."""
    env = simpy.Environment()
    until = env.event()
    seen: list[str] = []

    def simpy_a(_ev: simpy.events.Event) -> None:
        seen.append("A")
        until.succeed()
        env.timeout(0.0).callbacks.append(lambda _e: seen.append("C"))

    env.timeout(1.0).callbacks.append(simpy_a)
    env.timeout(1.0).callbacks.append(lambda _e: seen.append("B"))
    env.timeout(2.0).callbacks.append(lambda _e: seen.append("D"))
    env.run(until=until)

    clock = CallbackList()
    ours: list[str] = []

    def a() -> None:
        ours.append("A")
        clock.stop()
        clock.stop()  # a second stop changes nothing
        clock.call_in(0.0, lambda: ours.append("C"))

    clock.call_in(1.0, a)
    clock.call_in(1.0, lambda: ours.append("B"))
    clock.call_in(2.0, lambda: ours.append("D"))
    clock.run()
    assert seen == ["A", "B"] and ours == seen and clock.now == env.now == 1.0

    events = EventList()  # the village's list: the same program with kinds 0 (A), 1 (B), 2 (C), 3 (D)
    events.schedule(1.0, 0)
    events.schedule(1.0, 1)
    events.schedule(2.0, 3)
    taken: list[str] = []
    while (kind := events.pop()[0]) != STOP:
        taken.append("ABCD"[kind])
        if kind == 0:
            events.stop()
            events.stop()
            events.schedule(0.0, 2)
    assert taken == seen and events.now == 1.0
    assert events.scheduled == clock.scheduled == 5  # A, B, D, one stop, C


def test_ties_go_in_the_order_they_were_scheduled_and_times_are_now_plus_delay() -> None:
    events = EventList()
    events.schedule(1.0, 0, 10)
    events.schedule(0.5, 0, 11)
    events.schedule(1.0, 0, 12)
    assert events.pop() == (0, 11, 0) and events.now == 0.5
    events.schedule(0.5, 0, 13)  # 0.5 + 0.5: the same instant as 10 and 12, scheduled after them
    assert [events.pop()[1] for _ in range(3)] == [10, 12, 13]
    events.schedule(0.1, 0, 14)
    events.schedule(0.2, 0, 15)
    events.pop()
    assert events.now == 1.0 + 0.1
    events.pop()
    assert events.now == 1.0 + 0.2  # now + delay, as SimPy computes it, not the "intended" time


def test_taking_from_an_empty_list_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="no events left"):
        EventList().pop()
    with pytest.raises(RuntimeError, match="no calls left"):
        CallbackList().run()


def test_the_county_launcher_starts_a_journey_when_simpys_wait_would_end() -> None:
    """A wait of ``t - now`` ends at ``now + (t - now)``, which can fall one bit short of ``t``.

    The times are such a pair (found by search). A SimPy process that waits for each hand-over
    gives the expected start times; the launcher must start the second journey at the wait's end,
    not wait a second time for the bit it is short.
    """
    first, second = 0.2579690924717717, 34.164417796853165
    assert first + (second - first) < second  # the case this test is about

    env = simpy.Environment()
    expected: list[float] = []

    def simpy_launcher() -> Iterator[simpy.events.Event]:
        for t in (first, second):
            if t > env.now:
                yield env.timeout(t - env.now)
            expected.append(env.now)

    env.process(simpy_launcher())
    env.run()

    started: list[float] = []

    class Recorded(Journey):
        def start(self) -> None:
            started.append(self.stage.clock.now)
            self.stage.journey_finished(self.i)

    stage, esc = _county_stage(np.array([first, second]))
    run_county_stage(stage, esc, Recorded)
    assert started == expected and started[1] < second


def _county_stage(ready: np.ndarray) -> tuple[CountyStage, Escalated]:
    """A county of one township whose escalations are handed over at ``ready`` (their journeys are stubbed)."""
    params = load_scenario(ROOT / "scenarios" / "baseline.yaml").model_params()
    window = Window(0.0, 100.0, 200.0)
    offices = CountyOffices(always_on_calendar(10), [1], [1], 1e5)
    stage = CountyStage(CallbackList(), params, offices, window, np.random.default_rng(0))
    n = len(ready)
    esc = Escalated(
        ready=ready,
        arrival=ready,
        township=np.zeros(n, dtype=int),
        route_shares=np.tile([1.0, 0.0, 0.0], (n, 1)),
        dept_min=np.ones(n, dtype=int),
        dept_max=np.ones(n, dtype=int),
        urgent=np.zeros(n, dtype=bool),
        procedure_factor=np.ones(n),
        uniforms=np.full((n, FIXED_COLUMNS), 0.5),
    )
    return stage, esc
