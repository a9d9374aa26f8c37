"""The curated mutations of ``scripts/mutation_test.py`` still match today's source.

Why a test: a refactor that rewrites a mutated line makes its mutation stale, and the mutation
run then cannot seed that bug at all. Five went stale unnoticed this way (the duty-plan and
signboard refactors moved their lines), so the score they were part of stopped meaning what it
said. The run itself takes hours and stays out of the suite; this check takes milliseconds.
"""

from __future__ import annotations

import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

from mutations import MUTATIONS


def test_every_mutation_finds_its_text_exactly_once_and_changes_it() -> None:
    stale = {}
    for m in MUTATIONS:
        count = (ROOT / m.file).read_text(encoding="utf-8").count(m.find)
        if count != 1 or m.find == m.replace:
            stale[m.name] = count
    assert not stale, f"stale mutations (name: occurrences of their text): {stale}"
    assert len({m.name for m in MUTATIONS}) == len(MUTATIONS)
