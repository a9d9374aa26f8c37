"""Reading an experiment's own file (a sweep, a targets file) or the mapping that stands for it.

Why shared: both files name other files relative to themselves, and both report a missing file or
broken YAML the same way, before their own schema is checked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.scenario.errors import ScenarioError


@dataclass(frozen=True)
class SpecFile:
    """An experiment file's contents, the folder its paths are relative to, and the file (None for a mapping)."""

    data: Any
    base_dir: Path
    source: Path | None

    @property
    def where(self) -> str | None:
        """The file's name for error messages."""
        return str(self.source) if self.source else None


def read_spec(spec: str | os.PathLike[str] | Mapping[str, Any]) -> SpecFile:
    """The YAML of a file (its paths relative to its folder), or a mapping (relative to the working folder)."""
    if isinstance(spec, Mapping):
        return SpecFile(dict(spec), Path.cwd(), None)
    source = Path(spec)
    if not source.is_file():
        raise ScenarioError(f"file not found: {source}", file=str(source))
    try:
        data = YAML(typ="safe").load(source.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=str(source)) from None
    return SpecFile(data, source.parent, source)
