"""Which village loop the benchmark measures: the compiled build (``sim.native``) beside plain Python.

Why both in one run: the compiled engine is optional (it needs mypyc and a C compiler), so the
figures a user without it gets are the Python engine's. The benchmark builds the native engine
first (in a subprocess, so that this process has imported no model module yet and picks the build
up at ``import sim``), measures everything with it, and measures the serial model rate and the
M/M/5 case again with the Python engine in a child process (``GRASSROOTS_NATIVE=0``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from bench_common import ROOT, Mode, run_child


def prepare_native(wanted: bool) -> dict[str, Any]:
    """Build the native engine (reused when it exists) unless ``wanted`` is false; report what happened."""
    if not wanted:
        os.environ["GRASSROOTS_NATIVE"] = "0"
        return {"built": False, "message": "not requested (--engine python)"}
    proc = subprocess.run(
        [sys.executable, "-m", "sim.native", "build"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    message = (proc.stdout + proc.stderr).strip().splitlines()
    return {"built": proc.returncode == 0, "message": message[-1] if message else ""}


def engine_state() -> dict[str, str]:
    """The engine this process runs (imports the model: call after ``prepare_native``)."""
    import sim.model.village  # noqa: F401  (import sim installs the build, if any, first)
    from sim.native import state

    return state().as_dict()


def python_engine_figures(mode: Mode) -> dict[str, Any]:
    """The serial model rate and M/M/5 rate with the Python engine, measured in a fresh child process."""
    return run_child({"kind": "python_engine", "mode": mode.name}, env={"GRASSROOTS_NATIVE": "0"})


def python_engine_child(mode: Mode) -> dict[str, Any]:
    """Inside the child: the same serial measurements the parent made with the native engine."""
    from bench_common import median
    from bench_mmc import model_mmc
    from bench_model import measure_model_rate

    rate = measure_model_rate(mode)
    rates = []
    for r in range(mode.repeats):
        customers, cpu, _ = model_mmc(mode.mmc_customers, 2024 + r)
        rates.append(customers / cpu)
    return {"engine": engine_state(), "model_rate": rate, "mmc_customers_per_s": median(rates)}
