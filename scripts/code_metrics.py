"""Function sizes, long parameter lists and long files of the package (the architecture issue's figures).

Usage: ``python scripts/code_metrics.py [--list] [PATH ...]`` (default: sim). Function length counts
the lines of the body without the docstring; parameters exclude ``self`` and ``cls``. ``--list``
also names the functions over 20 lines and those with more than 5 parameters.
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

LONG_FILE_LINES = 400
MANY_PARAMETERS = 5


def functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def body_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]
    if not body:
        return 0
    return (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1


def parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = fn.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    return len([n for n in names if n not in ("self", "cls")])


LIST_OVER_LINES = 20


def main(paths: list[str], show: bool = False) -> None:
    files = [p for root in paths for p in sorted(Path(root).rglob("*.py"))]
    sizes, many, long_files = [], [], []
    for f in files:
        text = f.read_text(encoding="utf-8")
        if len(text.splitlines()) > LONG_FILE_LINES:
            long_files.append((f, len(text.splitlines())))
        for fn in functions(ast.parse(text)):
            sizes.append((body_lines(fn), f"{f}:{fn.lineno} {fn.name}"))
            if parameters(fn) > MANY_PARAMETERS:
                many.append(f"{f}:{fn.lineno} {fn.name} ({parameters(fn)})")
    lengths = sorted(n for n, _ in sizes)
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    print(f"files {len(files)}, functions {len(lengths)}")
    print(f"function lines: median {statistics.median(lengths):g}, p90 {p90}, max {lengths[-1]}")
    print(f"functions over 60 lines: {sum(n > 60 for n in lengths)}")
    print(f"functions with more than {MANY_PARAMETERS} parameters: {len(many)}")
    print(f"files over {LONG_FILE_LINES} lines: " + (", ".join(f"{f} ({n})" for f, n in long_files) or "none"))
    if show:
        print(f"\nfunctions over {LIST_OVER_LINES} lines ({sum(n > LIST_OVER_LINES for n in lengths)}):")
        for n, where in sorted(sizes, reverse=True):
            if n > LIST_OVER_LINES:
                print(f"  {n:3d}  {where}")
        print(f"\nfunctions with more than {MANY_PARAMETERS} parameters:")
        for where in many:
            print(f"  {where}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main([a for a in args if a != "--list"] or ["sim"], show="--list" in args)
