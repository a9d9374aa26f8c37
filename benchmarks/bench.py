"""Performance benchmark: the model against the SimPy ceiling, M/M/c references, and scaling.

The parts, one module each: ``bench_common`` (paths, targets, modes), ``bench_ceiling`` (raw
SimPy), ``bench_model`` (the model's rate, pool runs in a subprocess), ``bench_scaling``,
``bench_mmc`` (textbook SimPy, callbacks, Ciw), ``bench_sweep`` (the Morris sweep, ``--sweep``),
``bench_profile`` and ``bench_report``; this
script runs them in order.

Why one script that measures everything in one run: the targets of the
performance issue are *ratios* (model events/s against the raw SimPy event
loop, model customers/s against textbook SimPy and Ciw). Ratios are only
meaningful when numerator and denominator are measured on the same machine,
under the same load, minutes apart, so this script measures both sides.

Usage::

    python benchmarks/bench.py                 # full mode, several minutes
    python benchmarks/bench.py --quick         # < 2 minutes, small city fractions and short horizons
    python benchmarks/bench.py --json out.json # also write the figures as JSON
    python benchmarks/bench.py --profile       # only profile a county year and M/M/5 -> benchmarks/out/

Rates (events/s, customers/s) are per CPU-second of the measuring process
(``time.process_time``), because the benchmark machine is a shared VM whose
wall clock includes time stolen by other tenants; wall times are reported
beside them. Runs that use a process pool execute in a fresh subprocess of this
script (``--child``), so ``getrusage(RUSAGE_CHILDREN)`` there gives the pool
workers' CPU time and the largest worker's peak RSS without interference from
earlier measurements.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench_ceiling import measure_ceiling, merge_ceilings
from bench_common import CHILD_MARK, FULL, OUT, PROFILE_COUNTY, QUICK, Mode
from bench_engine import engine_state, prepare_native, python_engine_child, python_engine_figures
from bench_mmc import measure_mmc
from bench_model import child_run, measure_model_rate
from bench_profile import print_profile, profile
from bench_report import Report, machine_info, print_report
from bench_scaling import measure_scaling
from bench_sweep import measure_sweep


def run_benchmark(mode: Mode, native: bool = True, sweep: bool = False) -> Report:
    started = time.perf_counter()
    built = prepare_native(native)  # before this process imports any model module
    rep = Report(mode=mode.name, machine=machine_info())
    rep.engine = {**engine_state(), "build_step": built}

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {msg}", flush=True)

    log("SimPy ceiling micro-benchmarks ...")
    before = measure_ceiling(mode)
    log(f"model events/s, serial {'+'.join(mode.rate_counties)} for {mode.rate_days} days ...")
    rep.model_rate = measure_model_rate(mode)
    log("SimPy ceiling micro-benchmarks again (bracketing the model measurement) ...")
    rep.ceiling = merge_ceilings(before, measure_ceiling(mode))
    log(f"M/M/5 comparison, {mode.mmc_customers:,} customers x {mode.repeats} ...")
    rep.mmc = measure_mmc(mode)
    if rep.engine["engine"] == "native":
        log("the same serial figures with the Python engine (child process, GRASSROOTS_NATIVE=0) ...")
        rep.python_engine = python_engine_figures(mode)
    log("scaling series (each point in a fresh subprocess) ...")
    rep.scaling = measure_scaling(mode, log)
    if sweep:
        log("the default Morris sweep, end to end (fresh subprocess, empty cache) ...")
        rep.sweep = measure_sweep(mode)
        log(f"         {rep.sweep['points']} points, wall {rep.sweep['wall_s'] / 60:.1f} min")
    rep.elapsed_s = time.perf_counter() - started
    return rep


def _jsonable(x: Any) -> Any:
    """NaN and inf become null (the run folder's rule), so the JSON is strict."""
    from sim.io.rundir import jsonable

    return jsonable(x)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short horizons (< 2 minutes)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"only profile a {PROFILE_COUNTY} county year and the M/M/5 case into benchmarks/out/",
    )
    parser.add_argument("--workers", type=int, default=None, help="pool workers for the scaling runs (default 2)")
    parser.add_argument(
        "--engine",
        choices=("native", "python"),
        default="native",
        help="village loop to measure: the compiled build (python -m sim.native build; Python figures "
        "are measured beside it) or plain Python only",
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="also time the default Morris sweep as shipped (about 10 minutes on 2 cores; quick mode: "
        "a one-county smoke version)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        spec = json.loads(args.child)
        if spec.get("kind") == "python_engine":
            result = python_engine_child(QUICK if spec["mode"] == "quick" else FULL)
        else:
            result = child_run(spec)
        print(CHILD_MARK + json.dumps(_jsonable(result)))
        return 0
    if args.profile:
        p = profile(OUT)
        print_profile(p, OUT)
        if args.json:
            args.json.write_text(json.dumps(_jsonable(p), indent=2))
        return 0
    mode = QUICK if args.quick else FULL
    if args.workers:
        mode = Mode(**{**asdict(mode), "workers": args.workers})
    rep = run_benchmark(mode, native=args.engine == "native", sweep=args.sweep)
    print_report(rep)
    if args.json:
        doc = {
            "mode": rep.mode,
            "machine": rep.machine,
            "elapsed_s": rep.elapsed_s,
            **rep.summary(),
            "details": {
                "ceiling": rep.ceiling,
                "model_rate": rep.model_rate,
                "mmc": rep.mmc,
                "python_engine": rep.python_engine,
                "sweep": rep.sweep,
            },
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_jsonable(doc), indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
