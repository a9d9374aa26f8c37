"""Imports only point down the layers: scenario → model → analysis → experiment → report/io → cli/api/web.

Why a test: an upward import is how the old code ended up with untyped writers and metric code in
the presentation layer; this keeps the cut once it is made. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

LAYERS = {
    "scenario": 0,
    "data": 0,
    "model": 1,
    "analysis": 2,
    "experiment": 3,
    "report": 4,
    "io": 4,
    "cli": 5,
    "api": 5,
    "web": 5,
    "native": 0,
    "__init__": 5,
    "__main__": 5,
}


def layer_of(module: str) -> tuple[str, int]:
    """The layer of a module name like ``sim.model.village`` (the package directly under ``sim``)."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    assert top in LAYERS, f"{module}: not in any layer; add its package to LAYERS"
    return top, LAYERS[top]


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name == "sim" or name.startswith("sim.")]


def test_every_import_points_down() -> None:
    upward = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = (
            module.removesuffix(".__init__") if path.name == "__init__.py" and path.parent.name != "sim" else module
        )
        here, level = layer_of(module)
        for line, target in imports(path):
            there, target_level = layer_of(target)
            if target_level > level:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target} ({there})")
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_the_layer_test_sees_an_upward_import(tmp_path: Path) -> None:
    """The check itself must be able to fail: a model module importing the report layer is caught."""
    bad = tmp_path / "village.py"
    bad.write_text("from sim.report.figures import key_metrics\n")
    ((line, target),) = imports(bad)
    assert layer_of(target)[1] > LAYERS["model"] and line == 1
