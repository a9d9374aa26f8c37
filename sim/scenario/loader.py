"""Load scenario YAML files (with ``extends`` chains and ``--set`` overrides) into a :class:`Scenario`.

Why this module exists rather than ``Scenario.model_validate(yaml.load(...))``: a modeller who
gets a key or a value wrong must be told *which file and line* to fix, even when the key came
from a base file further up an ``extends`` chain or from a command-line ``--set``. So every
layer keeps an *origin map* (key path -> file and line) next to its plain data, layers are
merged together with their origins, and pydantic's error locations are mapped back through it.

The pipeline is: parse each file safely (no arbitrary YAML tags) -> resolve data-file paths
relative to the file that wrote them -> merge the ``extends`` chain -> apply overrides -> check
data files exist -> validate exactly once -> translate every error into one short line.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import os
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter

from sim.scenario.county_names import county_problems
from sim.scenario.errors import ScenarioError, describe_value, union_message, validation_message
from sim.scenario.official_days import calendar_problems
from sim.scenario.params import Scenario
from sim.scenario.params.distributions import FAMILIES as DISTRIBUTION_FAMILIES
from sim.scenario.params.distributions import kind_of as distribution_kind

__all__ = ["Overrides", "ScenarioError", "apply_overrides", "load_scenario", "scenario_to_yaml"]

Key = str | int
KeyPath = tuple[Key, ...]
Overrides = Sequence[str] | Mapping[str, Any] | None

BUILTIN_PREFIX = "builtin:"
PATH_FIELDS: tuple[KeyPath, ...] = (("world", "counties_csv"), ("world", "villages_csv"))
"""Fields naming data files: resolved relative to the YAML file (or cwd for overrides) that set them."""

EXTENDS = "extends"
SET_SOURCE = "--set"
DICT_SOURCE = "override"


# ------------------------------------------------------------------------ layers


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
    annotation = _schema_type(path)
    if get_origin(annotation) is not dict:
        return None
    default = _default_at(path)
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


# ------------------------------------------------------------------------ YAML parsing


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


def _record_origins(
    yaml: YAML, node: Node, path: KeyPath, file: str, out: dict[KeyPath, Origin], active: frozenset[int]
) -> None:
    """Walk the composed node tree and note the line of every mapping key and list item."""
    if id(node) in active:
        return
    active = active | {id(node)}
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if key_node.tag.endswith(":merge"):
                continue  # keys merged in with '<<' keep the line of their parent
            key = yaml.constructor.construct_object(key_node, deep=True)
            if isinstance(key, dict | list):
                continue
            out[(*path, key)] = Origin(file, key_node.start_mark.line + 1)
            _record_origins(yaml, value_node, (*path, key), file, out, active)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            out[(*path, index)] = Origin(file, item.start_mark.line + 1)
            _record_origins(yaml, item, (*path, index), file, out, active)


def parse_yaml_file(path: Path, display: str) -> Layer:
    """Read one YAML file into a :class:`Layer`; raise :class:`ScenarioError` on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=display) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read file: {exc}", file=display) from None
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
    origins: dict[KeyPath, Origin] = {}
    _record_origins(yaml, node, (), display, origins, frozenset())
    return Layer(_plain(raw, display), origins)


def _parse_yaml_value(text: str) -> Any:
    """A ``--set`` value as a YAML scalar or flow collection (safe loading only)."""
    return _plain(_safe_yaml().load(text), SET_SOURCE)


# ------------------------------------------------------------------------ data-file paths


def _resolve_data_paths(value: Any, at: KeyPath, base_dir: str) -> Any:
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


def _check_data_files(layer: Layer) -> list[ScenarioError]:
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
                    field=_dotted(path),
                )
            )
    return problems


# ------------------------------------------------------------------------ extends chains


