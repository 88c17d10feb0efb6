"""Pauli strings and their sums: qiskit's label order, arithmetic, conversion, errors.

The oracle is qiskit's ``SparsePauliOp`` (and ``Pauli``), built from the same labels and
coefficients without going through qml.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qiskit.quantum_info import Pauli as QiskitPauli
from qiskit.quantum_info import SparsePauliOp

import qml
from qml import Pauli, PauliSum
from qml.errors import QubitError, QubitIndexError
from tests.strategies import PROPERTY_SETTINGS
from tests.variational import pauli_terms, qiskit_observable, qml_observable

#: Random observables on 1 to 4 qubits: ``(terms, num_qubits)``.
observables = st.integers(1, 4).flatmap(pauli_terms)


def test_label_order_matches_qiskit():
    # the rightmost letter acts on qubit 0 in both libraries
    for label in ("XZI", "IIY", "YXZI", "Z"):
        np.testing.assert_array_equal(Pauli(label).matrix(), QiskitPauli(label).to_matrix())
        assert Pauli(label).to_qiskit() == SparsePauliOp(label)


@PROPERTY_SETTINGS
@given(observables)
def test_sum_matrix_matches_qiskit(terms):
    np.testing.assert_allclose(
        qml_observable(terms).matrix(), qiskit_observable(terms).to_matrix(), atol=1e-12
    )


@PROPERTY_SETTINGS
@given(observables)
def test_to_qiskit_matches_qiskit_operator(terms):
    converted = qml_observable(terms).to_qiskit()
    assert isinstance(converted, SparsePauliOp)
    np.testing.assert_allclose(
        converted.to_matrix(), qiskit_observable(terms).to_matrix(), atol=1e-12
    )


@PROPERTY_SETTINGS
@given(observables)
def test_from_qiskit_matches_qiskit_operator(terms):
    converted = PauliSum.from_qiskit(qiskit_observable(terms))
    np.testing.assert_allclose(converted.matrix(), qiskit_observable(terms).to_matrix(), atol=1e-12)


def test_from_qiskit_reads_the_phase_of_a_qiskit_pauli():
    assert PauliSum.from_qiskit(QiskitPauli("-XZ")) == -1 * Pauli("XZ")
    assert PauliSum.from_qiskit(QiskitPauli("YZ")) == Pauli("YZ")
    # -i * (iY) = Y: a phase that cancels against the coefficient is accepted
    op = SparsePauliOp(QiskitPauli("-iYZ"), coeffs=[1j])
    np.testing.assert_allclose(PauliSum.from_qiskit(op).matrix(), op.to_matrix(), atol=1e-12)


def test_from_qiskit_refuses_complex_coefficients():
    with pytest.raises(qml.QmlError, match="not Hermitian"):
        PauliSum.from_qiskit(SparsePauliOp(["XZ"], [1j]))
    with pytest.raises(qml.QmlError, match="not Hermitian"):
        PauliSum.from_qiskit(QiskitPauli("-iXZ"))


def test_from_qiskit_refuses_other_objects():
    with pytest.raises(qml.QmlError, match="SparsePauliOp"):
        PauliSum.from_qiskit(np.eye(2))


@PROPERTY_SETTINGS
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(st.just(n), st.permutations(range(n)))),
       st.data())  # fmt: skip
def test_on_places_letters_like_qiskit_sparse_list(size_and_order, data):
    n, order = size_and_order
    qubits = order[: data.draw(st.integers(1, n))]
    letters = data.draw(st.text(alphabet="XYZ", min_size=len(qubits), max_size=len(qubits)))
    expected = SparsePauliOp.from_sparse_list([(letters, qubits, 1.0)], n)
    np.testing.assert_array_equal(Pauli.on(letters, qubits, n).matrix(), expected.to_matrix())


def test_on_matches_the_documented_example():
    assert Pauli.on("ZZ", [0, 3], 5) == Pauli("IZIIZ")


def test_on_refuses_a_repeated_qubit():
    with pytest.raises(QubitError, match="repeat"):
        Pauli.on("XZ", [1, 1], 3)


@pytest.mark.parametrize("qubit", [3, -1])
def test_on_refuses_a_qubit_out_of_range(qubit):
    with pytest.raises(QubitIndexError, match="out of range"):
        Pauli.on("Z", [qubit], 3)


def test_on_refuses_letters_and_qubits_of_different_counts():
    with pytest.raises(qml.QmlError, match="2 letter"):
        Pauli.on("ZZ", [0], 3)


def test_arithmetic_matches_qiskit_operator_arithmetic():
    zz, xi, yy = (SparsePauliOp(label) for label in ("ZZ", "XI", "YY"))
    cases = [
        (0.5 * Pauli("ZZ") + Pauli("XI"), 0.5 * zz + xi),
        (Pauli("ZZ") - 2 * Pauli("YY"), zz - 2 * yy),
        (-(Pauli("XI") + Pauli("YY")) / 4, -(xi + yy) / 4),
        (Pauli("ZZ") * 3 - Pauli("XI") * 0.25, 3 * zz - 0.25 * xi),
        (np.float64(1.5) * Pauli("ZZ") + np.int64(2) * Pauli("YY"), 1.5 * zz + 2 * yy),
    ]
    for ours, theirs in cases:
        assert isinstance(ours, PauliSum)
        np.testing.assert_allclose(ours.matrix(), theirs.to_matrix(), atol=1e-12)


def test_adding_a_number_adds_a_multiple_of_the_identity():
    identity = SparsePauliOp("II")
    np.testing.assert_allclose(
        (Pauli("ZZ") + 1).matrix(), (SparsePauliOp("ZZ") + identity).to_matrix()
    )
    np.testing.assert_allclose(
        (2 - Pauli("ZZ")).matrix(), (2 * identity - SparsePauliOp("ZZ")).to_matrix()
    )


def test_adding_a_label_string_adds_that_pauli():
    assert Pauli("ZZ") + "XX" == Pauli("ZZ") + Pauli("XX")


def test_like_terms_combine():
    total = Pauli("ZZ") + 0.5 * Pauli("XI") + Pauli("ZZ")
    assert dict((label, c) for c, label in total.terms) == {"ZZ": 2.0, "XI": 0.5}


def test_equal_observables_are_equal_and_hash_alike():
    assert Pauli("ZZ") == 1.0 * Pauli("ZZ")
    assert hash(Pauli("ZZ") + Pauli("XI")) == hash(Pauli("XI") + Pauli("ZZ"))
    assert Pauli("ZZ") != Pauli("ZX")


def test_is_diagonal_only_for_i_and_z():
    assert (Pauli("ZIZ") + 2 * Pauli("III")).is_diagonal()
    assert not (Pauli("ZIZ") + Pauli("XII")).is_diagonal()
    assert not Pauli("Y").is_diagonal()


def test_repr_names_every_term():
    assert repr(Pauli("XZ")) == "Pauli('XZ')"
    assert repr(0.5 * Pauli("ZZ") + Pauli("XI")) == "0.5 * Pauli('ZZ') + 1 * Pauli('XI')"


@pytest.mark.parametrize("label", ["XA", "", "X Z", "XY1"])
def test_a_wrong_letter_is_a_qml_error(label):
    with pytest.raises(qml.QmlError, match="invalid Pauli label") as error:
        Pauli(label)
    assert isinstance(error.value, ValueError)
    assert "I, X, Y and Z" in str(error.value)


def test_a_label_that_is_not_a_string_is_a_qml_type_error():
    with pytest.raises(qml.QmlError, match="string") as error:
        Pauli(3)
    assert isinstance(error.value, TypeError)


def test_terms_of_different_lengths_are_a_qml_error():
    with pytest.raises(qml.QmlError, match=r"different lengths \[2, 3\]"):
        Pauli("ZZ") + Pauli("XXX")


def test_a_complex_coefficient_is_a_qml_error():
    with pytest.raises(qml.QmlError, match="not real"):
        1j * Pauli("ZZ")


def test_an_empty_sum_is_a_qml_error():
    with pytest.raises(qml.QmlError, match="at least one"):
        PauliSum([])


def test_sum_of_paulis_adds_no_identity_term():
    total = sum([qml.Pauli("ZI"), qml.Pauli("IZ")])
    assert sorted(label for _, label in total.terms) == ["IZ", "ZI"]
