"""The Python API: the same operations as the CLI, returning tables instead of folders."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.experiment.runner import Results, RunOptions
from sim.experiment.runner import run as _run
from sim.scenario.loader import apply_overrides
from sim.scenario.loader import load_scenario as _load
from sim.scenario.params import Scenario


def load_scenario(path: str | os.PathLike[str], overrides: Mapping[str, Any] | Sequence[str] | None = None) -> Scenario:
    """Load and validate a scenario file; ``overrides`` as {"a.b": value} or ["a.b=value"]."""
    return _load(path, overrides)


# The run settings every operation accepts as keywords (RunOptions validates their values).
RUN_SETTINGS = (
    "replications",
    "seed",
    "days",
    "warmup_days",
    "drain_days",
    "executor",
    "workers",
    "scheduler",
    "cache_dir",
    "precision",
)


def _options(settings: Mapping[str, Any], also: Sequence[str] = ()) -> RunOptions:
    """RunOptions from keyword settings: unknown names are a TypeError, bad values an OptionError."""
    allowed = (*RUN_SETTINGS, *also)
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise TypeError(f"unknown arguments {unknown}; expected some of {list(allowed)}")
    values = dict(settings)
    if values.get("cache_dir") is not None:
        values["cache_dir"] = Path(values["cache_dir"])
    return RunOptions(**values)


def run(
    scenario: Scenario | str | os.PathLike[str], overrides: Mapping[str, Any] | None = None, **settings: Any
) -> Results:
    """Run replications of a scenario (a Scenario or a path). No cache unless ``cache_dir`` is given.

    ``settings`` are keywords: ``replications``, ``seed``, ``days``, ``warmup_days`` (days or
    "auto"), ``drain_days``, ``executor`` ("serial", "local" or "dask"), ``workers``,
    ``scheduler``, ``cache_dir``, ``precision``; each defaults to the scenario's value (or to
    RunOptions' default), and a refused value raises OptionError naming it, as the CLI does.
    ``event_log_cases`` > 0 puts an event log of that many sampled requests per replication in
    ``results.extra["event_log"]`` (README, "Event log for process mining"). ``export_state=True`` puts
    the requests open at the horizon in ``results.extra["open_requests"]``: an initial-state table
    that another run can start from (README, "Warm start").
    """
    scen = scenario if isinstance(scenario, Scenario) else _load(scenario)
    if overrides:
        scen = apply_overrides(scen, overrides)
    return _run(scen, _options(settings, also=("event_log_cases", "export_state")))


def compare(
    base: Scenario | str | os.PathLike[str],
    *others: Scenario | str | os.PathLike[str],
    decompose: bool = False,
    marginal: bool = False,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    **kwargs: Any,
):
    """Paired comparison of scenarios against ``base`` with common random numbers.

    ``decompose`` (files only: the others are the lever files) adds each lever alone, in
    combination and the interaction; ``marginal`` adds the change per +1 worker, -1 signboard
    and +1 delegated item for the base. ``overrides`` apply to every scenario.
    """
    from sim.experiment.compare import compare_scenarios

    items = (base, *others)
    scenarios = [_scenario(s, overrides) for s in items]
    sources = [Path(s) for s in items] if decompose and not any(isinstance(s, Scenario) for s in items) else None
    if decompose and sources is None:
        raise TypeError("decompose needs scenario files (paths), not Scenario objects")
    return compare_scenarios(
        scenarios,
        _options(kwargs),
        decompose=decompose,
        marginal=marginal,
        sources=sources,
        overrides=overrides,
    )


def _scenario(item: Scenario | str | os.PathLike[str], overrides: Any) -> Scenario:
    """A Scenario as given or loaded from its file, with the overrides applied."""
    if not isinstance(item, Scenario):
        return _load(item, overrides)
    return apply_overrides(item, overrides) if overrides else item


def sweep(spec: str | os.PathLike[str] | Mapping[str, Any], **kwargs: Any):
    """Run a sweep (grid, Latin hypercube, Morris or Sobol) described by a YAML file or a mapping."""
    from sim.experiment.sweep import load_sweep, run_sweep

    return run_sweep(load_sweep(spec), _options(kwargs))


def calibrate(targets: str | os.PathLike[str], **kwargs: Any):
    """History matching of the assumptions to a targets file (see ``grassroots calibrate``)."""
    from sim.experiment.calibrate import calibrate as _calibrate

    return _calibrate(Path(targets), _options(kwargs))


def compare_over_assumptions(
    scenarios: Sequence[str | os.PathLike[str]],
    accepted: Any,
    n_sets: int = 10,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    **kwargs: Any,
):
    """Paired comparison repeated over accepted assumption sets (a calibration's accepted.csv path or table).

    Returns a RobustComparison: ``.table`` has each effect with its stochastic CI, its 5-95 %
    band across the sets and a robust flag.
    """
    import pandas as pd

    from sim.experiment.calibrate import accepted_assumptions
    from sim.experiment.robustness import choose_sets
    from sim.experiment.robustness import compare_over_assumptions as _robust

    table = accepted if isinstance(accepted, pd.DataFrame) else pd.read_csv(accepted)
    options = _options(kwargs)
    sets = choose_sets(accepted_assumptions(table), n_sets, seed=options.seed or 0)
    return _robust([Path(s) for s in scenarios], sets, options, overrides)


def write_run(results: Results, out: str | os.PathLike[str], report: bool = True, lang: str = "en") -> Path:
    """Write ``results`` as a run folder at ``out`` (the same folder ``grassroots run`` writes).

    Atomic: the folder appears complete or not at all, and an existing ``out`` is an error.
    With ``report`` the HTML report is built inside it (``report.html``, or ``report.zh.html``
    with ``lang="zh"`` where the report supports it).
    """
    from sim.io.rundir import write_run as _write_run

    if lang not in ("en", "zh"):
        raise ValueError(f"lang: expected 'en' or 'zh', got {lang!r}")
    builder = None
    if report:
        from sim.report.report import build_report

        def builder(folder: Path) -> Any:
            return build_report(folder, lang=lang)

    return _write_run(results, Path(out), command=None, report=builder)
