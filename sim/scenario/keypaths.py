"""Key paths into scenario data, the override forms, and the names the loader reserves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

Key = str | int
KeyPath = tuple[Key, ...]
Overrides = Sequence[str] | Mapping[str, Any] | None

BUILTIN_PREFIX = "builtin:"


def read_data_bytes(ref: str) -> bytes:
    """The bytes of a data file named in a scenario: ``builtin:NAME`` (shipped in ``sim.data``) or a path."""
    if ref.startswith(BUILTIN_PREFIX):
        return resources.files("sim.data").joinpath(ref.removeprefix(BUILTIN_PREFIX)).read_bytes()
    return Path(ref).read_bytes()


PATH_FIELDS: tuple[KeyPath, ...] = (("world", "counties_csv"), ("world", "villages_csv"), ("initial_state",))
"""Fields naming data files: resolved relative to the YAML file (or cwd for overrides) that set them."""

EXTENDS = "extends"
SET_SOURCE = "--set"
DICT_SOURCE = "override"


def dotted(path: Sequence[Key]) -> str:
    return ".".join(str(k) for k in path)