def _load_chain(path: Path, display: str, chain: tuple[tuple[Path, str], ...], assumptions: Overrides = None) -> Layer:
    """Load ``path`` and the files it extends; the extending file wins.

    With several bases (``extends: [a.yaml, b.yaml]``) each file is applied once,
    ancestors before descendants and bases left to right, so a common ancestor
    (say baseline.yaml) cannot undo what an earlier base changed. ``assumptions`` are
    applied to the root files (those extending nothing) before anything extends them: an
    assumption set changes the world the reforms act on, and a reform file's own setting of a
    field (its lever) stays on top.
    """
    ordered: list[tuple[Path, Layer]] = []
    roots: set[Path] = set()
    _collect(path, display, chain, ordered, roots)
    if assumptions:
        ordered = [(p, _apply_all(layer, assumptions) if p in roots else layer) for p, layer in ordered]
    layer = ordered[0][1]
    for _, over in ordered[1:]:
        layer = merge_layers(layer, over)
    return layer


def _collect(
    path: Path,
    display: str,
    chain: tuple[tuple[Path, str], ...],
    ordered: list[tuple[Path, Layer]],
    roots: set[Path],
) -> None:
    """Append the files of ``path``'s extends graph to ``ordered`` (post-order, each once); note the roots."""
    layer = parse_yaml_file(path, display)
    _resolve_data_paths(layer.data, (), str(path.parent))
    resolved = path.resolve()
    if EXTENDS not in layer.data:
        roots.add(resolved)
    if EXTENDS in layer.data:
        target = layer.data.pop(EXTENDS)
        origin = layer.origins.pop((EXTENDS,), Origin(display))
        layer.drop_below((EXTENDS,))

        def problem(message: str) -> ScenarioError:
            return ScenarioError(message, file=origin.file, line=origin.line, field=EXTENDS)

        targets = [target] if isinstance(target, str) else target
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) and t for t in targets):
            raise problem(f"expected a YAML file name or a list of them, got {describe_value(target)}")
        seen = (*chain, (resolved, display))
        for name in targets:
            target_path = path.parent / name
            target_display = os.path.normpath(os.path.join(os.path.dirname(display), name))
            if not target_path.is_file():
                raise problem(f"file not found: {name} (looked for {target_path.absolute()})")
            if any(r == target_path.resolve() for r, _ in seen):
                raise problem("extends cycle: " + " -> ".join(n for _, n in seen) + f" -> {target_display}")
            _collect(target_path, target_display, seen, ordered, roots)
    if all(p != resolved for p, _ in ordered):
        ordered.append((resolved, layer))


# ------------------------------------------------------------------------ schema walking


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
class _SchemaMiss:
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


