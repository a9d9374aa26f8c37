"""The compiled village loop (``sim.native``): used only for its own sources, and bit-identical.

Why these tests: a compiled build is a second copy of the hot code. It is only safe if (1) it can
never be used for sources other than the ones it was built from (an edited module, a mutation
test) and (2) it gives exactly the Python engine's numbers. (1) is asserted on the key and the
loader, (2) by building the engine and running the same shards with both engines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import ROOT
from sim import native

#: Runs shards in a fresh interpreter (the engine is chosen at ``import sim``) and prints their digest.
DIGEST = """
import hashlib, json, sys
import sim
from sim.model.shard import RawOutputs, ShardOptions, ShardSpec, run_shard
from sim.model.world import build_world
from sim.scenario.loader import load_scenario
import sim.model.village as village
from sim.native import state
h = hashlib.sha256()
events = 0
for path, county, days in json.loads(sys.argv[1]):
    params = load_scenario(path, {"world.counties": [county]} if county else {}).model_params()
    spec, options = ShardSpec(0, 0, 7, days, 5, 10), ShardOptions(RawOutputs(keep_requests=True))
    r = run_shard(params, build_world(params), spec, options)
    events += r.events
    for frame in (r.villages, r.types, r.histograms, r.daily, r.queues, r.requests):
        h.update(frame.to_csv(float_format="%.17g").encode())
print(json.dumps({"engine": state().engine, "file": village.__file__, "events": events, "digest": h.hexdigest()}))
"""
#: Baseline (admin, overtime, visits, escalation), staff down (small villages), M/M/5 (always on duty).
CASES = [
    [str(ROOT / "scenarios" / "baseline.yaml"), "Malong", 45],
    [str(ROOT / "scenarios" / "staff_down.yaml"), "Malong", 30],
    [str(ROOT / "scenarios" / "validation" / "mmc.yaml"), None, 20],
]


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=900
    )


def engine_env(folder: Path, on: bool) -> dict[str, str]:
    return {**os.environ, "GRASSROOTS_NATIVE_DIR": str(folder), "GRASSROOTS_NATIVE": "1" if on else "0"}


# ------------------------------------------------------------------ the key and the loader


def test_the_build_key_follows_every_compiled_source() -> None:
    sources = native.current_sources()
    assert set(sources) == set(native.NATIVE_MODULES)
    key = native.build_key(sources)
    for name in sources:
        edited = {**sources, name: sources[name] + b"\n# one more line\n"}
        assert native.build_key(edited) != key, f"editing {name} must change the build key"
    assert native.build_key(dict(sources)) == key  # and nothing else does


def test_without_a_matching_build_the_python_engine_runs(tmp_path: Path) -> None:
    """A build for other sources is never used; a folder with the right key but no extensions is not either."""
    other = tmp_path / "0123456789abcdef0123"
    other.mkdir()
    (other / native.MANIFEST).write_text(json.dumps({"files": {}}))
    code = "import sim, sim.model.village as v; from sim.native import state; print(state().engine, v.__file__)"
    out = run_python(code, engine_env(tmp_path, on=True))
    assert out.returncode == 0, out.stderr
    engine, file = out.stdout.split()
    assert engine == "python" and file.endswith("village.py")

    right = tmp_path / native.build_key(native.current_sources())
    right.mkdir()
    (right / native.MANIFEST).write_text(json.dumps({"files": {"sim.model.village": "missing.so"}}))
    out = run_python("import sim; from sim.native import state; print(state().reason)", engine_env(tmp_path, True))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("incomplete build")


def test_the_switch_turns_the_native_engine_off(tmp_path: Path) -> None:
    out = run_python("import sim; from sim.native import state; print(state().reason)", engine_env(tmp_path, False))
    assert out.stdout.strip() == "switched off by GRASSROOTS_NATIVE"


# ------------------------------------------------------------------ built and compared


def _compiler_missing() -> str | None:
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypyc is not installed (it comes with mypy: pip install -e '.[native]')"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler}) on this machine"
    return None


@pytest.fixture(scope="module")
def build_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = _compiler_missing()
    if missing:
        pytest.skip(missing)
    root = tmp_path_factory.mktemp("native")
    out = _build(root)
    assert out.returncode == 0, out.stdout + out.stderr
    return root


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    """``python -m sim.native build`` into the cache folder ``root``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "sim.native", "build"],
        capture_output=True,
        text=True,
        env=engine_env(root, on=True),
        cwd=ROOT,
        timeout=900,
    )


@pytest.mark.slow
def test_the_native_engine_gives_bit_identical_shards(build_folder: Path) -> None:
    runs = {}
    for on in (True, False):
        out = run_python(DIGEST, engine_env(build_folder, on), json.dumps(CASES))
        assert out.returncode == 0, out.stderr[-3000:]
        runs[on] = json.loads(out.stdout.strip().splitlines()[-1])
    assert runs[True]["engine"] == "native" and runs[True]["file"].endswith(".so")
    assert runs[False]["engine"] == "python" and runs[False]["file"].endswith(".py")
    assert runs[True]["events"] == runs[False]["events"]
    assert runs[True]["digest"] == runs[False]["digest"]


@pytest.mark.slow
def test_a_second_build_of_the_same_sources_is_reused(build_folder: Path) -> None:
    (folder,) = [p for p in build_folder.iterdir() if p.is_dir()]
    stamp = (folder / native.MANIFEST).stat().st_mtime_ns
    out = _build(build_folder)
    assert out.returncode == 0 and out.stdout.strip() == f"built {folder}"
    assert (folder / native.MANIFEST).stat().st_mtime_ns == stamp
