"""Expectation values, probabilities and samples against qiskit, on both backends.

Oracles: ``Statevector.expectation_value`` and ``Statevector.probabilities`` for exact
values, qiskit-aer and ``Statevector.sample_counts`` for the format of counts keys, and
exact distributions (from qiskit) for statistical checks of samples and shot estimates.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.quantum_info import Pauli as QiskitPauli
from qiskit.quantum_info import SparsePauliOp, Statevector
from qiskit_aer import AerSimulator

import qml
from qml.simulator import engine
from tests.strategies import PROPERTY_SETTINGS, circuits
from tests.variational import (
    pauli_terms,
    qiskit_expectations,
    qiskit_observable,
    qml_observable,
    row_values,
    specs,
)

BACKENDS = engine.BACKENDS


def qiskit_state(circuit: qml.Circuit) -> Statevector:
    return Statevector(circuit.to_qiskit().remove_final_measurements(inplace=False))


def total_variation(counts: dict[str, int], exact: dict[str, float]) -> float:
    """Half the L1 distance between the empirical and the exact distribution."""
    shots = sum(counts.values())
    keys = set(counts) | set(exact)
    return 0.5 * sum(abs(counts.get(k, 0) / shots - exact.get(k, 0.0)) for k in keys)


def clbit_distribution(circuit: qml.Circuit) -> dict[str, float]:
    """Exact distribution of the classical bits of ``circuit``'s measurements, from qiskit.

    A classical bit written by several measurements keeps the last one (qiskit's rule);
    bits never written read 0. Keys are qiskit's: the rightmost character is clbit 0.
    """
    writer: dict[int, int] = {}
    for qubit, clbit in circuit.measurements.items():
        writer[clbit] = qubit
    clbits = sorted(writer)
    width = max(circuit.measurements.values()) + 1
    exact: dict[str, float] = {}
    marginal = qiskit_state(circuit).probabilities_dict(qargs=[writer[b] for b in clbits])
    for key, p in marginal.items():  # key's rightmost character is qargs[0]
        bits = ["0"] * width
        for char, clbit in zip(reversed(key), clbits, strict=True):
            bits[width - 1 - clbit] = char
        text = "".join(bits)
        exact[text] = exact.get(text, 0.0) + p
    return exact


# -- expectation values ---------------------------------------------------------------------


@pytest.mark.parametrize("name", BACKENDS)
@PROPERTY_SETTINGS
@given(circuits(max_qubits=5, max_gates=12), st.data())
def test_expectation_of_a_pauli_sum_matches_qiskit(name, circuit, data):
    terms = data.draw(pauli_terms(circuit.num_qubits))
    with engine.using_backend(name):
        value = qml.expectation(circuit, qml_observable(terms))
    assert isinstance(value, float)
    expected = qiskit_state(circuit).expectation_value(qiskit_observable(terms)).real
    assert value == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("name", BACKENDS)
@PROPERTY_SETTINGS
@given(circuits(max_qubits=5, max_gates=12), st.data())
def test_expectation_of_an_observable_list_matches_qiskit(name, circuit, data):
    terms = data.draw(st.lists(pauli_terms(circuit.num_qubits), min_size=1, max_size=4))
    with engine.using_backend(name):
        values = qml.expectation(circuit, [qml_observable(t) for t in terms])
    state = qiskit_state(circuit)
    expected = [state.expectation_value(qiskit_observable(t)).real for t in terms]
    assert values.shape == (len(terms),)
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", BACKENDS)
@PROPERTY_SETTINGS
@given(specs(max_qubits=4, max_gates=8), st.sampled_from([1, 3]), st.booleans(), st.data())
def test_batched_expectation_matches_qiskit_row_by_row(name, spec, batch, as_list, data):
    circuit = spec.qml_circuit()
    terms = data.draw(st.lists(pauli_terms(circuit.num_qubits), min_size=1, max_size=3))
    rows = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).uniform(
        -2, 2, (batch, circuit.num_parameters)
    )
    observables = [qml_observable(t) for t in terms]
    with engine.using_backend(name):
        values = qml.expectation(circuit, observables if as_list else observables[0], rows)
    operators = [qiskit_observable(t) for t in terms]
    expected = np.array(
        [qiskit_expectations(spec, row_values(circuit, row), operators) for row in rows]
    )
    if as_list:
        assert values.shape == (batch, len(terms))
        np.testing.assert_allclose(values, expected, rtol=0, atol=1e-10)
    else:
        assert values.shape == (batch,)
        np.testing.assert_allclose(values, expected[:, 0], rtol=0, atol=1e-10)


def test_expectation_accepts_qiskit_operators_and_labels():
    circuit = qml.Circuit(2).h(0).cx(0, 1).ry(0.3, 1)
    state = qiskit_state(circuit)
    operator = SparsePauliOp(["XX", "ZI", "YY"], [0.5, -1.0, 2.0])
    assert qml.expectation(circuit, operator) == pytest.approx(
        state.expectation_value(operator).real, abs=1e-12
    )
    assert qml.expectation(circuit, QiskitPauli("-XX")) == pytest.approx(
        -state.expectation_value(SparsePauliOp("XX")).real, abs=1e-12
    )
    np.testing.assert_allclose(
        qml.expectation(circuit, ["ZI", SparsePauliOp("XX")]),
        [state.expectation_value(SparsePauliOp(label)).real for label in ("ZI", "XX")],
        atol=1e-12,
    )


def test_observables_sharing_labels_with_other_coefficients_get_their_own_values():
    # term tables are remembered between calls: equal labels must not mean equal tables
    circuit = qml.Circuit(2).h(0).cx(0, 1).ry(0.3, 1)
    state = qiskit_state(circuit)
    for coefficients in ([0.5, -1.0], [2.0, 0.25], [0.5, -1.0]):
        operator = SparsePauliOp(["XX", "ZI"], coefficients)
        assert qml.expectation(circuit, operator) == pytest.approx(
            state.expectation_value(operator).real, abs=1e-12
        )


def test_a_wrong_sized_observable_is_refused_after_a_good_one_was_used():
    qml.expectation(qml.Circuit(2).h(0), qml.Pauli("ZZ"))
    with pytest.raises(qml.QmlError, match=r"acts on 2 qubit.*circuit has 3"):
        qml.expectation(qml.Circuit(3).h(0), qml.Pauli("ZZ"))


def test_expectation_refuses_an_observable_of_the_wrong_size():
    with pytest.raises(qml.QmlError, match=r"acts on 2 qubit.*circuit has 3"):
        qml.expectation(qml.Circuit(3).h(0), qml.Pauli("ZZ"))


def test_expectation_refuses_an_empty_observable_list():
    with pytest.raises(qml.QmlError, match="empty"):
        qml.expectation(qml.Circuit(1), [])


# -- probabilities --------------------------------------------------------------------------


@pytest.mark.parametrize("name", BACKENDS)
@PROPERTY_SETTINGS
@given(circuits(max_qubits=5, max_gates=12))
def test_probabilities_match_qiskit(name, circuit):
    with engine.using_backend(name):
        probs = qml.probabilities(circuit)
    np.testing.assert_allclose(probs, qiskit_state(circuit).probabilities(), rtol=0, atol=1e-12)


@PROPERTY_SETTINGS
@given(circuits(max_qubits=5, max_gates=12), st.data())
def test_marginals_match_qiskit_for_any_subset_and_order(circuit, data):
    order = data.draw(st.permutations(range(circuit.num_qubits)))
    qubits = order[: data.draw(st.integers(1, circuit.num_qubits))]
    probs = qml.probabilities(circuit, qubits)
    expected = qiskit_state(circuit).probabilities(qubits)
    np.testing.assert_allclose(probs, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", BACKENDS)
@PROPERTY_SETTINGS
@given(specs(max_qubits=4, max_gates=8), st.data())
def test_batched_marginals_match_qiskit_row_by_row(name, spec, data):
    circuit = spec.qml_circuit()
    order = data.draw(st.permutations(range(circuit.num_qubits)))
    qubits = order[: data.draw(st.integers(1, circuit.num_qubits))]
    rows = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).uniform(
        -2, 2, (3, circuit.num_parameters)
    )
    with engine.using_backend(name):
        probs = qml.probabilities(circuit, qubits, rows)
    expected = [
        Statevector(spec.qiskit_circuit(row_values(circuit, row))).probabilities(qubits)
        for row in rows
    ]
    np.testing.assert_allclose(probs, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("qubits", "error", "message"),
    [([3], IndexError, "out of range"), ([-1], IndexError, "out of range"),
     ([0, 0], ValueError, "repeat")],
)  # fmt: skip
def test_probabilities_refuse_bad_qubits(qubits, error, message):
    with pytest.raises(qml.QmlError, match=message) as raised:
        qml.probabilities(qml.Circuit(3).h(0), qubits)
    assert isinstance(raised.value, error)


# -- sampling ---------------------------------------------------------------------------------


def test_sample_keys_match_qiskit_for_a_basis_state():
    circuit = qml.Circuit(4).x(0).x(2)  # qubits 0 and 2 set: qiskit's key is "0101"
    counts = qml.sample(circuit, 100, seed=1)
    expected = Statevector(circuit.to_qiskit()).sample_counts(100)
    assert counts == {str(key): int(count) for key, count in expected.items()} == {"0101": 100}


def test_sample_keys_with_measurements_match_aer():
    # qubits 0 and 1 set; measure qubit 0 -> clbit 3, qubit 1 -> clbit 1, qubit 2 -> clbit 0
    qc = QuantumCircuit(3, 4)
    qc.x([0, 1])
    qc.measure([0, 1, 2], [3, 1, 0])
    counts = qml.sample(qml.Circuit.from_qiskit(qc), 50, seed=1)
    aer = AerSimulator().run(qc, shots=50, seed_simulator=1).result().get_counts()
    assert counts == dict(aer) == {"1010": 50}


def test_sample_keys_of_a_split_distribution_match_aer():
    qc = QuantumCircuit(3, 3)
    qc.h(1)
    qc.x(2)
    qc.measure([1, 2], [0, 2])  # clbit 1 is never written
    counts = qml.sample(qml.Circuit.from_qiskit(qc), 2000, seed=1)
    aer = AerSimulator().run(qc, shots=2000, seed_simulator=1).result().get_counts()
    assert set(counts) == set(aer) == {"100", "101"}


def test_two_qubits_measured_into_one_clbit_keep_the_last_like_aer():
    qc = QuantumCircuit(2, 1)
    qc.x(0)
    qc.measure(0, 0)
    qc.measure(1, 0)  # overwrites clbit 0 with qubit 1's outcome, 0
    counts = qml.sample(qml.Circuit.from_qiskit(qc), 20, seed=1)
    aer = AerSimulator().run(qc, shots=20, seed_simulator=1).result().get_counts()
    assert counts == dict(aer) == {"0": 20}


def test_one_qubit_measured_into_two_clbits_sets_both_like_aer():
    circuit = qml.Circuit(1).x(0).measure(0, 0).measure(0, 1)
    qc = QuantumCircuit(1, 2)
    qc.x(0)
    qc.measure(0, 0)
    qc.measure(0, 1)
    aer = AerSimulator().run(qc, shots=20, seed_simulator=1).result().get_counts()
    assert qml.sample(circuit, 20, seed=1) == dict(aer) == {"11": 20}


def test_sample_omits_zero_counts():
    counts = qml.sample(qml.Circuit(3).h(0), 1000, seed=3)
    assert set(counts) == {"000", "001"}
    assert all(count > 0 for count in counts.values())
    assert sum(counts.values()) == 1000


def test_sample_is_reproducible_with_a_seed():
    circuit = qml.Circuit(3).h(0).h(1).h(2)
    assert qml.sample(circuit, 1000, seed=7) == qml.sample(circuit, 1000, seed=7)
    generators = np.random.default_rng(7), np.random.default_rng(7)
    assert qml.sample(circuit, 1000, seed=generators[0]) == qml.sample(
        circuit, 1000, seed=generators[1]
    )


def test_sample_differs_with_another_seed():
    # two independent multinomial draws of 1000 shots over 8 equally likely outcomes
    # coincide with probability about 1e-11
    circuit = qml.Circuit(3).h(0).h(1).h(2)
    assert qml.sample(circuit, 1000, seed=7) != qml.sample(circuit, 1000, seed=8)


#: Shots and the largest allowed total variation distance for the statistical checks.
#: With N shots over K outcomes, E[TV] <= sqrt(K / N) / 2 <= 0.02 for K <= 32, N = 20000,
#: and TV changes by at most 1/N when one shot changes, so McDiarmid's inequality gives
#: P(TV > E[TV] + t) <= exp(-2 N t**2) = exp(-36) ~ 2e-16 for t = 0.03: a false failure
#: is practically impossible, while a wrong key or a wrong marginal moves TV to ~0.1-1.
SHOTS, MAX_TV = 20_000, 0.05


@pytest.mark.parametrize("name", BACKENDS)
@PROPERTY_SETTINGS
@given(circuits(max_qubits=5, max_gates=12), st.integers(0, 2**32 - 1))
def test_sample_distribution_is_close_to_the_exact_one(name, circuit, seed):
    with engine.using_backend(name):
        counts = qml.sample(circuit, SHOTS, seed=seed)
    assert sum(counts.values()) == SHOTS
    assert all(len(key) == circuit.num_qubits for key in counts)
    assert total_variation(counts, qiskit_state(circuit).probabilities_dict()) < MAX_TV


@PROPERTY_SETTINGS
@given(circuits(max_qubits=5, max_gates=12), st.data())
def test_sample_with_measurements_is_close_to_the_exact_clbit_distribution(circuit, data):
    n = circuit.num_qubits
    qubits = data.draw(st.permutations(range(n)))[: data.draw(st.integers(1, n))]
    clbits = data.draw(st.lists(st.integers(0, n + 1), min_size=len(qubits),
                                max_size=len(qubits)))  # fmt: skip
    for qubit, clbit in zip(qubits, clbits, strict=True):
        circuit.measure(qubit, clbit)
    counts = qml.sample(circuit, SHOTS, seed=data.draw(st.integers(0, 2**32 - 1)))
    assert all(len(key) == max(clbits) + 1 for key in counts)
    assert total_variation(counts, clbit_distribution(circuit)) < MAX_TV


def test_batched_sample_gives_one_counts_dict_per_row():
    x = qml.Parameter("x")
    circuit = qml.Circuit(2).rx(np.pi * x, 0).h(1)
    rows = np.array([[0.0], [1.0], [0.5]])
    counts = qml.sample(circuit, SHOTS, seed=5, params=rows)
    assert isinstance(counts, list) and len(counts) == 3
    for row, row_counts in zip(rows, counts, strict=True):
        bound = circuit.assign_parameters(row).to_qiskit()
        assert total_variation(row_counts, Statevector(bound).probabilities_dict()) < MAX_TV
    assert set(counts[0]) == {"00", "10"} and set(counts[1]) == {"01", "11"}


def test_batched_sample_with_measurements_uses_clbit_keys():
    x = qml.Parameter("x")
    circuit = qml.Circuit(2).rx(np.pi * x, 0).measure(0, 1)
    counts = qml.sample(circuit, 10, seed=5, params=[[0.0], [1.0]])
    assert counts == [{"00": 10}, {"10": 10}]


@pytest.mark.parametrize("shots", [0, -5, 1.5, True, None])
def test_sample_refuses_a_shot_count_that_is_not_a_positive_integer(shots):
    with pytest.raises(qml.QmlError, match="shots must be a positive integer"):
        qml.sample(qml.Circuit(1).h(0), shots)


# -- expectation values from shots -------------------------------------------------------------


def shot_tolerance(terms: list[tuple[float, str]], shots: int) -> float:
    """Six standard errors of a shot estimate of ``sum_t c_t <P_t>``, bounded from above.

    Each ``<P_t>`` is a mean of ``shots`` outcomes ±1 (terms may share samples), so by
    Hoeffding ``P(|error_t| > 6 / sqrt(shots)) <= 2 exp(-18) ~ 3e-8``, and by the triangle
    inequality the sum's error exceeds ``6 sum |c_t| / sqrt(shots)`` with probability at
    most (number of terms) * 3e-8.
    """
    return 6 * sum(abs(c) for c, _ in terms) / np.sqrt(shots) + 1e-12


@PROPERTY_SETTINGS
@given(circuits(max_qubits=4, max_gates=10), st.data())
def test_shot_estimates_converge_to_the_exact_expectation(circuit, data):
    terms = data.draw(pauli_terms(circuit.num_qubits))
    exact = qiskit_state(circuit).expectation_value(qiskit_observable(terms)).real
    seed = data.draw(st.integers(0, 2**32 - 1))
    for shots in (1_000, 100_000, 10_000_000):
        estimate = qml.expectation(circuit, qml_observable(terms), shots=shots, seed=seed)
        assert abs(estimate - exact) <= shot_tolerance(terms, shots)


def test_shot_estimates_of_a_batch_and_a_list_are_close_to_exact():
    x = qml.Parameter("x")
    circuit = qml.Circuit(3).ry(x, 0).cx(0, 1).rx(2 * x, 2).sdg(2)
    terms = [[(1.0, "IZZ"), (0.5, "XII")], [(2.0, "YIX"), (-1.0, "III")]]
    rows = np.array([[0.3], [1.2], [-2.0]])
    estimates = qml.expectation(
        circuit, [qml_observable(t) for t in terms], rows, shots=50_000, seed=11
    )
    assert estimates.shape == (3, 2)
    for b, row in enumerate(rows):
        state = Statevector(circuit.assign_parameters(row).to_qiskit())
        for k, t in enumerate(terms):
            exact = state.expectation_value(qiskit_observable(t)).real
            assert abs(estimates[b, k] - exact) <= shot_tolerance(t, 50_000)


def test_shot_estimates_are_reproducible_with_a_seed_and_vary_without():
    circuit = qml.Circuit(2).h(0).cx(0, 1).ry(0.4, 1)
    observable = qml.Pauli("XX") + qml.Pauli("ZI")
    first = qml.expectation(circuit, observable, shots=1000, seed=3)
    assert first == qml.expectation(circuit, observable, shots=1000, seed=3)
    assert first != qml.expectation(circuit, observable, shots=1000, seed=4)


def test_shot_estimates_refuse_a_bad_shot_count():
    with pytest.raises(qml.QmlError, match="shots must be a positive integer"):
        qml.expectation(qml.Circuit(1), "Z", shots=0)
