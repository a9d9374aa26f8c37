"""Safe YAML parsing with line numbers, and data-file paths resolved relative to their file."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from sim.scenario.errors import ScenarioError, describe_value
from sim.scenario.keypaths import BUILTIN_PREFIX, PATH_FIELDS, SET_SOURCE, KeyPath, dotted
from sim.scenario.layers import Layer, Origin


def _safe_yaml() -> YAML:
    """Safe loader: only plain mappings, lists and scalars; pure Python for exact marks."""
    return YAML(typ="safe", pure=True)


def _yaml_problem(exc: YAMLError, file: str) -> ScenarioError:
    """Turn a ruamel parse/construct error into one line with the parser's file position."""
    mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem if isinstance(exc, MarkedYAMLError) and exc.problem else str(exc)
    if isinstance(exc, ConstructorError) and "could not determine a constructor" in problem:
        tag = problem.split("tag", 1)[-1].strip().strip("'").replace("tag:yaml.org,2002:", "!!")
        return ScenarioError(
            f"unsupported YAML tag '{tag}': only plain mappings, lists and scalars are allowed",
            file=file,
            line=line,
        )
    if isinstance(exc, DuplicateKeyError):
        problem = problem.split(" with value")[0]
    context = exc.context if isinstance(exc, MarkedYAMLError) and exc.context else ""
    ctx_mark = exc.context_mark if isinstance(exc, MarkedYAMLError) else None
    if context and ctx_mark is not None and ctx_mark.line + 1 != line:
        problem = f"{problem} ({context} started on line {ctx_mark.line + 1})"
    return ScenarioError(f"invalid YAML: {' '.join(problem.split())}", file=file, line=line)


def _plain(value: Any, file: str, active: frozenset[int] = frozenset()) -> Any:
    """Copy loaded data, turning YAML dates back into text (the schema has string dates only)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        if id(value) in active:
            raise ScenarioError("invalid YAML: an alias refers to itself (recursive data)", file=file)
        inner = active | {id(value)}
        if isinstance(value, dict):
            return {k: _plain(v, file, inner) for k, v in value.items()}
        return [_plain(v, file, inner) for v in value]
    return value


@dataclass
class _Origins:
    """The line of every mapping key and list item of one file, from its composed node tree."""

    yaml: YAML
    file: str
    found: dict[KeyPath, Origin] = field(default_factory=dict)

    def walk(self, node: Node, path: KeyPath = (), active: frozenset[int] = frozenset()) -> None:
        if id(node) in active:  # an alias met again inside itself
            return
        active = active | {id(node)}
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if key_node.tag.endswith(":merge"):
                    continue  # keys merged in with '<<' keep the line of their parent
                key = self.yaml.constructor.construct_object(key_node, deep=True)
                if isinstance(key, dict | list):
                    continue
                self.found[(*path, key)] = Origin(self.file, key_node.start_mark.line + 1)
                self.walk(value_node, (*path, key), active)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.found[(*path, index)] = Origin(self.file, item.start_mark.line + 1)
                self.walk(item, (*path, index), active)


def parse_yaml_file(path: Path, display: str) -> Layer:
    """Read one YAML file into a :class:`Layer`; raise :class:`ScenarioError` on any problem."""
    text = _read_text(path, display)
    yaml = _safe_yaml()
    try:
        raw = yaml.load(text)
        node = yaml.compose(text)
    except YAMLError as exc:
        raise _yaml_problem(exc, display) from None
    if raw is None:
        raise ScenarioError("file is empty; expected a mapping of keys such as 'run:' or 'world:'", file=display)
    if not isinstance(raw, dict):
        line = node.start_mark.line + 1 if node is not None else None
        raise ScenarioError(
            f"top-level document must be a mapping of keys (such as 'run:'), got {describe_value(raw)}",
            file=display,
            line=line,
        )
    origins = _Origins(yaml, display)
    origins.walk(node)
    return Layer(_plain(raw, display), origins.found)


def _read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=display) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read file: {exc}", file=display) from None


def parse_yaml_value(text: str) -> Any:
    """A ``--set`` value as a YAML scalar or flow collection (safe loading only)."""
    return _plain(_safe_yaml().load(text), SET_SOURCE)


# ------------------------------------------------------------------------ data-file paths


def resolve_data_paths(value: Any, at: KeyPath, base_dir: str) -> Any:
    """Make relative data-file paths under ``value`` (found at key path ``at``) absolute.

    Why at load time: a path means "relative to the file that wrote it", and once layers are
    merged nobody remembers which file that was.
    """
    for target in PATH_FIELDS:
        if target[: len(at)] != at:
            continue
        rest = target[len(at) :]
        if not rest:
            if _is_relative_data_path(value):
                value = os.path.abspath(os.path.join(base_dir, value))
            continue
        parent = value
        for key in rest[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and _is_relative_data_path(parent.get(rest[-1])):
            parent[rest[-1]] = os.path.abspath(os.path.join(base_dir, parent[rest[-1]]))
    return value


def _is_relative_data_path(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and not value.startswith(BUILTIN_PREFIX)


def check_data_files(layer: Layer) -> list[ScenarioError]:
    """Every non-builtin data file named by the final scenario must exist."""
    problems = []
    for path in PATH_FIELDS:
        value: Any = layer.data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if _is_relative_data_path(value) and not os.path.isfile(value):
            origin = layer.origin_of(path)
            problems.append(
                ScenarioError(
                    f"file not found: {value}",
                    file=origin.file if origin else None,
                    line=origin.line if origin else None,
                    field=dotted(path),
                )
            )
    return problems
