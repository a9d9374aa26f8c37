"""Mutation testing of the model's mechanisms: seed each curated bug, run the model tests, count the kills.

Why curated mutations rather than mutmut's operator swaps: the question is whether the suite
notices a *mechanism* breaking (a lever switched off, a rule inverted, a capacity doubled), not
whether it notices every ``<`` turned into ``<=``. The list lives in ``scripts/mutations.py``.

Each mutation runs in its own copy of the working tree (``sim`` imported from the copy), with
``pytest -x`` on the model test files; a non-zero exit means the mutation was killed. Results
go to ``benchmarks/out/mutation.json`` and a table on stdout.

    python scripts/mutation_test.py                 # all mutations, 2 at a time
    python scripts/mutation_test.py --only whistle  # names containing a word
    python scripts/mutation_test.py --list          # just check and list them
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from mutations import MUTATIONS, Mutation  # noqa: E402

#: The model tests, fastest and most targeted first (pytest -x stops at the first failure).
TESTS = [
    "tests/test_model_units.py",
    "tests/test_ladder.py",
    "tests/test_mechanisms.py",
    "tests/test_defensible.py",
    "tests/test_verification.py",
    "tests/test_invariants.py",
    "tests/test_cases.py",
    "tests/test_reforms.py",
    "tests/test_initial_state.py",
    "tests/test_check.py",
]
SKIPPED_AT_ROOT = {".git", "results", "benchmarks", "notebooks", "docs", "build"}
SKIPPED_ANYWHERE = shutil.ignore_patterns("*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache")


def copy_ignore(folder: str, names: list[str]) -> set[str]:
    """What not to copy: bulky top-level folders (not sim/results-like subfolders) and caches anywhere."""
    skipped = set(SKIPPED_ANYWHERE(folder, names))
    if Path(folder) == ROOT:
        skipped |= SKIPPED_AT_ROOT & set(names)
    return skipped


def check(mutation: Mutation) -> None:
    text = (ROOT / mutation.file).read_text(encoding="utf-8")
    count = text.count(mutation.find)
    if count != 1:
        raise SystemExit(f"stale mutation {mutation.name!r}: its text occurs {count} times in {mutation.file}")


def run_one(mutation: Mutation, timeout: int) -> dict:
    """Apply one mutation in a fresh copy of the tree and run the model tests there."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        copy = Path(tmp) / "tree"
        shutil.copytree(ROOT, copy, ignore=copy_ignore)
        shutil.copytree(ROOT / "results" / "reference", copy / "results" / "reference")
        target = copy / mutation.file
        target.write_text(target.read_text(encoding="utf-8").replace(mutation.find, mutation.replace), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p", "no:cacheprovider", *TESTS],
                cwd=copy,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            code, tail = proc.returncode, proc.stdout.strip().splitlines()[-3:]
        except subprocess.TimeoutExpired:
            code, tail = -1, [f"timed out after {timeout} s (counted as killed: a hang is noticed)"]
        failed = next((line.split(" ")[1] for line in reversed(tail) if line.startswith("FAILED ")), "")
        return {
            "name": mutation.name,
            "file": mutation.file,
            "killed": code != 0,
            "exit_code": code,
            "seconds": round(time.perf_counter() - started, 1),
            "killed_by": failed,
            "tail": tail,
        }


def sim_comes_from_the_copy() -> None:
    """The copy's ``sim`` must shadow the editable install, or every mutant would test the original."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sim").mkdir()
        (Path(tmp) / "sim" / "__init__.py").write_text("MARK = 1\n")
        out = subprocess.run(
            [sys.executable, "-c", "import sim; print(getattr(sim, 'MARK', 0))"],
            cwd=tmp,
            env={**os.environ, "PYTHONPATH": tmp},
            capture_output=True,
            text=True,
        ).stdout.strip()
    if out != "1":
        raise SystemExit("PYTHONPATH does not shadow the installed 'sim' package; cannot test mutants")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run the mutations whose name contains this text")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run side by side (default 2)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per mutant before it counts as killed")
    parser.add_argument("--list", action="store_true", help="check and list the mutations, run nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "mutation.json")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if not args.only or args.only in m.name]
    for m in chosen:
        check(m)
    if args.list:
        for m in chosen:
            print(f"- {m.name} ({m.file})")
        return
    sim_comes_from_the_copy()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    progress = args.out.with_suffix(".partial.jsonl")
    progress.write_text("")

    def one(m: Mutation) -> dict:
        try:
            result = run_one(m, args.timeout)
        except Exception as exc:  # a broken mutant must not lose the others' results
            result = {
                "name": m.name,
                "file": m.file,
                "killed": False,
                "exit_code": None,
                "seconds": 0.0,
                "killed_by": "",
                "tail": [f"tool error: {type(exc).__name__}: {exc}"],
            }
        with progress.open("a") as fh:
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")
        print(f"{'killed ' if result['killed'] else 'SURVIVED'}  {result['seconds']:7.1f} s  {m.name}", flush=True)
        return result

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, chosen))
    killed = sum(r["killed"] for r in results)
    summary = {
        "mutations": len(results),
        "killed": killed,
        "score": killed / len(results) if results else 0.0,
        "survivors": [r["name"] for r in results if not r["killed"]],
        "results": results,
    }
    args.out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    for r in results:
        print(f"{'killed ' if r['killed'] else 'SURVIVED'}  {r['seconds']:7.1f} s  {r['name']}  {r['killed_by']}")
    print(f"\n{killed} of {len(results)} mutations killed ({100 * summary['score']:.0f} %); written to {args.out}")


if __name__ == "__main__":
    main()
