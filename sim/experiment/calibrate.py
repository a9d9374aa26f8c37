"""``grassroots calibrate``: history matching in waves, then the held-out check.

Wave k: simulate a space-filling set of input points (common random numbers: every point runs the
same seeds), fit one Gaussian-process emulator per calibration target, evaluate the implausibility
of many candidate points from the whole prior box, and keep those not ruled out by *every* wave's
emulators; the next wave's points are chosen, well spread, among them. The shrinking share of the
prior box left is the calibration's progress. Finally every simulated point is judged on its own
simulated outputs (no emulator): those not ruled out are the **accepted assumption sets**. Held-out
validation targets are then simulated on a sample of accepted sets and judged the same way: an
observation passes when some accepted set reproduces it within its errors.

Runs go through the ordinary runner, so they are cached (and resumed) like a sweep, and run on the
local pool or Dask.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.history_matching import (
    Emulator,
    fit_emulator,
    implausibility,
    latin_hypercube,
    leave_one_out,
    maximin_subset,
)
from sim.experiment.calibrate_spec import CalibrationSpec, TargetSpec, load_targets
from sim.experiment.runner import RunOptions, run
from sim.scenario.loader import load_scenario

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Box:
    """The searched inputs: paths and their [low, high] ranges (the prior box)."""

    paths: list[str]
    low: np.ndarray
    high: np.ndarray
    integer: list[bool]

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        return (values - self.low) / (self.high - self.low)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        values = self.low + np.asarray(u) * (self.high - self.low)
        for j, whole in enumerate(self.integer):
            if whole:
                values[..., j] = np.round(values[..., j])
        return values

    def assumptions(self, values: np.ndarray) -> dict[str, Any]:
        return {
            p: (int(v) if whole else float(v)) for p, v, whole in zip(self.paths, values, self.integer, strict=True)
        }


@dataclass
class CalibrationResult:
    """Everything a calibration found, as tidy tables (see :func:`calibrate`)."""

    spec: CalibrationSpec
    box: Box
    design: pd.DataFrame  # one row per simulated point: wave, inputs, outputs, implausibility
    waves: pd.DataFrame  # one row per wave: points, share of the prior left, emulator diagnostics
    accepted: pd.DataFrame  # the accepted assumption sets (inputs and outputs)
    validation: pd.DataFrame  # one row per held-out target: observed, predicted range, verdict
    candidates: pd.DataFrame  # a sample of candidate points with their wave-by-wave implausibility
    message: str
    settings: dict[str, Any] = field(default_factory=dict)


def make_box(spec: CalibrationSpec) -> Box:
    priors = [(p.path, p.prior()) for p in spec.parameter_specs()]
    return Box(
        paths=[p for p, _ in priors],
        low=np.array([r.low for _, r in priors], dtype=float),
        high=np.array([r.high for _, r in priors], dtype=float),
        integer=[r.integer for _, r in priors],
    )


class Simulator:
    """Runs a target's scenario at one assumption set and returns (mean, variance of the mean) per metric."""

    def __init__(self, spec: CalibrationSpec, base_dir: Path, options: RunOptions) -> None:
        self.spec, self.base_dir = spec, base_dir
        self.options = RunOptions(
            **{**options.__dict__, "progress": None, "replications": spec.replications, "seed": spec.seed}
        )
        self.runs = 0
        self._last: tuple[str, Any] | None = None  # targets sharing a scenario share its run

    def __call__(self, target: TargetSpec, assumptions: dict[str, Any]) -> tuple[float, float]:
        overrides = {**(self.spec.configuration if target.use_configuration else {}), **target.set}
        key = repr((target.scenario, sorted(overrides.items()), sorted(assumptions.items())))
        if self._last is None or self._last[0] != key:
            scen = load_scenario(self.base_dir / target.scenario, overrides, assumptions=assumptions)
            self._last = (key, run(scen, self.options).replications)
            self.runs += 1
        values = self._last[1][target.metric].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        var = float(values.var(ddof=1) / len(values)) if len(values) > 1 else 0.0
        return float(values.mean()) if len(values) else math.nan, var


SimulatorFn = Callable[[TargetSpec, dict[str, Any]], tuple[float, float]]


@dataclass
class _Tally:
    """Simulations done out of the calibration's total, reported to ``progress`` after each one."""

    total: int
    progress: Progress | None
    done: int = 0

    def step(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)


@dataclass(frozen=True)
class _Setup:
    """What every step of a calibration shares: the spec, the prior box, the simulator and the targets."""

    spec: CalibrationSpec
    box: Box
    sim: SimulatorFn
    tally: _Tally
    calibration: list[TargetSpec]  # the targets that rule inputs out
    validation: list[TargetSpec]  # the held-out ones

    @classmethod
    def make(cls, spec: CalibrationSpec, folder: Path, options: RunOptions, simulator: SimulatorFn | None) -> _Setup:
        box = make_box(spec)
        cal = [t for t in spec.targets if t.role == "calibration"]
        val = [t for t in spec.targets if t.role == "validation"]
        sim = simulator or Simulator(spec, folder, options)
        total = spec.waves * spec.points_per_wave + spec.validation_sets * len(val)
        return cls(spec, box, sim, _Tally(total, options.progress), cal, val)


