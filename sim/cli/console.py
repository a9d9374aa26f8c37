"""Terminal output and errors: one readable line and exit code 2 for bad input, tables, progress.

Why errors are caught here and nowhere else: the library raises typed exceptions; only the CLI
turns them into one readable line and exit code 2 (bad input) or 1 (a failed check), with a
traceback only under ``--debug``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from sim.cli.app import STATE
from sim.cli.plain_progress import PlainProgress
from sim.scenario.errors import ScenarioError

# markup off: messages carry user text (paths, overrides like "world.counties=[Malong]", "pip install
# -e '.[native]'") that Rich would otherwise read as style tags and drop; styles are set with Text.
out_console = Console(markup=False) if sys.stdout.isatty() else Console(width=160, markup=False)  # full tables in logs
err_console = Console(stderr=True, markup=False)


def styled(label: str, style: str, rest: str = "") -> Text:
    """``label`` in ``style``, then ``rest`` as plain text (never read as markup)."""
    return Text.assemble((label, style), rest)


class UsageProblem(Exception):
    """Bad input found by the CLI itself (exit 2)."""


def fail(message: str, code: int = 2) -> None:
    err_console.print(styled("error:", "bold red", f" {message}"), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn expected failures into one line and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        err_console.print("interrupted: finished tasks are kept in the cache; run the same command to resume")
        raise typer.Exit(130) from None
    except (ScenarioError, UsageProblem, FileNotFoundError, FileExistsError, ValueError) as exc:
        if STATE["debug"]:
            raise
        fail(str(exc))
    except Exception as exc:
        if STATE["debug"]:
            raise
        fail(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)", code=1)


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr; plain progress lines when stderr is not a terminal; off with --quiet."""
    if quiet:
        yield None
        return
    if not sys.stderr.isatty():
        yield PlainProgress(label, sys.stderr)
        return
    columns = (
        TextColumn(label, markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


SUMMARY_METRICS = (
    "resolution_hours_p90",
    "service_share",
    "idle_share",
    "requests_arrived",
    "backlog_end",
    "open_at_horizon_share",
    "open_after_drain_share",
)


def summary_row(name: str, m: dict[str, float], lang: str = "en") -> tuple[str, str, str, str]:
    """(metric, what it is with unit, mean, 95 % CI) in display units: shares in per cent.

    Shares cannot leave [0, 100] % and counts and hours cannot be negative, so a normal-theory
    interval that would cross a bound is clipped to it (the terminal shows what is possible).
    """
    from sim.report.labels import metric_info, metric_label

    info = metric_info(name)
    scale = info.scale
    low, high, mean = (m.get(k) for k in ("ci_low", "ci_high", "mean"))
    upper = 1.0 if info.unit_en == "%" else None  # every per-cent metric is a share of 1
    low = None if low is None else max(low, 0.0)
    high = None if high is None else (min(high, upper) if upper is not None else high)

    def shown(x: float | None) -> str:
        return fmt_number(None if x is None else x * scale)

    return name, metric_label(name, lang), shown(mean), f"[{shown(low)}, {shown(high)}]"  # type: ignore[arg-type]


def print_summary(results: Any, title: str, lang: str = "en") -> None:
    from sim.analysis.metrics import KEY_METRICS

    table = Table(title=title, title_justify="left")
    for col in ("metric", "what (unit)", "mean", "95% CI"):
        table.add_column(col, justify="right" if col in ("mean", "95% CI") else "left")
    from sim.analysis.metrics import INHERITED_METRICS

    for name in [*KEY_METRICS, *SUMMARY_METRICS, *INHERITED_METRICS]:  # the inherited ones: warm starts only
        m = results.summary.get(name)
        if m is not None:
            table.add_row(*summary_row(name, m, lang))
    out_console.print(table)


def scenario_title(name: str, sets: list[str] | None) -> str:
    """'baseline + 1 override' after --set, so a summary never passes for the plain scenario."""
    n = len(sets or [])
    return name if not n else f"{name} + {n} override" + ("s" if n > 1 else "")


def warn_unstable(results: Any, name: str) -> None:
    """Say on the terminal which queues do not settle (their means depend on the horizon), and which cope."""
    unstable = results.stability.get("unstable_queues", [])
    coping = results.stability.get("coping_queues", [])
    for q in unstable[:10]:
        _warn(f"{name}: {_unsettled(q)}")
    if len(unstable) > 10:
        more = len(unstable) - 10
        _warn(f"{name}: {more} more unstable queues; see summary.json (unstable_queues) and tables/queues.csv")
    if coping:
        err_console.print(
            f"note: {name}: {len(coping)} queues are over their regular capacity and bound their "
            "backlog by coping (extra staff); see tables/queues.csv",
            highlight=False,
        )


def _unsettled(q: dict[str, Any]) -> str:
    return (
        f"{q['queue']} ({q['county']}) does not settle: {q['reason']} (utilisation {q['utilisation']:.2f}, "
        f"with coping {q['utilisation_with_coping']:.2f}; backlog change over the window "
        f"{q['backlog_growth']:+.0f} requests)"
    )


def engine_hint(quiet: bool) -> None:
    """Say, once a long command is done, that a compiled village loop exists when none was found.

    Why: ``pip install -e .`` alone runs the plain-Python loop, about three times slower with the
    same numbers, and nothing else would tell an analyst that a faster one is one build away. Not
    shown when the Python loop was chosen on purpose (``GRASSROOTS_NATIVE=0``) or in quiet mode.
    """
    from sim.native import state

    if quiet or not state().build_missing:
        return
    err_console.print(
        "note: this ran the plain-Python village loop. The compiled one gives the same numbers about "
        'three times faster: pip install -e ".[native]" && python -m sim.native build',
        highlight=False,
        soft_wrap=True,  # one line, so the command can be copied whole
    )


def _warn(text: str) -> None:
    err_console.print(styled("warning:", "bold yellow", f" {text}"), highlight=False)


def fmt_number(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) < 1 else f"{x:,.2f}"
