"""The notebooks run top to bottom in quick mode; their source is text (jupytext percent scripts).

Why text: a notebook is code and prose that reviewers read in diffs; ``notebooks/*.py`` are the
single source (open them in Jupyter with jupytext, or build ``.ipynb`` files with
``jupytext --to notebook notebooks/*.py``). The test reads the script as a notebook and runs it.

Each notebook is executed in memory with nbclient; its kernel works in a temporary folder that links to the
repository's scenarios, so nothing is written into the repository. The kernel is this interpreter (a
``python3`` kernelspec written to a temporary JUPYTER_PATH), whatever other kernels are installed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ["01_quickstart.py", "02_three_reforms.py", "03_sensitivity.py", "04_verification.py", "05_calibration.py"]
CELL_TIMEOUT_S = 300


def read(name: str) -> nbformat.NotebookNode:
    import jupytext

    return jupytext.read(NOTEBOOK_DIR / name)


def test_the_notebooks_are_there_as_text_only() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.py")) == NOTEBOOKS
    assert not list(NOTEBOOK_DIR.glob("*.ipynb")), "notebooks are committed as jupytext scripts, not .ipynb"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name: str) -> None:
    nb = read(name)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert nb.cells[0].cell_type == "markdown", "a notebook starts with its question"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs"
            assert cell.execution_count is None, f"cell {i} has an execution count"
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "exactly one cell tagged 'parameters'"
    assert parameters[0].cell_type == "code"
    assert re.search(r"^QUICK = True\b", parameters[0].source, re.MULTILINE), "committed in quick mode"


@pytest.fixture(scope="module")
def python3_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A ``python3`` kernelspec that runs this interpreter, found before any installed one."""
    from ipykernel.kernelspec import write_kernel_spec

    jupyter = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(jupyter / "kernels" / "python3")
    patch = pytest.MonkeyPatch()
    patch.setenv("JUPYTER_PATH", os.pathsep.join(p for p in (str(jupyter), os.environ.get("JUPYTER_PATH")) if p))
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.resource_dir).parent.parent == jupyter and spec.argv[0] == sys.executable
    yield
    patch.undo()


def _workspace(tmp_path: Path) -> Path:
    """tmp/notebooks as the kernel's working folder, tmp/scenarios pointing at the repository's scenarios."""
    work = tmp_path / "notebooks"
    work.mkdir()
    try:
        (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    except OSError:  # no symlinks (Windows without developer mode)
        shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return work


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_quick_mode(name: str, tmp_path: Path, python3_kernel: None) -> None:
    from nbclient import NotebookClient

    before = sorted(NOTEBOOK_DIR.iterdir())
    work = _workspace(tmp_path)
    nb = read(name)
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()  # raises CellExecutionError at the first failing cell
    nbformat.write(nb, work / name.replace(".py", ".ipynb"))  # the executed copy stays in the temporary folder
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure was drawn"
    assert sorted(NOTEBOOK_DIR.iterdir()) == before, "running the notebook wrote into notebooks/"