def _simulate_points(setup: _Setup, units: np.ndarray, wave: int, start: int) -> pd.DataFrame:
    """One row per point of a wave (numbered from ``start``): its inputs and every calibration target's output."""
    box, rows = setup.box, []
    for k, u in enumerate(units):
        values = box.from_unit(u)
        row: dict[str, Any] = {"wave": wave, "point": start + k, **dict(zip(box.paths, values, strict=True))}
        for t in setup.calibration:
            row[t.name], row[f"{t.name}__var"] = setup.sim(t, box.assumptions(values))
        rows.append(row)
        setup.tally.step()
    return pd.DataFrame(rows)


def _judge(design: pd.DataFrame, targets: list[TargetSpec]) -> pd.DataFrame:
    """Implausibility of each simulated point from its own outputs (no emulator)."""
    out = design.copy()
    for t in targets:
        out[f"I_{t.name}"] = implausibility(out[t.name], 0.0, t.observation(), out[f"{t.name}__var"])
    cols = [f"I_{t.name}" for t in targets]
    out["I_max"] = out[cols].max(axis=1)
    return out


def _emulate(
    box: Box, design: pd.DataFrame, targets: list[TargetSpec], seed: int
) -> tuple[dict[str, Emulator], dict[str, float], dict[str, float]]:
    """One emulator per calibration target on the given points; mean replication variance; LOO fit."""
    x = box.to_unit(design[box.paths].to_numpy(dtype=float))
    emulators, stoch, loo = {}, {}, {}
    for t in targets:
        y, var = design[t.name].to_numpy(dtype=float), design[f"{t.name}__var"].to_numpy(dtype=float)
        emulators[t.name] = fit_emulator(x, y, var, seed)
        stoch[t.name] = float(np.mean(var))
        errors = leave_one_out(x, y, var, emulators[t.name])
        loo[t.name] = float(np.mean(np.abs(errors) <= 2.0))
    return emulators, stoch, loo


def _emulated_max_implausibility(
    units: np.ndarray, emulators: dict[str, Emulator], stoch: dict[str, float], targets: list[TargetSpec]
) -> np.ndarray:
    worst = np.zeros(len(units))
    for t in targets:
        mean, var = emulators[t.name].predict(units)
        worst = np.maximum(worst, implausibility(mean, var, t.observation(), stoch[t.name]))
    return worst


@dataclass
class _Matching:
    """History matching so far: the candidate cloud, which of it is left, and what each wave simulated."""

    cloud: np.ndarray  # candidate points from the whole prior box, in the unit cube
    alive: np.ndarray  # not ruled out by any wave's emulators
    candidates: pd.DataFrame  # a sample of the cloud with its implausibility wave by wave
    frames: list[pd.DataFrame] = field(default_factory=list)  # the simulated points, one frame per wave
    waves: list[dict[str, Any]] = field(default_factory=list)  # one row per wave
    message: str = ""  # why matching stopped early, if it did

    @property
    def simulated(self) -> int:
        return sum(len(f) for f in self.frames)


def calibrate(
    spec_or_path: CalibrationSpec | str | Path,
    options: RunOptions | None = None,
    base_dir: Path | None = None,
    simulator: SimulatorFn | None = None,
) -> CalibrationResult:
    """History-match the calibration targets over the prior box, then check the held-out targets.

    ``simulator`` (target, assumptions) -> (mean, variance of the mean) replaces the model, for
    tests of the method itself on functions whose answer is known.
    """
    if isinstance(spec_or_path, CalibrationSpec):
        spec, folder = spec_or_path, base_dir or Path.cwd()
    else:
        spec, folder = load_targets(spec_or_path)
    options = options or RunOptions()
    setup = _Setup.make(spec, folder, options, simulator)
    matching = _history_match(setup)
    judged = _judge(pd.concat(matching.frames, ignore_index=True), setup.calibration)
    accepted = judged[judged["I_max"] <= spec.cutoff].reset_index(drop=True)
    message = matching.message
    if accepted.empty and not message:
        message = "no simulated input set is within the cut-off of every calibration target"
    return CalibrationResult(
        spec=spec,
        box=setup.box,
        design=judged,
        waves=pd.DataFrame(matching.waves),
        accepted=accepted,
        validation=_validate(setup, accepted),
        candidates=matching.candidates,
        message=message or _summary_message(accepted, judged, matching),
        settings=_settings(setup, options),
    )


