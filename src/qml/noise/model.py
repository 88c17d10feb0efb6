"""``NoiseModel``: channels attached to gate names and qubits, as qiskit-aer attaches them.

The rules are qiskit-aer's, so ``to_qiskit()`` gives a model that Aer applies to
the same gates in the same way:

* A channel attached to a gate name acts on that gate's qubits right after the
  gate (its qubit ``j`` is the gate's qubit ``j``), so it has as many qubits as
  the gate. A channel of another size is refused (Aer refuses it too for its
  standard gates); ``Channel.tensor`` builds one from smaller channels.
* ``add_quantum_error(channel, names, qubits)`` applies only when the gate acts
  on exactly ``qubits`` in that order, and there it replaces (does not add to)
  the all-qubit error of that gate name.
* Adding a second channel to the same name (and qubits) composes: the first
  acts, then the second.
* Ideal channels and readout errors (the identity) are not added at all, so an
  ideal local error does not replace an all-qubit one, as in Aer.
* Readout errors are per qubit; a local one replaces the all-qubit one on its
  qubit, and adding one again replaces the previous one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from qml.errors import NoiseError, OptionError, QmlTypeError, QubitError, QubitIndexError
from qml.gates import STANDARD_GATES
from qml.gates.base import MAX_QUBITS, index_list, integer
from qml.noise.channels import Channel
from qml.noise.readout import ReadoutError

if TYPE_CHECKING:
    import qiskit_aer.noise

#: Gate names a channel can be attached to, with their qubit counts (None: any).
GATE_QUBITS: dict[str, int | None] = {
    **{name: cls.num_qubits for name, cls in STANDARD_GATES.items()},
    "unitary": None,
}


class NoiseModel:
    """Quantum errors after gates, and readout errors, in qiskit-aer's ``NoiseModel`` style.

    Example::

        model = NoiseModel()
        model.add_all_qubit_quantum_error(Depolarizing(0.01), ["rx", "ry"])
        model.add_all_qubit_quantum_error(Depolarizing(0.05, 2), ["cx"])
        model.add_quantum_error(AmplitudeDamping(0.1).tensor(AmplitudeDamping(0.1)), "cx", [0, 1])
        model.add_all_qubit_readout_error(ReadoutError([[0.98, 0.02], [0.05, 0.95]]))
        rho = qml.simulator.density.simulate_density(circuit, noise=model)

    Gate names are qiskit's (``gate.name``: "cx", not "cnot"). The add methods
    return the model, so calls chain.
    """

    def __init__(self) -> None:
        self._all_qubit: dict[str, list[Channel]] = {}
        self._local: dict[str, dict[tuple[int, ...], list[Channel]]] = {}
        self._all_qubit_readout: ReadoutError | None = None
        self._local_readout: dict[int, ReadoutError] = {}

    # -- building -----------------------------------------------------------------------
    def add_all_qubit_quantum_error(
        self, error: Channel, instructions: str | Sequence[str]
    ) -> NoiseModel:
        """Apply ``error`` after every gate named in ``instructions``, on any qubits.

        ``error`` must have as many qubits as each gate.
        """
        error = _check_channel(error)
        names = _check_names(instructions, error.num_qubits)
        if not error.is_ideal():
            for name in names:
                self._all_qubit.setdefault(name, []).append(error)
        return self

    def add_quantum_error(
        self, error: Channel, instructions: str | Sequence[str], qubits: Sequence[int]
    ) -> NoiseModel:
        """Apply ``error`` after gates named in ``instructions`` acting on exactly ``qubits``.

        ``qubits`` is ordered: an error on ``("cx", [0, 1])`` does not apply to
        ``cx(1, 0)``. It replaces the all-qubit error of the same gate name there.
        """
        error = _check_channel(error)
        names = _check_names(instructions, error.num_qubits)
        key = _check_qubits(qubits)
        if len(key) != error.num_qubits:
            raise NoiseError(
                f"a {error.num_qubits}-qubit channel cannot act on the {len(key)} qubit(s) "
                f"{list(key)}; give one qubit per qubit of the channel"
            )
        if not error.is_ideal():
            for name in names:
                self._local.setdefault(name, {}).setdefault(key, []).append(error)
        return self

    def add_all_qubit_readout_error(self, error: ReadoutError | Any) -> NoiseModel:
        """Read every qubit through ``error`` (a ``ReadoutError`` or its 2 x 2 matrix)."""
        error = error if isinstance(error, ReadoutError) else ReadoutError(error)
        if not error.is_ideal():
            self._all_qubit_readout = error
        return self

    def add_readout_error(
        self, error: ReadoutError | Any, qubits: int | Sequence[int]
    ) -> NoiseModel:
        """Read qubit ``qubits`` (an int, or a list of one as in qiskit-aer) through ``error``."""
        error = error if isinstance(error, ReadoutError) else ReadoutError(error)
        single = integer(qubits)
        key = _check_qubits([single] if single is not None else qubits)
        if len(key) != 1:
            raise NoiseError(
                f"a readout error acts on one qubit, got qubits {list(key)}; "
                "add one readout error per qubit"
            )
        if not error.is_ideal():
            self._local_readout[key[0]] = error
        return self

    # -- what the simulator asks ---------------------------------------------------------
    def channels_after(self, gate_name: str, qubits: tuple[int, ...]) -> tuple[Channel, ...]:
        """The channels applied, in order, after gate ``gate_name`` on ``qubits``."""
        if not isinstance(gate_name, str):
            raise QmlTypeError(f"a gate name is a string such as 'cx', got {gate_name!r}")
        local = self._local.get(gate_name)
        if local is not None:
            channels = local.get(_check_qubits(qubits))
            if channels is not None:
                return tuple(channels)
        return tuple(self._all_qubit.get(gate_name, ()))

    def readout_error(self, qubit: int) -> ReadoutError | None:
        """The readout error of ``qubit``, or None."""
        index = integer(qubit)
        if index is None:
            raise QubitError(f"a qubit index must be an int, got {qubit!r}")
        return self._local_readout.get(index, self._all_qubit_readout)

    def readout_matrix(self, qubit: int) -> np.ndarray | None:
        """``(2, 2)`` confusion matrix of ``qubit`` (P(read j | state i) at ``[i, j]``), or None."""
        error = self.readout_error(qubit)
        return None if error is None else error.probabilities

    @property
    def noise_instructions(self) -> list[str]:
        """Gate names with a quantum error, sorted (plus "measure" with a readout error)."""
        names = set(self._all_qubit) | set(self._local)
        if self._all_qubit_readout is not None or self._local_readout:
            names.add("measure")
        return sorted(names)

    def is_ideal(self) -> bool:
        """True when the model holds no error."""
        return not self.noise_instructions

    # -- qiskit-aer ----------------------------------------------------------------------
    def to_qiskit(self, basis_gates: Sequence[str] | None = None) -> qiskit_aer.noise.NoiseModel:
        """The equivalent ``qiskit_aer.noise.NoiseModel``.

        ``basis_gates`` is passed to Aer's constructor. For Aer to apply the
        noise to the same gates, run the qiskit circuit without re-synthesising
        it (no transpilation to another basis, ``fusion_enable=False``); a gate
        Aer decomposes before simulating (``ch`` in the density-matrix method)
        loses its noise there.
        """
        from qiskit_aer.noise import NoiseModel as AerNoiseModel

        if basis_gates is not None and (
            isinstance(basis_gates, str)
            or not isinstance(basis_gates, Sequence)
            or not all(isinstance(name, str) for name in basis_gates)
        ):
            raise QmlTypeError(f"basis_gates must be a list of gate names, got {basis_gates!r}")
        model = AerNoiseModel(basis_gates=None if basis_gates is None else list(basis_gates))
        for name, channels in self._all_qubit.items():
            for channel in channels:
                model.add_all_qubit_quantum_error(channel.to_qiskit(), name, warnings=False)
        for name, by_qubits in self._local.items():
            for key, channels in by_qubits.items():
                for channel in channels:
                    model.add_quantum_error(channel.to_qiskit(), name, list(key), warnings=False)
        if self._all_qubit_readout is not None:
            model.add_all_qubit_readout_error(self._all_qubit_readout.to_qiskit(), warnings=False)
        for qubit, error in self._local_readout.items():
            model.add_readout_error(error.to_qiskit(), [qubit], warnings=False)
        return model

    def __repr__(self) -> str:
        parts = [f"{name}: {channels}" for name, channels in self._all_qubit.items()]
        parts += [
            f"{name}{list(key)}: {channels}"
            for name, by_qubits in self._local.items()
            for key, channels in by_qubits.items()
        ]
        if self._all_qubit_readout is not None:
            parts.append(f"readout: {self._all_qubit_readout}")
        parts += [f"readout[{q}]: {e}" for q, e in self._local_readout.items()]
        return f"NoiseModel({'; '.join(parts) or 'ideal'})"


def _check_channel(error: Any) -> Channel:
    if not isinstance(error, Channel):
        raise QmlTypeError(
            f"expected a qml.noise channel, got {type(error).__name__}; wrap Kraus "
            "operators as qml.noise.Channel([K0, K1, ...])"
        )
    return error


def _check_names(instructions: str | Sequence[str], num_qubits: int) -> tuple[str, ...]:
    """Gate names as a tuple, each known and of ``num_qubits`` qubits (or of any size)."""
    if isinstance(instructions, str):
        names: tuple = (instructions,)
    elif isinstance(instructions, (Sequence, set, frozenset)):
        names = tuple(instructions)
    else:
        raise QmlTypeError(
            f"gate names must be a name or a list of names such as ['cx'], got {instructions!r}"
        )
    if not names:
        raise OptionError("no gate names given; pass e.g. ['cx'] or 'rx'")
    for name in names:
        if not isinstance(name, str):
            raise QmlTypeError(f"gate names are strings such as 'cx', got {name!r}")
        if name not in GATE_QUBITS:
            hint = (
                "; measurement errors are readout errors: use add_readout_error"
                if name == "measure"
                else ""
            )
            raise OptionError(
                f"cannot attach noise to {name!r}: not a qml gate name{hint}. "
                f"Valid names: {', '.join(sorted(GATE_QUBITS))}"
            )
        size = GATE_QUBITS[name]
        if size is not None and size != num_qubits:
            raise NoiseError(
                f"a {num_qubits}-qubit channel cannot be attached to the {size}-qubit gate "
                f"{name!r} (qiskit-aer refuses this too): the channel acts on the gate's own "
                f"qubits. Attach a {size}-qubit channel, e.g. channel.tensor(channel) for the "
                "same error on each qubit of a two-qubit gate"
            )
    return names


def _check_qubits(qubits: Sequence[int]) -> tuple[int, ...]:
    key = []
    for index in index_list(qubits, "qubits", single=False):
        if index < 0:
            raise QubitIndexError(f"qubit {index} is negative; qubit indices start at 0")
        if index >= MAX_QUBITS:
            raise QubitIndexError(
                f"qubit {index:,} is beyond the {MAX_QUBITS:,} qubits a qml circuit may have"
            )
        key.append(index)
    if len(set(key)) != len(key):
        raise QubitError(f"the same qubit twice in {key}; give distinct qubits")
    return tuple(key)


__all__ = ["GATE_QUBITS", "NoiseModel"]
