"""Commands that take their options as named groups (a dataclass per group) instead of long lists.

Typer reads a command's options from its signature, one parameter each; ``run`` alone has
nineteen. ``@flag_groups`` lets a command declare ``settings: RunSettings`` instead: Typer sees
the group's fields as ordinary options (same names, flags and help), and the command receives
one dataclass per group. Groups shared by several commands are defined once
(``sim.cli.options``), so ``run``, ``compare`` and ``sweep`` cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any


def flag_groups(command: Callable[..., Any]) -> Callable[..., Any]:
    """Expose each dataclass-typed parameter of ``command`` to Typer as its fields."""
    params, groups = _flattened(command)
    _refuse_clashes(command, params)

    @functools.wraps(command)
    def with_groups(**values: Any) -> Any:
        for name, (kind, fields) in groups.items():
            values[name] = kind(**{f: values.pop(f) for f in fields})
        return command(**values)

    with_groups.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    with_groups.__annotations__ = {p.name: p.annotation for p in params}
    return with_groups


def _flattened(command: Callable[..., Any]) -> tuple[list[inspect.Parameter], dict[str, tuple[type, list[str]]]]:
    """The parameters Typer should see, and each group's dataclass with the names of its fields."""
    hints = typing.get_type_hints(command, include_extras=True)
    params: list[inspect.Parameter] = []
    groups: dict[str, tuple[type, list[str]]] = {}
    for p in inspect.signature(command).parameters.values():
        kind = hints[p.name]
        if dataclasses.is_dataclass(kind) and isinstance(kind, type):
            fields = _group_parameters(kind)
            groups[p.name] = (kind, [f.name for f in fields])
            params.extend(fields)
        else:
            params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=kind))
    return params, groups


def _group_parameters(group: type) -> list[inspect.Parameter]:
    hints = typing.get_type_hints(group, include_extras=True)
    return [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, annotation=hints[f.name], default=f.default)
        for f in dataclasses.fields(group)
    ]


def _refuse_clashes(command: Callable[..., Any], params: list[inspect.Parameter]) -> None:
    names = [p.name for p in params]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise TypeError(f"{command.__name__}: option groups repeat {', '.join(twice)}")
