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

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter

from sim.scenario.errors import ScenarioError, describe_value
from sim.scenario.keypaths import DICT_SOURCE, EXTENDS, SET_SOURCE, Overrides
from sim.scenario.layers import Layer, Origin, merge_layers
from sim.scenario.overrides import apply_all
from sim.scenario.params import Scenario
from sim.scenario.validation import validate_layer
from sim.scenario.yaml_source import parse_yaml_file, resolve_data_paths

__all__ = ["Overrides", "ScenarioError", "apply_overrides", "load_scenario", "scenario_to_yaml"]

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
        ordered = [(p, apply_all(layer, assumptions) if p in roots else layer) for p, layer in ordered]
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
    resolve_data_paths(layer.data, (), str(path.parent))
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
    layer = apply_all(layer, overrides)
    return validate_layer(layer, display)


def apply_overrides(scenario: Scenario, overrides: Overrides) -> Scenario:
    """A new scenario with ``overrides`` applied (same semantics and errors as in :func:`load_scenario`)."""
    layer = apply_all(Layer(scenario.model_dump(mode="json")), overrides)
    # The scenario was valid before, so whatever fails now was caused by the overrides.
    return validate_layer(layer, DICT_SOURCE if isinstance(overrides, Mapping) else SET_SOURCE)


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
