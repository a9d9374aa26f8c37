"""Profiles (cProfile and pyinstrument) of a county year and the M/M/5 case."""

from __future__ import annotations

import cProfile
import io
import math
import os
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_common import BASELINE, FULL, MMC, MMC_ARRIVALS_PER_HOUR, PROFILE_COUNTY, ROOT, fmt, load_scenario_file

# ====================================================================== profile


def profile(out_dir: Path) -> dict[str, Any]:
    """Profile a mid-size county year (the real workload) and the M/M/5 case (the lean limit of the model)."""
    from sim.model.shard import ShardSpec, run_shard
    from sim.model.world import build_world

    scenario = load_scenario_file(BASELINE, {"world.counties": [PROFILE_COUNTY]})
    params = scenario.model_params()
    world = build_world(params)
    seed = scenario.run.seed
    county = _profile_one(
        lambda: run_shard(params, world, ShardSpec(0, 0, seed, 365, 30)).events,
        out_dir,
        "profile",
        f"run_shard: county {PROFILE_COUNTY} ({len(world.villages)} villages), baseline, 365 days, warm-up 30, "
        f"replication 0, seed {seed}",
    )
    county.update(county=PROFILE_COUNTY, villages=len(world.villages))

    mmc_scenario = load_scenario_file(MMC)
    mmc_params = mmc_scenario.model_params()
    mmc_world = build_world(mmc_params)
    days = math.ceil(FULL.mmc_customers / (MMC_ARRIVALS_PER_HOUR * 24.0))
    mmc = _profile_one(
        lambda: run_shard(mmc_params, mmc_world, ShardSpec(0, 0, 2024, days, 20)).events,
        out_dir,
        "profile_mmc",
        f"run_shard: mmc.yaml (M/M/5, rho 0.8), {days} days (~{FULL.mmc_customers:,} customers), seed 2024",
    )
    return {"county": county, "mmc": mmc}


def _profile_one(work: Callable[[], int], out_dir: Path, stem: str, what: str) -> dict[str, Any]:
    """pyinstrument for time shares and the call tree, cProfile for call counts; both files under ``out_dir``.

    Why both: pyinstrument's shares are what to optimise; cProfile's call counts
    say how often each piece runs per event. Both add per-call overhead, which
    inflates small, frequently called functions, so the unprofiled wall time is
    measured first and written in the header.
    """
    from pyinstrument import Profiler

    w = time.perf_counter()
    events = work()  # unprofiled reference run (also warms imports and caches)
    plain_wall = time.perf_counter() - w
    profiler = Profiler(interval=0.001)
    profiler.start()
    work()
    session = profiler.stop()
    hot = _pyinstrument_table(session.root_frame(), session.duration)

    cp = cProfile.Profile()
    cp.enable()
    work()
    cp.disable()
    cp_total = _add_call_counts(hot, cp)

    from sim.experiment.tasks import model_code_hash

    out_dir.mkdir(parents=True, exist_ok=True)
    header = (
        f"{what}\nmodel code hash {model_code_hash()}, {time.strftime('%Y-%m-%d %H:%M:%S %z')}, "
        f"load average {os.getloadavg()[0]:.2f}\n{events:,} SimPy events; unprofiled wall {plain_wall:.2f} s; "
        f"pyinstrument wall {session.duration:.2f} s; cProfile total tottime {cp_total:.2f} s\n"
    )
    _write_profiles(out_dir, stem, header, session, hot, cp)
    return {
        "what": what,
        "events": events,
        "wall_s": plain_wall,
        "profiled_wall_s": session.duration,
        "cprofile_total_s": cp_total,
        "files": [f"{stem}.txt", f"{stem}_cprofile.txt"],
        "hot_spots": hot[:25],
    }


def _add_call_counts(hot: list[dict[str, Any]], cp: cProfile.Profile) -> float:
    """Give pyinstrument's hot spots cProfile's call counts and times; return cProfile's total tottime."""
    raw = pstats.Stats(cp).stats  # type: ignore[attr-defined]
    cp_rows = {(Path(f).name, line, fn): (nc, tt, ct) for (f, line, fn), (_, nc, tt, ct, _) in raw.items()}
    for row in hot:
        key = (Path(row["file"]).name, row["line"], row["function"])
        if row["file"] == "<built-in>":
            key = ("~", 0, f"<built-in method builtins.{row['function']}>")
        got = cp_rows.get(key)
        if got is not None:
            row.update(calls=got[0], cprofile_tottime_s=got[1], cprofile_cumtime_s=got[2])
    return sum(v[1] for v in cp_rows.values())


