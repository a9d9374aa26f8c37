"""grassroots-sim: discrete-event simulation of grassroots-governance workload.

The Python API mirrors the CLI::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", {"run.days": 90})
    results = sim.run(scenario, replications=5)
    results.summary_table()
"""

from __future__ import annotations

from sim.native import install as _install_native_engine

_install_native_engine()  # before any model module is imported: see sim.native

from sim.api import calibrate, compare, compare_over_assumptions, load_scenario, run, sweep, write_run  # noqa: E402
from sim.experiment.runner import Results  # noqa: E402

__all__ = [
    "Results",
    "calibrate",
    "compare",
    "compare_over_assumptions",
    "load_scenario",
    "run",
    "sweep",
    "write_run",
]
__version__ = "0.1.0"
