"""``--set`` overrides and their dict form: parsed against the schema, applied with origins."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sim.scenario.errors import ScenarioError
from sim.scenario.keypaths import DICT_SOURCE, SET_SOURCE, Key, KeyPath, Overrides, dotted
from sim.scenario.layers import Layer, Origin
from sim.scenario.schema_walk import SchemaMiss, default_at, walk_schema
from sim.scenario.yaml_source import parse_yaml_value, resolve_data_paths


@dataclass(frozen=True)
class Override:
    """One ``path=value`` assignment, already checked against the schema."""

    path: KeyPath
    value: Any
    source: str


def parse_overrides(overrides: Overrides) -> list[Override]:
    """Normalise ``--set`` strings or a ``{dotted.path: value}`` dict; report all bad ones at once."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        overrides = [overrides]
    problems: list[ScenarioError] = []
    if isinstance(overrides, Mapping):
        # Python callers may pass pathlib paths for the data-file fields.
        items = [
            (str(k), os.fspath(v) if isinstance(v, os.PathLike) else copy.deepcopy(v), DICT_SOURCE)
            for k, v in overrides.items()
        ]
    else:
        items = _set_items(overrides, problems)
    result = []
    for dotted_path, value, source in items:
        walked = _schema_path(dotted_path, source, problems)
        if walked is not None:
            result.append(Override(walked, value, source))
    if problems:
        raise ScenarioError.collect(problems)
    return result


def _set_items(texts: Iterable[str], problems: list[ScenarioError]) -> list[tuple[str, Any, str]]:
    """``path=value`` strings as (path, value read as YAML, source); bad ones join ``problems``."""
    items = []
    for text in texts:
        dotted_path, sep, raw = str(text).partition("=")
        if not sep or not dotted_path.strip():
            problems.append(ScenarioError(f"expected path=value, got {text!r}", file=SET_SOURCE))
            continue
        try:
            value = parse_yaml_value(raw)
        except (YAMLError, ScenarioError) as exc:
            problems.append(
                ScenarioError(
                    f"cannot read value {raw!r} as YAML ({_first_line(exc)}); quote it if it is text",
                    file=SET_SOURCE,
                    field=dotted_path.strip(),
                )
            )
            continue
        items.append((dotted_path.strip(), value, SET_SOURCE))
    return items


def _schema_path(dotted_path: str, source: str, problems: list[ScenarioError]) -> KeyPath | None:
    """The schema's key path for ``a.b.c`` (None, with a problem noted, when the schema has no such field)."""
    keys = dotted_path.split(".")
    if not all(k.strip() for k in keys):
        problems.append(ScenarioError(f"expected a dotted path like 'run.days', got {dotted_path!r}", file=source))
        return None
    walked = walk_schema([k.strip() for k in keys])
    if isinstance(walked, SchemaMiss):
        problems.append(ScenarioError(walked.message, file=source, field=dotted_path))
        return None
    return walked


def _first_line(exc: Exception) -> str:
    if isinstance(exc, MarkedYAMLError) and exc.problem:
        return exc.problem
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _container_for(path: KeyPath, want_list: bool) -> Any:
    """A fresh container at ``path``: the schema default when it has one of the right kind.

    Why the default: ``--set requests.types.help.urgent=true`` on a file that never wrote
    ``requests.types`` must change the default 'help' type, not replace all types by one.
    """
    default = default_at(path)
    kind = list if want_list else dict
    return default if isinstance(default, kind) else kind()


def _apply_one(layer: Layer, override: Override) -> None:
    """Set one override in ``layer`` (in place), creating parents from schema defaults."""
    origin = Origin(override.source)
    node: Any = layer.data
    for depth, key in enumerate(override.path):
        here = override.path[: depth + 1]
        last = depth == len(override.path) - 1
        if last:
            value = resolve_data_paths(copy.deepcopy(override.value), here, os.getcwd())
        else:
            want_list = isinstance(override.path[depth + 1], int)
            value = _child(node, key)
            if isinstance(value, list if want_list else dict):
                node = value
                continue
            value = _container_for(here, want_list)
        if isinstance(node, list):
            if not isinstance(key, int) or key >= len(node):
                raise ScenarioError(
                    f"index {key} out of range: '{dotted(here[:-1])}' has {len(node)} items",
                    file=override.source,
                    field=dotted(override.path),
                )
            node[key] = value
        else:
            node[key] = value
        layer.drop_below(here)
        layer.origins[here] = origin
        node = value


def _child(node: Any, key: Key) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


def apply_all(layer: Layer, overrides: Overrides) -> Layer:
    parsed = parse_overrides(overrides)
    if not parsed:
        return layer
    layer = Layer(copy.deepcopy(layer.data), dict(layer.origins))
    problems = []
    for override in parsed:
        try:
            _apply_one(layer, override)
        except ScenarioError as exc:
            problems.append(exc)
    if problems:
        raise ScenarioError.collect(problems)
    return layer
