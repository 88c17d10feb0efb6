"""NoiseModel: qiskit-aer's rules for attaching channels, checked against Aer itself."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel as AerNoiseModel
from qiskit_aer.noise import depolarizing_error
from qiskit_aer.noise.noiseerror import NoiseError as AerNoiseError

from qml.circuits import Circuit
from qml.errors import NoiseError, OptionError, QmlTypeError, QubitError, QubitIndexError
from qml.noise import (
    AmplitudeDamping,
    BitFlip,
    Depolarizing,
    NoiseModel,
    PauliChannel,
    PhaseDamping,
    ReadoutError,
)
from qml.simulator.density import simulate_density

AER = AerSimulator(method="density_matrix", fusion_enable=False)


def aer_density(circuit: Circuit, model: NoiseModel) -> np.ndarray:
    qc = circuit.to_qiskit()
    qc.save_density_matrix()
    result = AER.run(qc, noise_model=model.to_qiskit()).result()
    return np.asarray(result.data()["density_matrix"])


def assert_same_as_aer(circuit: Circuit, model: NoiseModel) -> np.ndarray:
    rho = simulate_density(circuit, noise=model)
    np.testing.assert_allclose(rho, aer_density(circuit, model), atol=1e-9)
    return rho


CIRCUIT = Circuit(3).h(0).h(2).cx(0, 1).cx(1, 0).cx(2, 1).rx(0.4, 1).ry(0.3, 2)


def test_local_error_replaces_all_qubit_error_on_its_ordered_qubits() -> None:
    xx = PauliChannel({"XX": 0.4, "II": 0.6})
    model = NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.3, 2), ["cx"])
    model.add_quantum_error(xx, ["cx"], [0, 1])
    assert model.channels_after("cx", (0, 1)) == (xx,)
    assert model.channels_after("cx", (1, 0))[0].p == 0.3
    assert model.channels_after("rx", (1,)) == ()
    assert_same_as_aer(CIRCUIT, model)


def test_adding_twice_composes_in_order() -> None:
    first, second = AmplitudeDamping(0.5), PhaseDamping(0.3).tensor(BitFlip(0.2))
    model = NoiseModel()
    model.add_all_qubit_quantum_error(first.tensor(first), "cx")
    model.add_all_qubit_quantum_error(second, "cx")
    model.add_quantum_error(BitFlip(0.1), "rx", [1]).add_quantum_error(
        AmplitudeDamping(0.6), "rx", [1]
    )
    assert len(model.channels_after("cx", (2, 1))) == 2
    assert len(model.channels_after("rx", (1,))) == 2
    assert_same_as_aer(CIRCUIT, model)


def test_ideal_local_error_does_not_replace_all_qubit_error() -> None:
    """As in Aer, an identity channel is never added, so it overrides nothing."""
    model = NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.5, 2), ["cx"])
    model.add_quantum_error(Depolarizing(0.0, 2), ["cx"], [0, 1])
    assert model.channels_after("cx", (0, 1))[0].p == 0.5
    assert_same_as_aer(CIRCUIT, model)
    assert NoiseModel().add_all_qubit_quantum_error(BitFlip(0.0), "h").is_ideal()


def test_one_qubit_channel_on_two_qubit_gate_is_refused_like_aer() -> None:
    with pytest.raises(AerNoiseError):
        AerNoiseModel().add_all_qubit_quantum_error(depolarizing_error(0.1, 1), ["cx"])
    with pytest.raises(
        NoiseError, match=r"1-qubit channel cannot be attached to the 2-qubit gate 'cx'.*tensor"
    ):
        NoiseModel().add_all_qubit_quantum_error(BitFlip(0.1), ["rx", "cx"])
    with pytest.raises(NoiseError, match="2-qubit gate 'crx'"):  # Aer would take it silently
        NoiseModel().add_all_qubit_quantum_error(BitFlip(0.1), ["crx"])
    with pytest.raises(AerNoiseError):
        AerNoiseModel().add_quantum_error(depolarizing_error(0.1, 1), ["cx"], [0])
    with pytest.raises(NoiseError):
        NoiseModel().add_quantum_error(BitFlip(0.1), ["cx"], [0])
    with pytest.raises(NoiseError, match="cannot act on the 1 qubit"):
        NoiseModel().add_quantum_error(Depolarizing(0.1, 2), ["unitary"], [0])


def test_two_one_qubit_errors_on_cx_via_tensor() -> None:
    model = NoiseModel().add_all_qubit_quantum_error(
        AmplitudeDamping(0.2).tensor(AmplitudeDamping(0.2)), ["cx"]
    )
    assert_same_as_aer(CIRCUIT, model)


def test_gate_names_are_checked() -> None:
    with pytest.raises(OptionError, match=r"'cnot': not a qml gate name.*Valid names: ccx"):
        NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.1, 2), "cnot")
    with pytest.raises(OptionError, match="add_readout_error"):
        NoiseModel().add_all_qubit_quantum_error(BitFlip(0.1), ["measure"])
    with pytest.raises(OptionError, match="no gate names"):
        NoiseModel().add_all_qubit_quantum_error(BitFlip(0.1), [])
    with pytest.raises(QmlTypeError, match="Channel"):
        NoiseModel().add_all_qubit_quantum_error(depolarizing_error(0.1, 1), ["h"])


def test_qubits_are_checked() -> None:
    with pytest.raises(QubitIndexError):
        NoiseModel().add_quantum_error(BitFlip(0.1), "h", [-1])
    with pytest.raises(QubitError):
        NoiseModel().add_quantum_error(Depolarizing(0.1, 2), "cx", [1, 1])
    with pytest.raises(QubitError):
        NoiseModel().add_quantum_error(BitFlip(0.1), "h", [0.5])
    with pytest.raises(QubitError):
        NoiseModel().add_quantum_error(BitFlip(0.1), "h", 3)


def test_to_qiskit_holds_the_same_errors() -> None:
    model = NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.1), ["h", "rx"])
    model.add_quantum_error(Depolarizing(0.2, 2), "cx", [2, 1])
    model.add_readout_error([[0.9, 0.1], [0.1, 0.9]], 0)
    aer = model.to_qiskit()
    assert isinstance(aer, AerNoiseModel)
    assert aer.noise_instructions == model.noise_instructions == ["cx", "h", "measure", "rx"]
    assert aer.noise_qubits == [0, 1, 2]
    assert "cx" in model.to_qiskit(basis_gates=["cx", "u"]).basis_gates
    assert "readout[0]" in repr(model)
    assert repr(NoiseModel()) == "NoiseModel(ideal)"


def test_readout_lookup_follows_aer() -> None:
    everywhere = ReadoutError([[0.9, 0.1], [0.2, 0.8]])
    model = NoiseModel().add_all_qubit_readout_error(everywhere)
    model.add_readout_error([[0.7, 0.3], [0.0, 1.0]], [1])
    model.add_readout_error([[0.6, 0.4], [0.0, 1.0]], [1])  # replaces, as in Aer
    model.add_readout_error(np.eye(2), [2])  # ideal: not added, so the all-qubit one stays
    assert model.readout_error(0) == everywhere
    np.testing.assert_array_equal(model.readout_matrix(1), [[0.6, 0.4], [0.0, 1.0]])
    assert model.readout_error(2) == everywhere
    assert NoiseModel().readout_matrix(0) is None
    with pytest.raises(NoiseError, match="one qubit"):
        model.add_readout_error(everywhere, [0, 1])


def test_noise_on_diagonal_and_dense_gates() -> None:
    circuit = Circuit(2).ry(0.3, 0).rz(1.1, 1).cz(0, 1).sx(0).rzz(0.7, 0, 1)
    model = NoiseModel().add_all_qubit_quantum_error(AmplitudeDamping(0.1), ["ry", "sx", "rz"])
    model.add_all_qubit_quantum_error(Depolarizing(0.05, 2), ["cz", "rzz"])
    assert assert_same_as_aer(circuit, model).shape == (4, 4)
