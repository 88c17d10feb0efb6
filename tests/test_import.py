"""``import qml`` stays light: qiskit is imported only when a conversion needs it."""

from __future__ import annotations

import subprocess
import sys

import qml


def loaded_qiskit_modules(code: str) -> list[str]:
    """The qiskit modules loaded after running ``code`` in a fresh interpreter."""
    probe = (
        code + "\nimport sys\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'qiskit'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return eval(result.stdout.strip().splitlines()[-1])


def test_import_qml_does_not_import_qiskit():
    assert loaded_qiskit_modules("import qml") == []


def test_building_and_simulating_a_circuit_does_not_import_qiskit():
    code = "import qml\nqml.simulate(qml.Circuit(2).h(0).cx(0, 1).ry(qml.Parameter('t'), 1), [0.3])"
    assert loaded_qiskit_modules(code) == []


def test_qml_re_exports_the_everyday_api():
    for name in ("simulate", "Circuit", "Parameter", "ParameterVector", "QmlError"):
        assert hasattr(qml, name), name
