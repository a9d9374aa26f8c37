"""Sweeps: a base scenario, factors (paths into it) and a design; sensitivity indices from the results.

Why design points share seeds: every point runs the same replications with
the same named streams, so differences between points come from the factors,
not from luck, and Morris elementary effects are differences of paired runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.analysis.metrics import KEY_METRICS
from sim.analysis.stats import t_interval
from sim.experiment.designs import Factor, analyze, main_effects, make_design
from sim.experiment.runner import Results, RunOptions, run
from sim.experiment.spec_file import SpecFile, read_spec
from sim.scenario.errors import ScenarioError, validation_message
from sim.scenario.loader import Overrides, apply_overrides, load_scenario
from sim.scenario.params import Scenario
from sim.scenario.schema_walk import walk_schema


class FactorSpec(BaseModel):
    """One factor: a dotted path into the scenario, with levels or a range."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str = Field(description="Dotted scenario path, e.g. admin.signboards_per_village.")
    levels: list[Any] | None = Field(None, description="Discrete levels (grid, or sampled evenly).")
    low: float | None = Field(None, description="Lower bound of a continuous range.")
    high: float | None = Field(None, description="Upper bound of a continuous range.")
    integer: bool = Field(False, description="Round sampled values to whole numbers.")

    @model_validator(mode="after")
    def _levels_or_range(self) -> FactorSpec:
        if self.levels is None and (self.low is None or self.high is None):
            raise ValueError("give either levels or low and high")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError("high must be ≥ low")
        return self


class SweepSpec(BaseModel):
    """A sweep file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field("sweep", description="Name of the sweep (output folder name).")
    base: str = Field(description="Base scenario file, relative to the sweep file.")
    design: Literal["grid", "lhs", "morris", "sobol"] = Field("grid", description="Experimental design.")
    n: int = Field(
        4,
        ge=1,
        description="grid: levels per continuous factor; lhs: points; morris: trajectories; sobol: base samples.",
    )
    design_seed: int = Field(1, ge=0, description="Seed of the design's sampling.")
    factors: list[FactorSpec] = Field(min_length=1, description="The factors.")
    metrics: list[str] = Field(default_factory=lambda: list(KEY_METRICS), description="Metrics to analyse.")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides applied to the base for every point.")


@dataclass
class Sweep:
    spec: SweepSpec
    base: Scenario
    source: Path | None


@dataclass
class SweepResult:
    spec: SweepSpec
    design: pd.DataFrame
    points: pd.DataFrame
    replications: pd.DataFrame
    sensitivity: pd.DataFrame
    main_effects: pd.DataFrame
    settings: dict[str, Any]


def load_sweep(spec: str | os.PathLike[str] | Mapping[str, Any], overrides: Overrides = None) -> Sweep:
    """Read and validate a sweep (file or mapping); factor paths are checked against the schema.

    ``overrides`` (the CLI's ``--set``) apply to the base scenario after the spec's own ``set``,
    so every point of the sweep sees them; factors still vary on top.
    """
    file = read_spec(spec)
    parsed = _parse(file)
    base_path = file.base_dir / parsed.base
    problems = _factor_problems(parsed, file) + _base_problems(parsed, base_path, file)
    if problems:
        raise ScenarioError.collect(problems)
    base = load_scenario(base_path, parsed.set)
    if overrides:
        base = apply_overrides(base, overrides)
    return Sweep(spec=parsed, base=base, source=file.source)


def _parse(file: SpecFile) -> SweepSpec:
    """The sweep's schema checked, every error at once."""
    try:
        return SweepSpec.model_validate(file.data)
    except ValidationError as exc:
        raise ScenarioError.collect(
            [
                ScenarioError(validation_message(e), file=file.where, field=".".join(str(p) for p in e["loc"]) or None)
                for e in exc.errors()
            ]
        ) from None


def _factor_problems(parsed: SweepSpec, file: SpecFile) -> list[ScenarioError]:
    """A factor path that is not a scenario path."""
    problems = []
    for i, f in enumerate(parsed.factors):
        miss = walk_schema(f.path.split("."))
        if not isinstance(miss, tuple):
            message = f"factor path: {getattr(miss, 'message', miss)}"
            problems.append(ScenarioError(message, file=file.where, field=f"factors[{i}].path"))
    return problems


def _base_problems(parsed: SweepSpec, base_path: Path, file: SpecFile) -> list[ScenarioError]:
    """A base scenario that is not there."""
    if base_path.is_file():
        return []
    message = f"base scenario not found: {parsed.base} (looked for {base_path.absolute()})"
    return [ScenarioError(message, file=file.where, field="base")]


def _factors(spec: SweepSpec) -> list[Factor]:
    return [Factor(path=f.path, levels=f.levels, low=f.low, high=f.high, integer=f.integer) for f in spec.factors]


def point_scenario(base: Scenario, row: Mapping[str, Any], factors: list[Factor], point: int) -> Scenario:
    values = {f.path: _plain(row[f.path]) for f in factors}
    return apply_overrides(base, values).model_copy(update={"name": f"{base.name}-p{point}"})


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x


def run_sweep(sweep: Sweep, options: RunOptions) -> SweepResult:
    """Run every design point (same seeds at every point) and analyse the sensitivity."""
    spec, factors = sweep.spec, _factors(sweep.spec)
    design = make_design(factors, spec.design, spec.n, spec.design_seed)
    points, replications, settings = _run_points(sweep, factors, design, options)
    outputs = points[[f"{m}_mean" for m in spec.metrics]].rename(columns=lambda c: c.removesuffix("_mean"))
    settings = dict(settings)
    settings.pop("warmup_info", None)
    return SweepResult(
        spec=spec,
        design=design,
        points=points,
        replications=replications,
        sensitivity=analyze(design, factors, spec.design, outputs, spec.design_seed),
        main_effects=main_effects(design, factors, outputs),
        settings=settings,
    )


def _run_points(
    sweep: Sweep, factors: list[Factor], design: pd.DataFrame, options: RunOptions
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Every design point's run: one summary row per point, every replication, and the last run's settings."""
    quiet = RunOptions(**{**options.__dict__, "progress": None})
    rows, reps, settings = [], [], {}
    for i, (_, row) in enumerate(design.iterrows()):
        point = int(row["point"])
        res: Results = run(point_scenario(sweep.base, row, factors, point), quiet)
        reps.append(res.replications.assign(point=point))
        rows.append(_point_summary(row, factors, reps[-1], sweep.spec.metrics))
        settings = res.settings
        if options.progress:
            options.progress(i + 1, len(design))
    return pd.DataFrame(rows), pd.concat(reps, ignore_index=True), settings


def _point_summary(
    row: Mapping[str, Any], factors: list[Factor], reps: pd.DataFrame, metrics: list[str]
) -> dict[str, Any]:
    """A point's factor values and each metric's mean and 95 % interval over its replications."""
    summary: dict[str, Any] = {"point": int(row["point"]), **{f.path: _plain(row[f.path]) for f in factors}}
    for metric in metrics:
        summary.update(_interval_columns(metric, reps[metric].to_numpy(dtype=float)))
    return summary


def _interval_columns(metric: str, values: np.ndarray) -> dict[str, float]:
    """``<metric>_mean``, ``_ci_low`` and ``_ci_high``: the replications' mean and 95 % t interval."""
    ci = t_interval(values)
    return {f"{metric}_mean": ci["mean"], f"{metric}_ci_low": ci["ci_low"], f"{metric}_ci_high": ci["ci_high"]}
