"""The calibration targets file: observed figures, their errors and roles, and the inputs to search.

Why a file of its own: an observed figure needs its source, the scenario it applies to, the metric
it is compared with, its observation error and the model discrepancy, and whether it is used to
calibrate or held out to validate. Analysts argue about exactly these lines, so they are data,
not code. Ranges of the inputs come from :mod:`sim.scenario.priors` unless the file narrows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.analysis.history_matching import Observation
from sim.experiment.spec_file import read_spec
from sim.scenario.errors import ScenarioError
from sim.scenario.priors import PRIORS, Prior
from sim.scenario.schema_walk import walk_schema


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(Strict):
    """One uncertain input: a scenario path, searched over its plausible range (or a narrower one)."""

    path: str = Field(description="Dotted scenario path with a plausible range in sim/scenario/priors.py.")
    low: float | None = Field(None, description="Lower end (default: the plausible range's).")
    high: float | None = Field(None, description="Upper end (default: the plausible range's).")

    def prior(self) -> Prior:
        base = PRIORS.get(self.path)
        if base is None and (self.low is None or self.high is None):
            raise ValueError(f"{self.path}: no plausible range in sim/scenario/priors.py; give low and high")
        low = self.low if self.low is not None else base.low
        high = self.high if self.high is not None else base.high
        if not low < high:
            raise ValueError(f"{self.path}: low must be below high")
        return Prior(low, high, base.source if base else "targets file", base.integer if base else False)


class TargetSpec(Strict):
    """One observed figure and how the model is compared with it."""

    name: str = Field(description="Short name of the target.")
    role: Literal["calibration", "validation"] = Field(description="Used to rule inputs out, or held out.")
    scenario: str = Field(description="Scenario file the figure applies to, relative to the targets file.")
    metric: str = Field(description="Metric of summary.json compared with the figure.")
    value: float = Field(description="The observed figure.")
    sd: float = Field(gt=0, description="Observation error (one standard deviation), in the metric's unit.")
    discrepancy_sd: float = Field(0.0, ge=0, description="Model discrepancy (one s.d.): how wrong the model may be.")
    source: str = Field(description="Where the figure comes from (DOMAIN section or article).")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides for this target's runs.")
    use_configuration: bool = Field(True, description="Apply the file's reduced configuration to this target.")

    def observation(self) -> Observation:
        """The figure with its observation error and model discrepancy as variances."""
        return Observation(self.value, self.sd**2, self.discrepancy_sd**2)


class CalibrationSpec(Strict):
    """A targets file."""

    name: str = Field("calibration", description="Name (output folder name).")
    description: str = Field("", description="What is calibrated and why these choices.")
    parameters: list[str | ParameterSpec] = Field(min_length=1, description="Inputs to search.")
    configuration: dict[str, Any] = Field(default_factory=dict, description="Reduced runs (counties, days, ...).")
    replications: int = Field(2, ge=1, description="Replications per design point (common random numbers).")
    seed: int = Field(2023, ge=0, description="Seed of every run and of the designs.")
    waves: int = Field(3, ge=1, description="Most waves of history matching.")
    points_per_wave: int = Field(40, ge=4, description="Simulated design points per wave.")
    cutoff: float = Field(3.0, gt=0, description="Implausibility above which an input set is ruled out.")
    candidates: int = Field(20000, ge=100, description="Emulator evaluations per wave to map what is left.")
    validation_sets: int = Field(20, ge=1, description="Accepted sets run for the held-out targets.")
    targets: list[TargetSpec] = Field(min_length=1, description="Observed figures.")

    @model_validator(mode="after")
    def _has_calibration_target(self) -> CalibrationSpec:
        if not any(t.role == "calibration" for t in self.targets):
            raise ValueError("at least one target must have role: calibration")
        return self

    def parameter_specs(self) -> list[ParameterSpec]:
        return [ParameterSpec(path=p) if isinstance(p, str) else p for p in self.parameters]


def load_targets(spec: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[CalibrationSpec, Path]:
    """Read and check a targets file (or mapping); returns the spec and the folder its paths are relative to."""
    file = read_spec(spec)
    try:
        parsed = CalibrationSpec.model_validate(file.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ScenarioError(first["msg"], file=file.where, field=".".join(str(p) for p in first["loc"])) from None
    _check_parameters(parsed, file.where)
    for i, t in enumerate(parsed.targets):
        if not (file.base_dir / t.scenario).is_file():
            raise ScenarioError(
                f"scenario file not found: {t.scenario}", file=file.where, field=f"targets[{i}].scenario"
            )
    return parsed, file.base_dir


def _check_parameters(parsed: CalibrationSpec, where: str | None) -> None:
    """Every searched input is a scenario path with a usable range."""
    for i, p in enumerate(parsed.parameter_specs()):
        if not isinstance(walk_schema(p.path.split(".")), tuple):
            raise ScenarioError(f"unknown scenario path {p.path!r}", file=where, field=f"parameters[{i}]")
        try:
            p.prior()
        except ValueError as exc:
            raise ScenarioError(str(exc), file=where, field=f"parameters[{i}]") from None
