"""The tools own the style: ruff's lint rules and its formatter, checked like any other test."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from helpers import ROOT


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ruff") or pytest.skip("ruff is not installed (it is in the test extras)")
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_check_is_clean() -> None:
    r = ruff("check", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format_leaves_every_file_as_it_is() -> None:
    r = ruff("format", "--check", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_is_the_one_the_project_declares() -> None:
    """CI installs ruff from the test extras, so the check above runs there and not only on a developer's machine."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"ruff>=' in text.split("[project.optional-dependencies]")[1].split("bench")[0]
    assert sys.version_info >= (3, 11)
