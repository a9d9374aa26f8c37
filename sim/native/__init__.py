"""The compiled village loop: an optional, bit-identical build of the model's hot modules.

Why a separate build and not compiled on install: the hot modules stay ordinary Python that anyone
can read, edit and mutate; ``python -m sim.native build`` compiles exactly the current sources with
mypyc into a cache folder named by their content hash. At ``import sim`` the build is used only if
that hash matches the sources on disk, so an edited module (or a mutation test) silently runs the
Python source instead of a stale build. Numbers are the same either way (``tests/test_native.py``
asserts bit-identical shards); only the speed differs. ``GRASSROOTS_NATIVE=0`` switches it off.

This module imports nothing from ``sim``: it must run before any model module is imported.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

#: The modules compiled together (one mypyc group): the village loop and what it calls per event,
#: and the offices' queue of the county stage.
NATIVE_MODULES: tuple[str, ...] = (
    "sim.model.calendar",
    "sim.model.event_list",
    "sim.model.escalation",
    "sim.model.seed_keys",
    "sim.model.staff_pool",
    "sim.model.village",
    "sim.model.village_end",
    "sim.model.village_overtime",
    "sim.model.village_setup",
    "sim.model.visits",
)
PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent  # the folder that holds the ``sim`` package
MANIFEST = "manifest.json"
OFF_VALUES = ("0", "off", "no", "false")
#: The reason the Python loop runs when nobody switched the build off and none exists yet.
NO_BUILD = "no compiled build for these sources (python -m sim.native build)"


def source_path(module: str) -> Path:
    return PACKAGE_ROOT.joinpath(*module.split(".")).with_suffix(".py")


def build_key(sources: dict[str, bytes]) -> str:
    """Content hash of the compiled modules' sources and of the interpreter ABI the build is for."""
    h = hashlib.sha256()
    h.update(f"{sys.implementation.cache_tag} {sysconfig.get_config_var('EXT_SUFFIX')}".encode())
    for name in sorted(sources):
        h.update(name.encode() + b"\0" + sources[name] + b"\0")
    return h.hexdigest()[:20]


def current_sources() -> dict[str, bytes]:
    return {m: source_path(m).read_bytes() for m in NATIVE_MODULES}


def cache_root() -> Path:
    """Where builds live: ``GRASSROOTS_NATIVE_DIR``, else the user's cache folder."""
    env = os.environ.get("GRASSROOTS_NATIVE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grassroots-sim" / "native"


@dataclass(frozen=True)
class EngineState:
    """Which village loop this process runs, and why (reported in run provenance)."""

    engine: str  # "native" or "python"
    reason: str
    key: str = ""

    @property
    def build_missing(self) -> bool:
        """Plain Python only because no build exists (not switched off, not a stale or broken build)."""
        return self.engine == "python" and self.reason == NO_BUILD

    def as_dict(self) -> dict[str, str]:
        return {"engine": self.engine, "reason": self.reason, "build": self.key}


class NativeFinder(importlib.abc.MetaPathFinder):
    """Serves the compiled extension files of one build for exactly the names in its manifest."""

    def __init__(self, folder: Path, files: dict[str, str]) -> None:
        self.folder = folder
        self.files = files  # module name -> extension file, relative to folder

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        rel = self.files.get(fullname)
        if rel is None:
            return None
        location = str(self.folder / rel)
        loader = importlib.machinery.ExtensionFileLoader(fullname, location)
        return importlib.util.spec_from_file_location(fullname, location, loader=loader)


_state = EngineState("python", "not checked yet")


def install() -> EngineState:
    """Put the matching build (if any) in front of the import system; idempotent."""
    global _state
    if any(isinstance(f, NativeFinder) for f in sys.meta_path):
        return _state
    _state = _find_build()
    return _state


def _find_build() -> EngineState:
    if os.environ.get("GRASSROOTS_NATIVE", "1").strip().lower() in OFF_VALUES:
        return EngineState("python", "switched off by GRASSROOTS_NATIVE")
    try:
        key = build_key(current_sources())
    except OSError as exc:  # a source missing (e.g. a zipped install): nothing to match against
        return EngineState("python", f"sources not readable: {exc}")
    folder = cache_root() / key
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return EngineState("python", NO_BUILD, key)
    early = [m for m in NATIVE_MODULES if m in sys.modules]
    if early:
        return EngineState("python", f"imported before the build could be used: {', '.join(early)}", key)
    files = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
    absent = [m for m in NATIVE_MODULES if m not in files or not (folder / files[m]).is_file()]
    if absent:
        return EngineState("python", f"incomplete build {folder}: no extension for {', '.join(absent)}", key)
    sys.meta_path.insert(0, NativeFinder(folder, files))
    return EngineState("native", f"compiled build {folder}", key)


def state() -> EngineState:
    """The engine of this process, confirmed from the loaded modules once they are imported."""
    if _state.engine == "native":
        loaded = [sys.modules[m] for m in NATIVE_MODULES if m in sys.modules]
        if any(not str(getattr(m, "__file__", "")).endswith(".so") for m in loaded):
            return EngineState("python", "a hot module was loaded from source", _state.key)
    return _state
