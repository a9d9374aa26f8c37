"""The README's two commands, and a non-editable install that carries its data files."""

from __future__ import annotations

import os
import re
import subprocess
import venv
from pathlib import Path

import pytest

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
    # and CI runs the second one, read from the README, inside a fresh `python3 -m venv`
    ci = (ROOT / ".ci/run").read_text()
    assert "python3 -m venv" in ci and "README.md" in ci and 'eval "$test_command"' in ci


@pytest.mark.slow
def test_wheel_install_runs_a_scenario(tmp_path: Path) -> None:
    """Install the package as a user would: a new venv with its own pip, ``pip install <project>``.

    No system site-packages and no ``--no-build-isolation``: pip builds the wheel in an isolated
    environment with the setuptools that ``pyproject.toml`` asks for, and resolves every runtime
    dependency from the package index (or pip's cache), so a missing dependency or package-data
    file fails here exactly as it would on a new machine.
    """
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    clean_env["PATH"] = f"{env_dir / 'bin'}:/usr/bin:/bin"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1200,
        env=clean_env,
        cwd=tmp_path,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    work = tmp_path / "work"
    work.mkdir()
    # run from an empty folder: the package must bring its own data (county table, fonts)
    r = subprocess.run(
        [
            str(env_dir / "bin" / "grassroots"),
            "run",
            str(ROOT / "scenarios/baseline.yaml"),
            "--days",
            "8",
            "--warmup-days",
            "2",
            "-r",
            "1",
            "--set",
            "world.counties=[Malong]",
            "--executor",
            "serial",
            "--out",
            str(work / "run"),
            "-q",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert (work / "run" / "report.html").exists() and (work / "run" / "summary.json").exists()
    site = subprocess.run(
        [str(python), "-c", "import sim, pathlib; print(pathlib.Path(sim.__file__).parent)"],
        capture_output=True,
        text=True,
        env=clean_env,
        cwd=work,
    ).stdout.strip()
    assert str(ROOT) not in site, f"the installed package must not be the checkout: {site}"
    assert (Path(site) / "data" / "qujing_counties.csv").exists()
    assert any((Path(site) / "data" / "fonts").glob("*.otf"))
