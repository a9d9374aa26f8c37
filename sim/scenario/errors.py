"""The one exception a scenario can fail with, shaped for people editing YAML.

Why a dedicated type: a modeller who mistypes a key should read *where* (file and line),
*which field* (dotted path) and *what was expected*, on one line each, and see every
problem of a file at once instead of fixing them one run at a time. Callers (CLI, tests,
notebooks) can also inspect the parts instead of parsing text.

The wording of pydantic's errors lives here too (:func:`validation_message`), because it is
about how a problem reads, not about where it was found (that is the loader's job).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic_core import ErrorDetails


class ScenarioError(Exception):
    """A problem in a scenario file or override, or several such problems.

    A single problem has ``problems == [self]``. An error built with :meth:`collect` from
    several problems copies ``file``/``line``/``field``/``message`` from the first one (so
    simple callers still see something precise) and prints one problem per line.
    """

    file: str | None
    line: int | None
    field: str | None
    message: str
    problems: list[ScenarioError]

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        problems: Iterable[ScenarioError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.problems = list(problems) if problems is not None else [self]

    @classmethod
    def collect(cls, problems: Iterable[ScenarioError]) -> ScenarioError:
        """One error for all ``problems``: the problem itself when there is only one."""
        flat = [p for err in problems for p in err.problems]
        if not flat:
            raise ValueError("ScenarioError.collect needs at least one problem")
        if len(flat) == 1:
            return flat[0]
        first = flat[0]
        return cls(first.message, file=first.file, line=first.line, field=first.field, problems=flat)

    def one_line(self) -> str:
        """``file:line: field: message``, leaving out the parts that are unknown."""
        where = self.file or ""
        if self.file is not None and self.line is not None:
            where = f"{self.file}:{self.line}"
        elif self.line is not None:
            where = f"line {self.line}"
        return ": ".join(part for part in (where, self.field or "", self.message) if part)

    def __str__(self) -> str:
        if len(self.problems) == 1 and self.problems[0] is self:
            return self.one_line()
        return "\n".join(p.one_line() for p in self.problems)

    def __repr__(self) -> str:
        return f"ScenarioError({str(self)!r})"


# ------------------------------------------------------------ wording of pydantic errors

_EXPECTED = {
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a finite number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "none_required": "null",
}
_BOUNDS = {
    "greater_than_equal": ("≥", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("≤", "le"),
    "less_than": ("<", "lt"),
}
_PATTERNS = {r"^\d{4}-\d{2}-\d{2}$": "a date YYYY-MM-DD", r"^\d{2}-\d{2}$": "a day of the year MM-DD"}
_CONSTRAINT_TYPES = set(_BOUNDS) | {"value_error", "assertion_error", "too_short", "too_long"}


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def describe_value(value: Any) -> str:
    """A short rendering of a user's value for 'got ...'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def validation_message(error: ErrorDetails) -> str:
    """pydantic's error in the words of the scenario file: what was expected, what was found."""
    kind, ctx, got = error["type"], error.get("ctx") or {}, describe_value(error.get("input"))
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind in _BOUNDS:
        symbol, name = _BOUNDS[kind]
        return f"must be {symbol} {_number(ctx[name])}, got {got}"
    if kind == "literal_error":
        return f"expected {ctx['expected']}, got {got}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"expected {_PATTERNS.get(pattern, f'text matching {pattern}')}, got {got}"
    if kind in ("too_short", "too_long"):
        return _length_message(kind, ctx, got)
    if kind == "missing":
        return "required field is missing"
    if kind in ("value_error", "assertion_error"):
        return _own_message(error["msg"])
    return f"{error['msg']}, got {got}"


def _length_message(kind: str, ctx: dict[str, Any], got: str) -> str:
    bound = "at least" if kind == "too_short" else "at most"
    limit = ctx.get("min_length" if kind == "too_short" else "max_length")
    return f"expected {bound} {limit} items, got {ctx.get('actual_length', got)}"


def _own_message(msg: str) -> str:
    """A validator's own words, without pydantic's "Value error, " prefix."""
    return msg.split(", ", 1)[-1] if msg.startswith(("Value error, ", "Assertion failed, ")) else msg


def union_message(messages: list[tuple[str, str]]) -> str:
    """One message for the alternatives of a union: the constraint failed, else all expectations."""
    constraints = [m for kind, m in messages if kind in _CONSTRAINT_TYPES]
    if constraints:
        return constraints[0]
    wanted, got = [], ""
    for _, msg in messages:
        head, _, tail = msg.partition(", got ")
        wanted.append(head.removeprefix("expected "))
        got = tail or got
    return f"expected {' or '.join(dict.fromkeys(wanted))}" + (f", got {got}" if got else "")
