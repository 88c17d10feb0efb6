"""Noise models from text specs, against models built by hand and the density matrix."""

from __future__ import annotations

import numpy as np
import pytest

import qml
from qml.errors import OptionError
from qml.noise import Depolarizing, NoiseModel, noise_from_spec, parse_noise


def test_parse_noise_reads_names_and_probabilities() -> None:
    assert parse_noise("depolarizing=0.01, Bit-Flip=0.2,readout=0") == [
        ("depolarizing", 0.01), ("bit_flip", 0.2), ("readout", 0.0)]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "needle"),
    [("depolarising=0.1", "did you mean depolarizing?"), ("depolarizing", "NAME=P"),
     ("readout=2", "not a probability"), ("bit_flip=x", "needs a probability")],
)  # fmt: skip
def test_bad_specs_say_how_to_write_them(spec: str, needle: str) -> None:
    with pytest.raises(OptionError, match=needle):
        parse_noise(spec)


def test_a_spec_model_equals_the_hand_built_one_on_the_density_matrix(rng) -> None:
    circuit = qml.Circuit(2).ry(0.4, 0).cx(0, 1).rx(1.1, 1)
    by_hand = (NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.05), ["ry", "rx"])
               .add_all_qubit_quantum_error(Depolarizing(0.05, 2), ["cx"]))  # fmt: skip
    observables = [qml.Pauli("ZI"), qml.Pauli("IZ"), qml.Pauli("XX")]
    ours = qml.expectation(
        circuit, observables, noise=noise_from_spec("depolarizing=0.05", circuit)
    )
    np.testing.assert_allclose(ours, qml.expectation(circuit, observables, noise=by_hand),
                               atol=1e-12)  # fmt: skip
    assert not np.allclose(ours, qml.expectation(circuit, observables), atol=1e-3)