def _write_profiles(
    out_dir: Path, stem: str, header: str, session: Any, hot: list[dict[str, Any]], cp: cProfile.Profile
) -> None:
    """``STEM.txt`` (hot spots, call tree, flat self time) and ``STEM_cprofile.txt`` (top 40 two ways)."""
    from pyinstrument.renderers import ConsoleRenderer

    tree = ConsoleRenderer(unicode=False, color=False, show_all=False).render(session)
    flat = ConsoleRenderer(unicode=False, color=False, flat=True, flat_time="self").render(session)
    table = "\n".join(
        f"{100 * r['self_share']:6.1f}% self {100 * r['cumulative_share']:6.1f}% cum  "
        f"{fmt(r.get('calls')):>11} calls  {r['function']}  {r['file']}:{r['line']}"
        for r in hot[:40]
    )
    (out_dir / f"{stem}.txt").write_text(
        header
        + "\n=== hot spots: self and cumulative share of the pyinstrument wall time ===\n"
        + table
        + "\n\n=== call tree (pyinstrument) ===\n"
        + tree
        + "\n=== self time by function (pyinstrument, flat; library frames grouped) ===\n"
        + flat
    )
    buf = io.StringIO()
    for key in ("tottime", "cumulative"):
        buf.write(f"=== cProfile, top 40 by {key} ===\n")
        pstats.Stats(cp, stream=buf).sort_stats(key).print_stats(40)
    (out_dir / f"{stem}_cprofile.txt").write_text(header + buf.getvalue())


def _pyinstrument_table(root: Any, duration: float) -> list[dict[str, Any]]:
    """Self and cumulative time by function from a pyinstrument frame tree (recursion counted once)."""
    by_fn: dict[tuple[str, int, str], list[float]] = {}

    def walk(frame: Any, active: frozenset[tuple[str, int, str]]) -> None:
        key = (frame.file_path or "", int(frame.line_no or 0), frame.function or "")
        entry = by_fn.setdefault(key, [0.0, 0.0])
        # synthetic children ("[self]" leaves) are the frame's own time, so count them here, not as functions
        entry[0] += frame.time - sum(c.time for c in frame.children if not c.is_synthetic)
        if key not in active:
            entry[1] += frame.time
        for child in (c for c in frame.children if not c.is_synthetic):
            walk(child, active | {key})

    walk(root, frozenset())
    rows = [
        {
            "function": fn,
            "file": _short(path),
            "line": line,
            "self_s": s,
            "self_share": s / duration,
            "cumulative_s": c,
            "cumulative_share": c / duration,
        }
        for (path, line, fn), (s, c) in by_fn.items()
        if fn and s + c > 0
    ]
    return sorted(rows, key=lambda r: -r["self_s"])


def _short(path: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def print_profile(p: dict[str, Any], out_dir: Path) -> None:
    for name, prof in p.items():
        print(
            f"\n{prof['what']}\n{prof['events']:,} events, {prof['wall_s']:.2f} s unprofiled "
            f"(pyinstrument {prof['profiled_wall_s']:.2f} s, cProfile {prof['cprofile_total_s']:.2f} s); "
            f"written to {', '.join(_short(str(out_dir / f)) for f in prof['files'])}  [{name}]"
        )
        print(f"{'function':<30} {'where':<34} {'self %':>7} {'cum %':>7} {'calls':>11} {'tottime':>8} {'cumtime':>8}")
        for r in prof["hot_spots"][:15]:
            print(
                f"{r['function'][:30]:<30} {(r['file'] + ':' + str(r['line']))[-34:]:<34} "
                f"{100 * r['self_share']:>6.1f}% {100 * r['cumulative_share']:>6.1f}% {fmt(r.get('calls')):>11} "
                f"{fmt(r.get('cprofile_tottime_s'), 2):>8} {fmt(r.get('cprofile_cumtime_s'), 2):>8}"
            )
