"""Option groups: Typer sees the fields as options, the command receives the dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from sim.cli.flag_groups import flag_groups


@dataclass
class Window:
    days: Annotated[float, typer.Option("--days")] = 365.0
    seed: Annotated[int | None, typer.Option("--seed")] = None


@dataclass
class Shown:
    quiet: Annotated[bool, typer.Option("--quiet")] = False


def _app(received: list[object]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @flag_groups
    def go(name: Annotated[str, typer.Argument()], *, window: Window, shown: Shown) -> None:
        received.extend([name, window, shown])

    return app


def test_fields_become_options_and_arrive_as_their_group() -> None:
    received: list[object] = []
    result = CliRunner().invoke(_app(received), ["x", "--days", "30", "--quiet"])
    assert result.exit_code == 0, result.output
    assert received == ["x", Window(days=30.0, seed=None), Shown(quiet=True)]


def test_defaults_are_the_groups_defaults() -> None:
    received: list[object] = []
    assert CliRunner().invoke(_app(received), ["y"]).exit_code == 0
    assert received[1:] == [Window(), Shown()]


@dataclass
class Other:
    days: int = 1


def test_two_groups_with_one_option_name_are_refused() -> None:
    def clash(*, window: Window, other: Other) -> None: ...

    with pytest.raises(TypeError, match="repeat days"):
        flag_groups(clash)
