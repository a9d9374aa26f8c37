"""Test helpers: small scenarios that run in seconds, built from the shipped files."""

from __future__ import annotations

from pathlib import Path

from sim.scenario.loader import load_scenario
from sim.scenario.params import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def scenario(name: str, overrides: dict | None = None) -> Scenario:
    """A shipped scenario (path relative to scenarios/) with overrides."""
    return load_scenario(SCENARIOS / name, overrides or {})


def small_city(name: str = "baseline.yaml", **overrides) -> Scenario:
    """A shipped scenario restricted to the smallest county (Malong, 56 units)."""
    return scenario(name, {"world.counties": ["Malong"], **overrides})