def _history_match(setup: _Setup) -> _Matching:
    """Waves of simulation, emulation and refocusing, until the last wave or until nothing is left."""
    spec, dims = setup.spec, len(setup.box.paths)
    units = latin_hypercube(spec.points_per_wave, dims, spec.seed)
    cloud = latin_hypercube(spec.candidates, dims, spec.seed + 1)
    sample = pd.DataFrame(setup.box.from_unit(cloud[:2000]), columns=setup.box.paths)
    matching = _Matching(cloud=cloud, alive=np.ones(len(cloud), dtype=bool), candidates=sample)
    for wave in range(1, spec.waves + 1):
        _run_wave(setup, matching, units, wave)
        if not matching.alive.any():
            matching.message = (
                f"wave {wave}: every input set in the prior box is ruled out — no assumption set "
                "reproduces the calibration targets within their errors; widen the ranges, or the "
                "discrepancy, or question a target"
            )
            break
        if wave < spec.waves:
            units = maximin_subset(cloud[matching.alive], spec.points_per_wave, spec.seed + wave)
    return matching


def _run_wave(setup: _Setup, matching: _Matching, units: np.ndarray, wave: int) -> None:
    """Simulate a wave's points, emulate on them, and rule out the candidates the emulators find implausible."""
    matching.frames.append(_simulate_points(setup, units, wave, matching.simulated))
    design = pd.concat(matching.frames, ignore_index=True)
    # refocus: emulate on the points not ruled out by the earlier waves' emulators (all points in wave 1)
    focus = design if wave == 1 else design[design["wave"] == wave]
    emulators, stoch, loo = _emulate(setup.box, focus, setup.calibration, setup.spec.seed + wave)
    worst = _emulated_max_implausibility(matching.cloud, emulators, stoch, setup.calibration)
    matching.alive &= worst <= setup.spec.cutoff
    matching.candidates[f"I_wave{wave}"] = worst[:2000]
    matching.waves.append(
        {
            "wave": wave,
            "points": len(units),
            "share_of_prior_left": float(matching.alive.mean()),
            **{f"loo_within_2sd_{k}": v for k, v in loo.items()},
        }
    )


def _summary_message(accepted: pd.DataFrame, judged: pd.DataFrame, matching: _Matching) -> str:
    return (
        f"{len(accepted)} accepted assumption sets of {len(judged)} simulated; "
        f"{100 * matching.waves[-1]['share_of_prior_left']:.1f} % of the prior box is not ruled out"
    )


def _settings(setup: _Setup, options: RunOptions) -> dict[str, Any]:
    """How the calibration ran (simulator runs, replications, seed, configuration, executor)."""
    return {
        "runs": getattr(setup.sim, "runs", None),
        "replications": setup.spec.replications,
        "seed": setup.spec.seed,
        "configuration": setup.spec.configuration,
        "executor": options.executor,
        "workers": options.workers,
    }


def _validate(setup: _Setup, accepted: pd.DataFrame) -> pd.DataFrame:
    """Each held-out target on a sample of accepted sets: predicted range, smallest implausibility, verdict."""
    spec = setup.spec
    sample = (
        accepted.sample(n=min(spec.validation_sets, len(accepted)), random_state=spec.seed)
        if len(accepted)
        else accepted
    )
    return pd.DataFrame([_validation_row(setup, t, sample) for t in setup.validation])


def _validation_row(setup: _Setup, target: TargetSpec, sample: pd.DataFrame) -> dict[str, Any]:
    """One held-out target simulated at every sampled set, and judged on those outputs."""
    outputs = []
    for _, row in sample.iterrows():
        outputs.append(setup.sim(target, setup.box.assumptions(row[setup.box.paths].to_numpy(dtype=float))))
        setup.tally.step()
    means = np.array([m for m, _ in outputs])
    var = np.array([v for _, v in outputs])
    worst = implausibility(means, 0.0, target.observation(), var) if len(means) else means
    best = float(np.min(worst)) if len(worst) else math.nan
    return {
        "target": target.name,
        "metric": target.metric,
        "scenario": target.scenario,
        "observed": target.value,
        "sd": target.sd,
        "discrepancy_sd": target.discrepancy_sd,
        "sets": len(means),
        **_predicted_range(means),
        "best_implausibility": best,
        "passed": bool(best <= setup.spec.cutoff) if len(means) else False,
        "source": target.source,
    }


def _predicted_range(means: np.ndarray) -> dict[str, float]:
    """The 5 %, 50 % and 95 % points of the simulated means (NaN without any)."""
    if not len(means):
        return {"predicted_low": math.nan, "predicted_median": math.nan, "predicted_high": math.nan}
    return {
        "predicted_low": float(np.percentile(means, 5)),
        "predicted_median": float(np.median(means)),
        "predicted_high": float(np.percentile(means, 95)),
    }


def accepted_assumptions(table: pd.DataFrame, paths: list[str] | None = None) -> list[dict[str, Any]]:
    """Assumption sets (path -> value) from an accepted table (the folder's accepted.csv)."""
    from sim.scenario.priors import PRIORS

    paths = paths or [c for c in table.columns if c in PRIORS]
    if not paths:
        raise ValueError("the table has no columns that are assumption paths (see sim/scenario/priors.py)")
    sets = []
    for _, row in table.iterrows():
        sets.append({p: (int(round(row[p])) if PRIORS[p].integer else float(row[p])) for p in paths})
    return sets
