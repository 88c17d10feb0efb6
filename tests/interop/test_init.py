"""``import qml.interop`` loads no framework; each submodule loads only its own."""

from __future__ import annotations

import subprocess
import sys

import pytest

FRAMEWORKS = ("qiskit", "qiskit_machine_learning", "pennylane", "torch", "dask")


def loaded_frameworks(code: str) -> list[str]:
    """The frameworks (top-level module names) loaded after ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\nimport sys\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FRAMEWORKS!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return eval(result.stdout.strip().splitlines()[-1])


def test_import_qml_interop_loads_no_framework():
    assert loaded_frameworks("import qml.interop") == []


def test_the_qiskit_primitives_load_qiskit_only():
    assert loaded_frameworks("from qml.interop.qiskit import Estimator, Sampler") == ["qiskit"]


def test_the_pennylane_device_does_not_load_qiskit():
    pytest.importorskip("pennylane", reason="pennylane is not installed (.[pennylane] has it)")
    loaded = loaded_frameworks("import qml.interop.pennylane")
    assert "pennylane" in loaded and "qiskit_machine_learning" not in loaded


def test_the_dask_helpers_load_dask_only():
    pytest.importorskip("dask", reason="dask is not installed (.[dask] has it)")
    assert loaded_frameworks("import qml.interop.dask") == ["dask"]


def test_submodules_are_attributes_loaded_on_demand():
    import qml.interop

    assert qml.interop.qiskit.Estimator.__name__ == "Estimator"
    with pytest.raises(AttributeError):
        qml.interop.no_such_framework  # noqa: B018
