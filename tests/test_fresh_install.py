"""The README's two commands, and a non-editable install that carries its data files."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
from pathlib import Path

from helpers import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_exactly_the_two_commands() -> None:
    assert readme_commands() == [
        "pip install -e . && grassroots run scenarios/baseline.yaml",
        'pip install -e ".[test]" && python -m pytest -q',
    ]
    # and CI runs the second one
    ci = (ROOT / ".ci/run").read_text()
    assert '-e ".[test]"' in ci and "python -m pytest -q" in ci


def test_wheel_install_runs_a_scenario(tmp_path: Path) -> None:
    """Build and install the package (not editable) into a new virtual environment and run it from there."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--target", str(tmp_path / "site"), str(ROOT)], capture_output=True, text=True,
                             timeout=600)
    assert install.returncode == 0, install.stderr
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}
    work = tmp_path / "work"
    work.mkdir()
    # run from an empty folder: the package must bring its own data (county table, fonts)
    r = subprocess.run([str(python), "-m", "sim", "run", str(ROOT / "scenarios/baseline.yaml"), "--days", "8",
                        "--warmup-days", "2", "-r", "1", "--set", "world.counties=[Malong]", "--executor", "serial",
                        "--out", str(work / "run"), "-q"], cwd=work, capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert (work / "run" / "report.html").exists() and (work / "run" / "summary.json").exists()
    site = tmp_path / "site" / "sim"
    assert (site / "data" / "qujing_counties.csv").exists()
    assert any((site / "data" / "fonts").glob("*.otf"))
