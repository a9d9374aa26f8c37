"""Walk the scenario schema by key path: the type and default at a path, valid keys, did-you-mean.

Why: overrides, error messages and deep merges all need to know what the schema expects at a
path that may not exist in the data yet.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from sim.scenario.keypaths import EXTENDS, Key, KeyPath, dotted
from sim.scenario.params import Scenario
from sim.scenario.params.distributions import FAMILIES as DISTRIBUTION_FAMILIES
from sim.scenario.params.distributions import kind_of as distribution_kind


def _members(annotation: Any) -> list[Any]:
    """The alternatives of an annotation, with Annotated and None stripped."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(annotation) if arg is not type(None) for m in _members(arg)]
    return [annotation]


def _model_members(annotation: Any) -> list[type[BaseModel]]:
    return [m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]


@dataclass(frozen=True)
class SchemaMiss:
    """Why a key path leaves the schema, worded for the user."""

    message: str


def _schema_child(annotation: Any, key: str | int) -> tuple[Any, Key] | None:
    """Type of ``annotation[key]`` (and the key, as int for list indices), or None if invalid."""
    for member in _members(annotation):
        origin = get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            if isinstance(key, str) and key in member.model_fields:
                return member.model_fields[key].annotation, key
        elif origin is dict:
            return get_args(member)[1], key
        elif origin in (list, tuple):
            index = _as_index(key)
            args = get_args(member)
            if index is None:
                continue
            if origin is list:
                return args[0], index
            if len(args) == 2 and args[1] is Ellipsis:
                return args[0], index
            if index < len(args):
                return args[index], index
    return None


def _as_index(key: str | int) -> int | None:
    if isinstance(key, int):
        return key if key >= 0 else None
    return int(key) if key.isdigit() else None


def _valid_keys(annotation: Any, at_root: bool) -> list[str]:
    keys = list(dict.fromkeys(name for model in _model_members(annotation) for name in model.model_fields))
    return [*keys, EXTENDS] if at_root else keys


def unknown_key_message(data: Any, path: KeyPath) -> str:
    """'unknown key' with the valid keys; for a distribution, those of the family its kind names."""
    parent = data
    for key in path[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    members = _model_members(schema_type(path[:-1]))
    family = distribution_kind(parent) if isinstance(parent, dict) else None
    chosen = [m for m in members if m.model_fields.get("kind") is not None and family in DISTRIBUTION_FAMILIES]
    chosen = [m for m in chosen if m.model_fields["kind"].annotation == Literal[family]]  # type: ignore[valid-type]
    if chosen:
        own = list(chosen[0].model_fields)
        return f"unknown key '{path[-1]}' for kind '{family}', which takes: {', '.join(own)}"
    candidates = _valid_keys(schema_type(path[:-1]), at_root=len(path) == 1)
    return f"unknown key '{path[-1]}'; {_suggest(path[-1], candidates)}"


def _suggest(key: Any, candidates: list[str], prefix: str = "") -> str:
    """'did you mean ...?' from close matches, else the list of valid keys."""
    close = difflib.get_close_matches(str(key), candidates, n=3, cutoff=0.6) or difflib.get_close_matches(
        str(key), candidates, n=2, cutoff=0.5
    )
    if close:
        return "did you mean " + " or ".join(f"'{prefix}{c}'" for c in close) + "?"
    return "valid keys: " + ", ".join(candidates) if candidates else "this block takes no keys"


def walk_schema(path: Sequence[str | int]) -> KeyPath | SchemaMiss:
    """Check a key path against the :class:`Scenario` schema.

    Model fields must exist, dict fields accept any key, list fields accept integer indices.
    Returns the path with list indices as ints, or where and why it leaves the schema.
    """
    annotation: Any = Scenario
    walked: list[Key] = []
    for depth, key in enumerate(path):
        child = _schema_child(annotation, key)
        if child is not None:
            annotation, normal = child
            walked.append(normal)
            continue
        here = dotted(tuple(walked))
        models = _model_members(annotation)
        if models:
            candidates = _valid_keys(annotation, at_root=False)
            prefix = f"{here}." if here else ""
            missing = dotted(tuple(path[: depth + 1]))
            return SchemaMiss(f"no field '{missing}'; {_suggest(key, candidates, prefix)}")
        kinds = {get_origin(m) for m in _members(annotation)}
        if kinds & {list, tuple}:
            return SchemaMiss(f"'{here}' is a list; expected an integer index, got '{key}'")
        return SchemaMiss(f"'{here}' is a single value and has no field '{key}'")
    return tuple(walked)


def schema_type(path: KeyPath) -> Any:
    """Annotation at a key path already known to be valid (Scenario at the root)."""
    annotation: Any = Scenario
    for key in path:
        child = _schema_child(annotation, key)
        if child is None:
            return None
        annotation = child[0]
    return annotation


def default_at(path: KeyPath) -> Any:
    """JSON-like default value the schema gives ``path`` (None when it has none)."""
    parent = schema_type(path[:-1])
    for model in _model_members(parent):
        info = model.model_fields.get(str(path[-1]))
        if info is not None and not info.is_required():
            return _json_default(info)
    return None


def _json_default(info: FieldInfo) -> Any:
    """A field's default as JSON-like data (a default factory is called)."""
    default = info.get_default(call_default_factory=True, validated_data={})
    return TypeAdapter(info.annotation).dump_python(default, mode="json")
