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


def _simulate_points(
    sim: SimulatorFn,
    box: Box,
    units: np.ndarray,
    targets: list[TargetSpec],
    wave: int,
    start: int,
    progress: Progress | None,
    done: list[int],
    total: int,
) -> pd.DataFrame:
    rows = []
    for k, u in enumerate(units):
        values = box.from_unit(u)
        row: dict[str, Any] = {"wave": wave, "point": start + k, **dict(zip(box.paths, values, strict=True))}
        for t in targets:
            row[t.name], row[f"{t.name}__var"] = sim(t, box.assumptions(values))
        rows.append(row)
        done[0] += 1
        if progress:
            progress(done[0], total)
    return pd.DataFrame(rows)


def _judge(design: pd.DataFrame, targets: list[TargetSpec]) -> pd.DataFrame:
    """Implausibility of each simulated point from its own outputs (no emulator)."""
    out = design.copy()
    for t in targets:
        out[f"I_{t.name}"] = implausibility(
            out[t.name], 0.0, t.value, t.sd**2, t.discrepancy_sd**2, out[f"{t.name}__var"]
        )
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
        worst = np.maximum(worst, implausibility(mean, var, t.value, t.sd**2, t.discrepancy_sd**2, stoch[t.name]))
    return worst


SimulatorFn = Callable[[TargetSpec, dict[str, Any]], tuple[float, float]]


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
    box = make_box(spec)
    cal = [t for t in spec.targets if t.role == "calibration"]
    val = [t for t in spec.targets if t.role == "validation"]
    sim = simulator or Simulator(spec, folder, options)
    done, total = [0], spec.waves * spec.points_per_wave + spec.validation_sets * len(val)
    rng_seed = spec.seed
    units = latin_hypercube(spec.points_per_wave, len(box.paths), rng_seed)
    prior_cloud = latin_hypercube(spec.candidates, len(box.paths), rng_seed + 1)
    alive = np.ones(len(prior_cloud), dtype=bool)
    candidate_log = pd.DataFrame(box.from_unit(prior_cloud[:2000]), columns=box.paths)
    frames, wave_rows, message = [], [], ""
    for wave in range(1, spec.waves + 1):
        frames.append(
            _simulate_points(sim, box, units, cal, wave, sum(len(f) for f in frames), options.progress, done, total)
        )
        design = pd.concat(frames, ignore_index=True)
        # refocus: emulate on the points not ruled out by the earlier waves' emulators (all points in wave 1)
        focus = design if wave == 1 else design[design["wave"] == wave]
        emulators, stoch, loo = _emulate(box, focus, cal, rng_seed + wave)
        worst = _emulated_max_implausibility(prior_cloud, emulators, stoch, cal)
        alive &= worst <= spec.cutoff
        candidate_log[f"I_wave{wave}"] = worst[:2000]
        wave_rows.append(
            {
                "wave": wave,
                "points": len(units),
                "share_of_prior_left": float(alive.mean()),
                **{f"loo_within_2sd_{k}": v for k, v in loo.items()},
            }
        )
        if not alive.any():
            message = (
                f"wave {wave}: every input set in the prior box is ruled out — no assumption set "
                "reproduces the calibration targets within their errors; widen the ranges, or the "
                "discrepancy, or question a target"
            )
            break
        if wave < spec.waves:
            units = maximin_subset(prior_cloud[alive], spec.points_per_wave, rng_seed + wave)
    judged = _judge(pd.concat(frames, ignore_index=True), cal)
    accepted = judged[judged["I_max"] <= spec.cutoff].reset_index(drop=True)
    if accepted.empty and not message:
        message = "no simulated input set is within the cut-off of every calibration target"
    validation = _validate(sim, box, accepted, val, spec, options.progress, done, total)
    if not message:
        message = (
            f"{len(accepted)} accepted assumption sets of {len(judged)} simulated; "
            f"{100 * wave_rows[-1]['share_of_prior_left']:.1f} % of the prior box is not ruled out"
        )
    settings = {
        "runs": getattr(sim, "runs", None),
        "replications": spec.replications,
        "seed": spec.seed,
        "configuration": spec.configuration,
        "executor": options.executor,
        "workers": options.workers,
    }
    return CalibrationResult(
        spec=spec,
        box=box,
        design=judged,
        waves=pd.DataFrame(wave_rows),
        accepted=accepted,
        validation=validation,
        candidates=candidate_log,
        message=message,
        settings=settings,
    )


def _validate(
    sim: SimulatorFn,
    box: Box,
    accepted: pd.DataFrame,
    targets: list[TargetSpec],
    spec: CalibrationSpec,
    progress: Progress | None,
    done: list[int],
    total: int,
) -> pd.DataFrame:
    """Each held-out target on a sample of accepted sets: predicted range, smallest implausibility, verdict."""
    rows = []
    sample = (
        accepted.sample(n=min(spec.validation_sets, len(accepted)), random_state=spec.seed)
        if len(accepted)
        else accepted
    )
    for t in targets:
        outputs = []
        for _, row in sample.iterrows():
            outputs.append(sim(t, box.assumptions(row[box.paths].to_numpy(dtype=float))))
            done[0] += 1
            if progress:
                progress(done[0], total)
        means = np.array([m for m, _ in outputs])
        var = np.array([v for _, v in outputs])
        worst = implausibility(means, 0.0, t.value, t.sd**2, t.discrepancy_sd**2, var) if len(means) else means
        best = float(np.min(worst)) if len(worst) else math.nan
        rows.append(
            {
                "target": t.name,
                "metric": t.metric,
                "scenario": t.scenario,
                "observed": t.value,
                "sd": t.sd,
                "discrepancy_sd": t.discrepancy_sd,
                "sets": len(means),
                "predicted_low": float(np.percentile(means, 5)) if len(means) else math.nan,
                "predicted_median": float(np.median(means)) if len(means) else math.nan,
                "predicted_high": float(np.percentile(means, 95)) if len(means) else math.nan,
                "best_implausibility": best,
                "passed": bool(best <= spec.cutoff) if len(means) else False,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


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
