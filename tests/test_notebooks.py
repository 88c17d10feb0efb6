"""The tutorial notebooks in ``notebooks/`` run top to bottom, as part of the test suite.

Each notebook is one test: it is executed with nbclient in a fresh kernel of the Python
that runs pytest (so in CI, the virtual environment's), with the notebooks folder as the
working directory. A cell that raises fails the test, and that includes the notebooks'
cross-checks against qiskit, which are ``assert`` statements. Outputs are not written
back; refresh the committed ones with ``jupyter execute --inplace notebooks/*.ipynb``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Seconds a single cell may run; a whole notebook takes well under a minute.
CELL_TIMEOUT = 300
#: Committed notebooks keep their outputs, but no megabytes of inline images.
MAX_NOTEBOOK_BYTES = 500_000


def test_the_tutorials_are_there() -> None:
    assert len(NOTEBOOKS) >= 4, f"expected the tutorial notebooks in {ROOT / 'notebooks'}"


def kernel_manager() -> KernelManager:
    """A manager for the ``python3`` kernel of this very interpreter.

    With no kernel directories to search, jupyter_client falls back to ipykernel's
    native kernel, which runs ``sys.executable``: a ``python3`` kernelspec installed
    elsewhere on the machine (another environment's) cannot be picked up instead.
    """
    specs = KernelSpecManager(kernel_dirs=[])
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    client = NotebookClient(
        notebook,
        km=kernel_manager(),
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, when one fails


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_linked_from_the_readme_and_small(path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"\]\(notebooks/{re.escape(path.name)}\)", readme), (
        f"README.md has no link to notebooks/{path.name}"
    )
    size = path.stat().st_size
    assert size < MAX_NOTEBOOK_BYTES, f"{path.name} is {size / 1e3:.0f} KB; shrink its figures"
