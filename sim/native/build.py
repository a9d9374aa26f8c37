"""Compile the hot modules with mypyc into the build cache (``python -m sim.native build``).

Why mypyc: it compiles the same type-annotated Python the project runs (no second source to keep
in step) and keeps Python's float and integer semantics, so results stay bit-identical. The build
runs in a scratch folder holding copies of exactly the sources whose hash names the build, and
lands in the cache by an atomic rename, so a failed or interrupted build leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sim.native import MANIFEST, NATIVE_MODULES, build_key, cache_root, current_sources

#: mypyc reads only the modules it compiles; everything they import is treated as untyped Python.
MYPYC_FLAGS = ("--follow-imports=skip", "--ignore-missing-imports")


class BuildError(RuntimeError):
    """The compiler is missing or failed; the message says what to install or shows its output."""


def build(root: Path | None = None) -> Path:
    """Compile the current sources; return the build folder (an existing build is reused)."""
    sources = current_sources()
    key = build_key(sources)
    target = (root or cache_root()) / key
    if (target / MANIFEST).is_file():
        return target
    _require_mypyc()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grassroots-native-") as scratch:
        work = Path(scratch)
        files = [_copy_source(work, name, text) for name, text in sources.items()]
        _compile(work, files)
        staged = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=target.parent))
        manifest = {"key": key, "modules": list(NATIVE_MODULES), "files": _collect(work, staged)}
        manifest["built"] = datetime.now(UTC).isoformat(timespec="seconds")
        manifest["python"] = sys.version
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        try:
            os.rename(staged, target)
        except OSError:  # another process built the same key meanwhile: keep theirs
            shutil.rmtree(staged, ignore_errors=True)
    return target


def _require_mypyc() -> None:
    try:
        import mypyc  # noqa: F401
    except ImportError as exc:
        raise BuildError('mypyc is not installed: pip install -e ".[native]" (it comes with mypy)') from exc


def _copy_source(work: Path, module: str, text: bytes) -> str:
    """Write a module into the scratch tree (with empty package ``__init__`` files); return its path."""
    parts = module.split(".")
    for depth in range(1, len(parts)):
        init = work.joinpath(*parts[:depth], "__init__.py")
        init.parent.mkdir(parents=True, exist_ok=True)
        init.touch()
    path = work.joinpath(*parts).with_suffix(".py")
    path.write_bytes(text)
    return str(path.relative_to(work))


def _compile(work: Path, files: list[str]) -> None:
    cmd = [sys.executable, "-m", "mypyc", *MYPYC_FLAGS, *files]
    done = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise BuildError(f"mypyc failed (exit {done.returncode}); a C compiler and Python headers are needed:\n{tail}")


def _collect(work: Path, staged: Path) -> dict[str, str]:
    """Move the extension files into the build folder; map each module name (and the group's) to its file."""
    files: dict[str, str] = {}
    for so in sorted(work.rglob("*.so")):
        rel = so.relative_to(work)
        name = ".".join((*rel.parts[:-1], rel.name.split(".")[0]))
        (staged / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(so, staged / rel)
        files[name] = str(rel)
    missing = [m for m in NATIVE_MODULES if m not in files]
    if missing:
        raise BuildError(f"mypyc produced no extension for {', '.join(missing)}")
    return files
