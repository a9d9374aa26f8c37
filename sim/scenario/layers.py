"""Scenario data with the origin (file and line) of every key path, and their deep merge.

Why: an error must name the file and line that wrote the bad value, even after an ``extends``
chain merged several files; each layer carries its origin map through the merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_origin

from sim.scenario.keypaths import KeyPath
from sim.scenario.schema_walk import default_at, schema_type


@dataclass(frozen=True)
class Origin:
    """Where a key was written: a file (or ``--set``) and a 1-based line when known."""

    file: str
    line: int | None = None


@dataclass
class Layer:
    """Plain scenario data plus the origin of every key path in it (mappings and list items)."""

    data: dict[Any, Any]
    origins: dict[KeyPath, Origin] = field(default_factory=dict)

    def origin_of(self, path: KeyPath) -> Origin | None:
        """Origin of ``path`` or of its nearest ancestor that has one."""
        for end in range(len(path), 0, -1):
            found = self.origins.get(path[:end])
            if found is not None:
                return found
        return None

    def drop_below(self, path: KeyPath) -> None:
        """Forget origins strictly under ``path`` (its value was replaced wholesale)."""
        n = len(path)
        for key in [p for p in self.origins if len(p) > n and p[:n] == path]:
            del self.origins[key]


def _merge_data(base: Any, over: Any, path: KeyPath = ()) -> Any:
    """Mappings merge recursively; anything else in ``over`` replaces ``base`` wholesale.

    A named mapping the base never wrote (``requests.types``) merges onto the schema's default
    mapping, exactly as ``--set requests.types.help.rate_per_1000_residents_per_year=…`` does:
    an extending file that changes one field of the default 'help' type changes that field only.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            here = (*path, key)
            if key in base:
                merged[key] = _merge_data(base[key], value, here)
            elif isinstance(value, dict):
                merged[key] = _merge_data(_named_mapping_default(here) or {}, value, here)
            else:
                merged[key] = value
        return merged
    return over


def _named_mapping_default(path: KeyPath) -> Any:
    """The schema default at ``path`` when it is a ``dict[str, Model]`` field with entries, else None."""
    annotation = schema_type(path)
    if get_origin(annotation) is not dict:
        return None
    default = default_at(path)
    return default if isinstance(default, dict) and default else None


def _survives(path: KeyPath, base: Any, over: Any) -> bool:
    """Whether a base key path still exists (unreplaced) after merging ``over`` on top."""
    for depth, key in enumerate(path):
        if not (isinstance(over, dict) and isinstance(base, dict)):
            return False
        if key not in over:
            return True
        if depth == len(path) - 1:
            return False  # over sets this very key: its origin wins
        base, over = base.get(key), over[key]
    return True


def merge_layers(base: Layer, over: Layer) -> Layer:
    """Deep-merge ``over`` onto ``base``, keeping each surviving key's origin."""
    origins = {p: o for p, o in base.origins.items() if _survives(p, base.data, over.data)}
    origins.update(over.origins)
    return Layer(_merge_data(base.data, over.data), origins)
