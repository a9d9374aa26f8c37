"""The village's event list takes events in SimPy's order: the same program gives the same trace.

Why a replay rather than a few hand cases: the village loop's results are bit-identical to the
SimPy version only if every tie (equal times, zero delays, events scheduled while others at the
same instant wait) is broken the same way. A program that schedules from inside its handlers,
with delays chosen to collide, is run on both and the traces compared event by event.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.model.event_list import CallbackList, EventList

#: Delays that make ties: zero, equal sums (0.5 + 0.5 = 1.0), and values that round in floating point.
DELAYS = (0.0, 0.5, 1.0, 0.1, 0.2, 0.30000000000000004, 1.5)


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
    while events._heap:
        _kind, i, _b = events.pop()
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
    clock.call_in(1e9, clock.stop)
    clock.run()
    return trace


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_program_gives_simpys_trace(seed: int) -> None:
    program = _program(seed, 400)
    expected = _simpy_trace(program, roots=12)
    got, scheduled = _event_list_trace(program, roots=12)
    assert len(expected) > 100  # the program did branch
    assert got == expected  # same times (bit for bit) and the same order of ties
    assert scheduled == len(expected)
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