def _unknown_key_message(data: Any, path: KeyPath) -> str:
    """'unknown key' with the valid keys; for a distribution, those of the family its kind names."""
    parent = data
    for key in path[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    members = _model_members(_schema_type(path[:-1]))
    family = distribution_kind(parent) if isinstance(parent, dict) else None
    chosen = [m for m in members if m.model_fields.get("kind") is not None and family in DISTRIBUTION_FAMILIES]
    chosen = [m for m in chosen if m.model_fields["kind"].annotation == Literal[family]]  # type: ignore[valid-type]
    if chosen:
        own = list(chosen[0].model_fields)
        return f"unknown key '{path[-1]}' for kind '{family}', which takes: {', '.join(own)}"
    candidates = _valid_keys(_schema_type(path[:-1]), at_root=len(path) == 1)
    return f"unknown key '{path[-1]}'; {_suggest(path[-1], candidates)}"


def _suggest(key: Any, candidates: list[str], prefix: str = "") -> str:
    """'did you mean ...?' from close matches, else the list of valid keys."""
    close = difflib.get_close_matches(str(key), candidates, n=3, cutoff=0.6) or difflib.get_close_matches(
        str(key), candidates, n=2, cutoff=0.5
    )
    if close:
        return "did you mean " + " or ".join(f"'{prefix}{c}'" for c in close) + "?"
    return "valid keys: " + ", ".join(candidates) if candidates else "this block takes no keys"


def walk_schema(path: Sequence[str | int]) -> KeyPath | _SchemaMiss:
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
        here = _dotted(tuple(walked))
        models = _model_members(annotation)
        if models:
            candidates = _valid_keys(annotation, at_root=False)
            prefix = f"{here}." if here else ""
            missing = _dotted(tuple(path[: depth + 1]))
            return _SchemaMiss(f"no field '{missing}'; {_suggest(key, candidates, prefix)}")
        kinds = {get_origin(m) for m in _members(annotation)}
        if kinds & {list, tuple}:
            return _SchemaMiss(f"'{here}' is a list; expected an integer index, got '{key}'")
        return _SchemaMiss(f"'{here}' is a single value and has no field '{key}'")
    return tuple(walked)


def _schema_type(path: KeyPath) -> Any:
    """Annotation at a key path already known to be valid (Scenario at the root)."""
    annotation: Any = Scenario
    for key in path:
        child = _schema_child(annotation, key)
        if child is None:
            return None
        annotation = child[0]
    return annotation


def _default_at(path: KeyPath) -> Any:
    """JSON-like default value the schema gives ``path`` (None when it has none)."""
    parent = _schema_type(path[:-1])
    for model in _model_members(parent):
        info = model.model_fields.get(str(path[-1]))
        if info is not None and not info.is_required():
            default = info.get_default(call_default_factory=True, validated_data={})
            return TypeAdapter(info.annotation).dump_python(default, mode="json")
    return None


# ------------------------------------------------------------------------ overrides


@dataclass(frozen=True)
class Override:
    """One ``path=value`` assignment, already checked against the schema."""

    path: KeyPath
    value: Any
    source: str


def _dotted(path: Sequence[Key]) -> str:
    return ".".join(str(k) for k in path)


def parse_overrides(overrides: Overrides) -> list[Override]:
    """Normalise ``--set`` strings or a ``{dotted.path: value}`` dict; report all bad ones at once."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        overrides = [overrides]
    items: list[tuple[str, Any, str]] = []
    problems: list[ScenarioError] = []
    if isinstance(overrides, Mapping):
        # Python callers may pass pathlib paths for the data-file fields.
        items = [
            (str(k), os.fspath(v) if isinstance(v, os.PathLike) else copy.deepcopy(v), DICT_SOURCE)
            for k, v in overrides.items()
        ]
    else:
        for text in overrides:
            dotted, sep, raw = str(text).partition("=")
            if not sep or not dotted.strip():
                problems.append(ScenarioError(f"expected path=value, got {text!r}", file=SET_SOURCE))
                continue
            try:
                value = _parse_yaml_value(raw)
            except (YAMLError, ScenarioError) as exc:
                problems.append(
                    ScenarioError(
                        f"cannot read value {raw!r} as YAML ({_first_line(exc)}); quote it if it is text",
                        file=SET_SOURCE,
                        field=dotted.strip(),
                    )
                )
                continue
            items.append((dotted.strip(), value, SET_SOURCE))
    result = []
    for dotted, value, source in items:
        keys = dotted.split(".")
        if not all(k.strip() for k in keys):
            problems.append(ScenarioError(f"expected a dotted path like 'run.days', got {dotted!r}", file=source))
            continue
        walked = walk_schema([k.strip() for k in keys])
        if isinstance(walked, _SchemaMiss):
            problems.append(ScenarioError(walked.message, file=source, field=dotted))
            continue
        result.append(Override(walked, value, source))
    if problems:
        raise ScenarioError.collect(problems)
    return result


def _first_line(exc: Exception) -> str:
    if isinstance(exc, MarkedYAMLError) and exc.problem:
        return exc.problem
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _container_for(path: KeyPath, want_list: bool) -> Any:
    """A fresh container at ``path``: the schema default when it has one of the right kind.

    Why the default: ``--set requests.types.help.urgent=true`` on a file that never wrote
    ``requests.types`` must change the default 'help' type, not replace all types by one.
    """
    default = _default_at(path)
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
            value = _resolve_data_paths(copy.deepcopy(override.value), here, os.getcwd())
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
                    f"index {key} out of range: '{_dotted(here[:-1])}' has {len(node)} items",
                    file=override.source,
                    field=_dotted(override.path),
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


def _apply_all(layer: Layer, overrides: Overrides) -> Layer:
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


# ------------------------------------------------------------------------ validation errors


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
        messages[path] = _unknown_key_message(layer.data, path)
    problems = []
    for path, message in messages.items():
        origin = layer.origin_of(path)
        problems.append(
            ScenarioError(
                message,
                file=origin.file if origin else default_file,
                line=origin.line if origin else None,
                field=_dotted(path) or None,
            )
        )
    return problems


def _locate(layer: Layer, path: KeyPath, default_file: str | None) -> tuple[str | None, int | None]:
    """File and line that wrote ``path`` (or its nearest ancestor)."""
    origin = layer.origin_of(path)
    return (origin.file, origin.line) if origin else (default_file, None)


def _validate(layer: Layer, default_file: str | None) -> Scenario:
    """Validate once; raise every problem (data files and schema) together."""
    problems = _check_data_files(layer)
    scenario = None
    try:
        scenario = Scenario.model_validate(layer.data)
    except ValidationError as exc:
        problems += translate_validation_error(exc, layer, default_file)
    if scenario is not None:
        problems += county_problems(scenario, lambda path: _locate(layer, path, default_file))
        problems += calendar_problems(scenario, lambda path: _locate(layer, path, default_file))
    if problems or scenario is None:
        problems.sort(key=lambda p: (p.file or "", p.line or 0))
        raise ScenarioError.collect(problems)
    return scenario


# ------------------------------------------------------------------------ public API


def load_scenario(path: str | os.PathLike[str], overrides: Overrides = None, assumptions: Overrides = None) -> Scenario:
    """Load a scenario file, its ``extends`` chain and overrides, validated exactly once.

    ``overrides`` is a list of ``"dotted.path=value"`` strings (the CLI ``--set``; values read
    as YAML) or a dict of dotted paths to Python values. Precedence: base file < extending file
    < overrides. An override replaces the value at its path (mappings included). ``assumptions``
    (same forms) set the root base files' values, under every extending file (an accepted
    assumption set from calibration). Raises :class:`ScenarioError` naming file, line and field
    of every problem found.
    """
    display = os.fspath(path)
    layer = _load_chain(Path(display), display, (), assumptions)
    layer = _apply_all(layer, overrides)
    return _validate(layer, display)


def apply_overrides(scenario: Scenario, overrides: Overrides) -> Scenario:
    """A new scenario with ``overrides`` applied (same semantics and errors as in :func:`load_scenario`)."""
    layer = _apply_all(Layer(scenario.model_dump(mode="json")), overrides)
    # The scenario was valid before, so whatever fails now was caused by the overrides.
    return _validate(layer, DICT_SOURCE if isinstance(overrides, Mapping) else SET_SOURCE)


def _flow_leaves(value: Any) -> Any:
    """Lists of scalars in flow style (``[8.5, 12.0]``) so dumps stay short and readable."""
    if isinstance(value, dict):
        return {k: _flow_leaves(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_flow_leaves(v) for v in value]
        seq = CommentedSeq(items)
        if all(not isinstance(v, dict | list) for v in value) or all(
            isinstance(v, list) and all(not isinstance(x, dict | list) for x in v) for v in value
        ):
            seq.fa.set_flow_style()
        return seq
    return value


class _ExplicitNullRepresenter(RoundTripRepresenter):
    """Writes ``null`` rather than an empty value, so unset options are visible in dumps."""


_ExplicitNullRepresenter.add_representer(
    type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
)


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (every default written out), e.g. for run folders."""
    yaml = YAML(typ="rt")
    yaml.Representer = _ExplicitNullRepresenter
    yaml.width = 110
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(_flow_leaves(scenario.model_dump(mode="json")), buffer)
    return buffer.getvalue()
