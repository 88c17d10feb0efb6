"""Every QASMBench circuit imports through ``Circuit.from_qasm`` and simulates as qiskit does.

The corpus (real programs no one here wrote) lives beside the repository in
``../shared/qasmbench``; the tests skip, saying so, where it is missing. The
reference is qiskit's ``Statevector`` of qiskit's own parse of the same text,
final measurements removed (``qml.simulate`` returns the state before them).

Some files cannot be simulated as unitary circuits, and qml must say why:
mid-circuit measurements, ``reset`` and classical control. Some end with
``measure q[i] -> c[i];`` on registers they never declare (a defect of the
corpus): qml must report the line, and with those lines removed the circuit
must simulate like qiskit's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from qiskit import qasm2

import qml
from qml import Circuit, QmlError
from qml.errors import QasmError
from tests.reference import statevector

#: ../shared/qasmbench from the repository, unless QML_QASMBENCH names another folder.
CORPUS = Path(
    os.environ.get("QML_QASMBENCH")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "qasmbench"
)
MISSING = (
    f"QASMBench corpus not found at {CORPUS.resolve()} (../shared/qasmbench from the repo, "
    "or set QML_QASMBENCH)"
)

#: Files (without the ``_transpiled`` suffix) that are not unitary, and the word qml's refusal
#: must contain.
NOT_UNITARY = {
    "bb84_n8": "after it was measured",
    "ipea_n2": "'reset' is not unitary",
    "shor_n5": "'reset' is not unitary",
    "inverseqft_n4": "'if_else' is not unitary",
    "qec_sm_n5": "'if_else' is not unitary",
}

_UNDECLARED_MEASURE = re.compile(r"^\s*measure\s+(\w+)\[\d+\]\s*->\s*\w+\[\d+\];\s*$")


def corpus_params(select) -> list:
    """The corpus files ``select`` accepts, as parameters named by their stems.

    All of them run by default, the 3 MB hhl_n10 pair included (about 10 s each
    here, most of it qiskit's own parser and Statevector).
    """
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="corpus-missing")]
    return [
        pytest.param(path, id=path.stem) for path in sorted(CORPUS.glob("*.qasm")) if select(path)
    ]


def kind(path: Path) -> str | None:
    return NOT_UNITARY.get(path.stem.removesuffix("_transpiled"))


def undeclared_measurements(text: str) -> list[int]:
    """Line numbers (from 1) of measurements of quantum registers the program never declares."""
    declared = set(re.findall(r"^\s*qreg\s+(\w+)\s*\[", text, flags=re.M))
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if (found := _UNDECLARED_MEASURE.match(line)) and found.group(1) not in declared
    ]


def repaired(text: str) -> str:
    """``text`` without its measurements of undeclared registers."""
    drop = set(undeclared_measurements(text))
    return "\n".join(line for i, line in enumerate(text.splitlines(), 1) if i not in drop)


def has_undeclared_measurements(path: Path) -> bool:
    return bool(undeclared_measurements(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", corpus_params(lambda p: kind(p) is None))
def test_qasmbench_circuit_simulates_like_qiskit(path):
    text = repaired(path.read_text(encoding="utf-8"))
    circuit = Circuit.from_qasm(text)
    reference = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    np.testing.assert_allclose(qml.simulate(circuit), statevector(reference), atol=1e-10)


@pytest.mark.parametrize("path", corpus_params(has_undeclared_measurements))
def test_qasmbench_file_with_undeclared_registers_is_refused_at_that_line(path):
    text = path.read_text(encoding="utf-8")
    first = undeclared_measurements(text)[0]
    with pytest.raises(QasmError, match=rf"line {first}, column \d+: 'q' is not defined"):
        Circuit.from_qasm(text)


@pytest.mark.parametrize("path", corpus_params(lambda p: kind(p) is not None))
def test_qasmbench_non_unitary_circuit_is_refused_saying_why(path):
    text = path.read_text(encoding="utf-8")
    with pytest.raises(QmlError, match=kind(path)):
        Circuit.from_qasm(text)


@pytest.mark.parametrize("path", corpus_params(lambda p: kind(p) is not None))
def test_qasmbench_refused_circuits_are_indeed_not_unitary_for_qiskit(path):
    # guards the list above: qiskit's parse keeps a reset, a condition or a measurement
    # followed by more gates, once final measurements are removed
    text = path.read_text(encoding="utf-8")
    qc = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    names = {instruction.operation.name for instruction in qc.remove_final_measurements(False)}
    assert names & {"reset", "if_else", "measure"}
