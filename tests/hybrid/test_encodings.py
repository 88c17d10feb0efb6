"""The encoding registry: every estimator asks the record, and a new record is usable at once."""

from __future__ import annotations

import numpy as np
import pytest

import qml
from qml.circuits.library import angle_encoding
from qml.errors import OptionError
from qml.hybrid import QuantumClassifier, QuantumKernel, QuantumKernelClassifier
from qml.hybrid.datasets import moons
from qml.hybrid.encodings import ENCODINGS, Encoding, get_encoding, register_encoding
from qml.hybrid.features import ANGLE_RANGES


@pytest.fixture
def rx_encoding():
    """An encoding added by one record (RX instead of RY), removed again afterwards."""
    record = register_encoding(
        Encoding(
            "rx",
            build=lambda n, reps, prefix, **o: angle_encoding(n, "rx", parameter_prefix=prefix),
            width=lambda n: n,
            angle_range=(0.0, np.pi),
        )
    )
    yield record
    from qml.hybrid import encodings

    del encodings._REGISTRY["rx"]


def test_registry_lists_the_documented_encodings_with_their_facts() -> None:
    assert list(ENCODINGS) == ["angle", "zz", "iqp", "amplitude"]
    assert ENCODINGS["amplitude"].width(3) == 8 and ENCODINGS["amplitude"].pad == 1
    assert not ENCODINGS["amplitude"].linear and ENCODINGS["zz"].linear
    assert ENCODINGS["zz"].repeats and not ENCODINGS["angle"].repeats
    assert dict(ANGLE_RANGES) == {name: e.angle_range for name, e in ENCODINGS.items()}


def test_unknown_encoding_lists_the_registered_ones() -> None:
    with pytest.raises(OptionError) as info:
        get_encoding("fourier")
    assert all(name in str(info.value) for name in ENCODINGS)


def test_one_record_makes_a_new_encoding_usable_everywhere(rx_encoding) -> None:
    X, y = moons(60, noise=0.1, random_state=0)
    clf = QuantumClassifier(n_qubits=2, n_layers=1, encoding="rx", epochs=3, random_state=0)
    assert clf.fit(X, y).predict(X).shape == (60,)
    assert [gate.name for gate, _ in clf.model_.circuit][:2] == ["rx", "rx"]
    kernel = QuantumKernelClassifier(n_qubits=2, encoding="rx").fit(X, y)
    assert kernel.score(X, y) > 0.7
    # the kernel of RX product states, against the closed form prod cos^2((x - y) / 2)
    a, b = np.array([[0.3, 1.1]]), np.array([[1.0, -0.4]])
    expected = np.prod(np.cos((a - b) / 2) ** 2)
    np.testing.assert_allclose(QuantumKernel(2, "rx")(a, b), [[expected]], atol=1e-12)
    # and the command line offers it
    from qml.cli.options import build_parser

    assert build_parser().parse_args(["--encoding", "rx"]).encoding == "rx"


def test_the_amplitude_record_prepares_the_normalised_vector(rng) -> None:
    record = ENCODINGS["amplitude"]
    X = rng.normal(size=(5, 4))
    states = qml.simulate(record.build(2, 2, "x"), record.parameters(X))
    np.testing.assert_allclose(states, X / np.linalg.norm(X, axis=1, keepdims=True), atol=1e-12)


def test_records_pickle_by_name() -> None:
    import pickle

    assert pickle.loads(pickle.dumps(ENCODINGS["zz"])) is ENCODINGS["zz"]
