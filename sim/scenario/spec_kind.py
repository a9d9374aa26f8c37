"""Tell a scenario file from a sweep or calibration spec by its top-level keys.

Why: ``grassroots validate sweeps/x.yaml`` used to say "unknown key 'base'", and ``run`` on a
sweep spec failed the same way. Knowing the kind lets ``validate`` check any of the three and
lets ``run`` say which command a spec is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

SpecKind = Literal["scenario", "sweep", "calibration"]

#: Keys only a sweep spec (base + factors) or a calibration spec (parameters + targets) has.
SWEEP_KEYS = frozenset({"base", "factors"})
CALIBRATION_KEYS = frozenset({"parameters", "targets"})
COMMAND_FOR: dict[SpecKind, str] = {"scenario": "run", "sweep": "sweep", "calibration": "calibrate"}


def yaml_mapping(path: Path) -> dict:
    """The file's top-level mapping, or {} when it cannot be read as one (the loaders report why)."""
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def spec_kind(path: Path) -> SpecKind:
    """'sweep', 'calibration' or 'scenario' (the default, also for unreadable files: the loader reports)."""
    keys = set(yaml_mapping(path))
    if SWEEP_KEYS <= keys:
        return "sweep"
    if CALIBRATION_KEYS <= keys:
        return "calibration"
    return "scenario"
