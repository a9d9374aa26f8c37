"""Validate merged data once and map pydantic's errors back to file, line and field."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sim.scenario.county_names import county_problems
from sim.scenario.errors import ScenarioError, union_message, validation_message
from sim.scenario.initial_state import initial_state_problems
from sim.scenario.keypaths import KeyPath, dotted
from sim.scenario.layers import Layer
from sim.scenario.official_days import calendar_problems
from sim.scenario.params import Scenario
from sim.scenario.params.distributions import FAMILIES as DISTRIBUTION_FAMILIES
from sim.scenario.params.distributions import kind_of as distribution_kind
from sim.scenario.schema_walk import unknown_key_message
from sim.scenario.yaml_source import check_data_files


def _data_path(data: Any, loc: tuple[int | str, ...], kind: str) -> tuple[KeyPath, bool]:
    """The part of a pydantic location that names keys of the data (and whether a tag was cut).

    pydantic appends union-member tags (``'constrained-float'``) and ``'[key]'`` markers after a
    field; those are not keys the user wrote and would only confuse the field path. A
    distribution's family tag (``'uniform'``) sits between the field and its parameters: it is
    skipped, so a stray ``mean`` is reported at ``….effort_hours.mean``.
    """
    node = data
    path: list[int | str] = []
    for depth, key in enumerate(loc):
        in_dict = isinstance(node, dict) and key in node
        if in_dict or (isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)):
            node = node[key]
            path.append(key)
        elif isinstance(node, dict) and key in DISTRIBUTION_FAMILIES and distribution_kind(node) == key:
            continue
        elif kind in ("missing", "extra_forbidden") and depth == len(loc) - 1:
            return (*path, key), False
        else:
            return tuple(path), True
    return tuple(path), False


def translate_validation_error(exc: ValidationError, layer: Layer, default_file: str | None) -> list[ScenarioError]:
    """Map every pydantic error back to file, line and dotted field path."""
    return [_error_at(layer, path, message, default_file) for path, message in _messages(exc, layer).items()]


def _messages(exc: ValidationError, layer: Layer) -> dict[KeyPath, str]:
    """One message per field path: a union's alternatives merged, unknown keys with their suggestions last."""
    grouped: dict[KeyPath, list[tuple[str, str]]] = {}
    cut: set[KeyPath] = set()
    extra: list[KeyPath] = []
    for error in exc.errors():
        path, tagged = _data_path(layer.data, error["loc"], error["type"])
        if error["type"] == "extra_forbidden":
            extra.append(path)
            continue
        if tagged:
            cut.add(path)
        grouped.setdefault(path, []).append((error["type"], validation_message(error)))
    messages = {
        path: union_message(items) if path in cut and len(items) > 1 else items[0][1] for path, items in grouped.items()
    }
    for path in extra:
        messages[path] = unknown_key_message(layer.data, path)
    return messages


def _error_at(layer: Layer, path: KeyPath, message: str, default_file: str | None) -> ScenarioError:
    origin = layer.origin_of(path)
    return ScenarioError(
        message,
        file=origin.file if origin else default_file,
        line=origin.line if origin else None,
        field=dotted(path) or None,
    )


def _locate(layer: Layer, path: KeyPath, default_file: str | None) -> tuple[str | None, int | None]:
    """File and line that wrote ``path`` (or its nearest ancestor)."""
    origin = layer.origin_of(path)
    return (origin.file, origin.line) if origin else (default_file, None)


def validate_layer(layer: Layer, default_file: str | None) -> Scenario:
    """Validate once; raise every problem (data files and schema) together."""
    problems = check_data_files(layer)
    scenario = None
    try:
        scenario = Scenario.model_validate(layer.data)
    except ValidationError as exc:
        problems += translate_validation_error(exc, layer, default_file)
    if scenario is not None:
        problems += county_problems(scenario, lambda path: _locate(layer, path, default_file))
        problems += calendar_problems(scenario, lambda path: _locate(layer, path, default_file))
        problems += initial_state_problems(scenario)
    if problems or scenario is None:
        problems.sort(key=lambda p: (p.file or "", p.line or 0))
        raise ScenarioError.collect(problems)
    return scenario
