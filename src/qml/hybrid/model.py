"""The hybrid network: inputs -> (feature stage) -> angles -> circuit -> <Z_i> -> linear head.

Shapes: a batch of ``B`` samples enters as ``inputs`` ``(B, n_inputs)``: the
encoding's input columns for a fixed feature stage ("pca", "raw"), or the
standardised features for a trainable one ("dense", "layerwise"), which maps
them to the angles of every encoding copy. The encoding record turns the
angles into the circuit's data parameters; the circuit yields ``<Z_q>`` for
every qubit ``q`` in one batched pass, ``(B, n_qubits)``; the head maps them to
``(B, n_classes)`` logits. Gradients of the mean cross-entropy flow back
through the head, through the circuit by one adjoint sweep for the whole batch
(``ExpectationFunction.vjp``; under a noise model, density-matrix parameter
shift), and into the feature stage through the gradient with respect to the
data angles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qml.circuits import Circuit
from qml.circuits.library import ANSATZE, data_reuploading
from qml.circuits.observables import Pauli
from qml.circuits.parameters import ParameterVectorElement
from qml.errors import OptionError
from qml.gates import I
from qml.hybrid.encodings import get_encoding
from qml.hybrid.features import FEATURE_STAGES, get_feature_stage
from qml.simulator.gradients import ExpectationFunction

#: Repetitions of a repeating encoding (zz, iqp) inside the variational circuit.
ENCODING_REPS = 2


class _FeatureNames(Mapping[str, Any]):
    """The names of the feature stages (a live view of ``FEATURE_STAGES``)."""

    def __getitem__(self, name: str) -> Any:
        return FEATURE_STAGES[name]

    def __iter__(self) -> Iterator[str]:
        return iter(FEATURE_STAGES)

    def __len__(self) -> int:
        return len(FEATURE_STAGES)


#: Names of the feature stages ("pca", "dense", "raw", "layerwise").
FEATURES: Mapping[str, Any] = _FeatureNames()


@dataclass(frozen=True)
class Architecture:
    """What a model is made of; everything else is learned."""

    n_qubits: int
    n_layers: int
    n_classes: int
    encoding: str
    ansatz: str
    reuploading: bool
    features: str

    def check(self) -> None:
        """Refuse unknown names and combinations, listing what is valid."""
        encoding, stage = get_encoding(self.encoding), get_feature_stage(self.features)
        if self.ansatz not in ANSATZE:
            raise OptionError(f"unknown ansatz {self.ansatz!r}; choose one of "
                              f"{', '.join(ANSATZE)}")  # fmt: skip
        if not encoding.linear and (stage.trainable or self.reuploading):
            raise OptionError(
                f"{encoding.name} encoding computes its angles from the data by a fixed "
                "nonlinear map, so it works with a fixed feature stage (features='pca' or "
                "'raw') and reuploading=False only"
            )
        if stage.per_layer and not self.reuploading:
            raise OptionError(
                f"features={stage.name!r} feeds the encoding before every layer; it needs "
                "reuploading=True"
            )

    @property
    def n_inputs(self) -> int:
        """Input columns the encoding takes per row (one per qubit, or 2**n amplitudes)."""
        return get_encoding(self.encoding).width(self.n_qubits)


def build_circuit(arch: Architecture) -> Circuit:
    """The model's circuit: data parameters ``x[...]`` first, then weights ``θ[...]``.

    With a per-layer feature stage ("layerwise") every re-uploaded copy of the encoding
    has its own data parameters ``x0[...]``, ``x1[...]``, ..., each placed before the
    weights of its layer.
    """
    arch.check()
    encoding = get_encoding(arch.encoding)
    n = arch.n_qubits
    if get_feature_stage(arch.features).per_layer:
        # the ansatz marks where each layer begins with an identity; each mark becomes
        # that layer's own copy of the encoding
        template = ANSATZE[arch.ansatz](
            n, reps=arch.n_layers, before_layer=Circuit(n).append(I(), 0)
        )
        circuit, layer = Circuit(n, name="LayerwiseReuploading"), 0
        for gate, qubits in template:
            if gate.name != "id":
                circuit.append(gate, qubits)
                continue
            for block_gate, block_qubits in encoding.build(n, ENCODING_REPS, f"x{layer}"):
                circuit.append(block_gate, block_qubits)
            layer += 1
        return circuit
    block = encoding.build(n, ENCODING_REPS, "x")
    if arch.reuploading:
        return data_reuploading(block, arch.ansatz, reps=arch.n_layers)
    return block.compose(ANSATZE[arch.ansatz](n, reps=arch.n_layers))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """``(mean softmax cross-entropy, probabilities)`` of ``(B, C)`` logits, class indices."""
    probs = softmax(logits)
    picked = probs[np.arange(len(targets)), targets]
    return float(-np.mean(np.log(np.maximum(picked, 1e-300)))), probs


def head(
    params: dict[str, np.ndarray], z: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The classical head and its backward pass: ``(loss, dL/dz, head gradients, logits)``.

    ``z`` is the read-out ``(B, n_qubits)``, ``targets`` class indices ``(B,)``;
    the loss is the mean softmax cross-entropy of ``z @ W.T + b``.
    """
    # a training step's own cost is a few dozen tiny array operations, so each one
    # counts: log-sum-exp once, gradients in place, no temporaries beyond those
    weight = params["head_weight"]
    logits = z @ weight.T
    logits += params["head_bias"]
    rows = np.arange(len(targets))
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    total = probs.sum(axis=1, keepdims=True)
    count = len(targets)
    loss = float((np.log(total).sum() - shifted[rows, targets].sum()) / count)
    probs /= total
    probs[rows, targets] -= 1.0
    probs /= count  # now dL/dlogits
    grads = {"head_weight": probs.T @ z, "head_bias": probs.sum(axis=0)}
    return loss, probs @ weight, grads, logits


class NoisyReadout:
    """``<O_k>`` of a circuit under a noise model, with the interface of ``ExpectationFunction``.

    ``f(params (B, P))`` gives ``(B, K)`` values from the density matrix; ``f.vjp(params)``
    the values and a pullback computed by density-matrix parameter shift (exact).
    """

    def __init__(self, circuit: Circuit, observables: list, noise: Any) -> None:
        self.circuit, self.observables, self.noise = circuit, observables, noise

    def __call__(self, params: np.ndarray, shots: int | None = None, seed: Any = None) -> Any:
        """Values ``(B, K)`` under the noise model (estimated from ``shots`` if given)."""
        from qml.simulator import expectation

        return expectation(self.circuit, self.observables, params, shots=shots, seed=seed,
                           noise=self.noise)  # fmt: skip

    def vjp(self, params: np.ndarray) -> tuple[np.ndarray, Callable[[Any], np.ndarray]]:
        """``(values (B, K), pullback)`` by density-matrix parameter shift."""
        from qml.simulator.gradients import vjp

        return vjp(self.circuit, self.observables, params, method="parameter-shift",
                   noise=self.noise)  # fmt: skip


def _data_slot(parameter: Any, width: int) -> int | None:
    """Position of a data parameter in the angle vector (``x[i]``: i; ``x<l>[i]``: l*w + i)."""
    if not isinstance(parameter, ParameterVectorElement):
        return None
    name = parameter.vector_name
    if name == "x":
        return parameter.index
    if name[:1] == "x" and name[1:].isdigit():
        return int(name[1:]) * width + parameter.index
    return None


def _as_index(columns: list[int]) -> slice | np.ndarray:
    """A slice when ``columns`` are consecutive (basic indexing makes views: cheaper)."""
    if columns and columns == list(range(columns[0], columns[0] + len(columns))):
        return slice(columns[0], columns[0] + len(columns))
    return np.array(columns, dtype=np.intp)


class HybridModel:
    """The network of an architecture, with flat parameter vectors for optimizers.

    Parameters are named arrays: ``theta`` (circuit weights), ``head_weight``
    ``(n_classes, n_qubits)``, ``head_bias`` and the feature stage's own arrays
    (``dense_weight`` ``(n_features, n_qubits)`` and ``dense_bias`` for "dense";
    ``layer_weight`` ``(n_layers, n_features, width)`` and ``layer_bias`` for
    "layerwise"). ``noise`` (a ``qml.noise.NoiseModel``) makes the read-out and
    its gradient those of the density matrix under that noise.
    """

    def __init__(self, arch: Architecture, n_features: int, *, noise: Any = None) -> None:
        self.arch = arch
        self.encoding = get_encoding(arch.encoding)
        self.stage = get_feature_stage(arch.features)
        self.circuit = build_circuit(arch)
        observables = [Pauli.on("Z", [q], arch.n_qubits) for q in range(arch.n_qubits)]
        self.noise = noise
        self.readout: Any = (
            ExpectationFunction(self.circuit, observables)
            if noise is None
            else NoisyReadout(self.circuit, observables, noise)
        )
        width = self.encoding.width(arch.n_qubits)
        data, weights, slots = [], [], []
        for column, parameter in enumerate(self.circuit.parameters):
            slot = _data_slot(parameter, width)
            if slot is None:
                weights.append(column)
            else:
                data.append(column)
                slots.append(slot)
        order = np.argsort(slots, kind="stable")  # angle vector order: layer, then index
        self.n_data = len(data)
        self._data = _as_index([data[i] for i in order])
        self._weights = _as_index(weights)
        self.shapes: dict[str, tuple[int, ...]] = {
            "theta": (len(weights),),
            "head_weight": (arch.n_classes, arch.n_qubits),
            "head_bias": (arch.n_classes,),
            **self.stage.shapes(n_features, width, arch.n_layers),
        }
        self._layout = []
        start = 0
        for name, shape in self.shapes.items():
            size = int(np.prod(shape))
            self._layout.append((name, start, start + size, shape))
            start += size
        self.size = start

    # -- parameters as one vector ---------------------------------------------------------------
    def unflatten(self, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Named views into a flat parameter vector."""
        return {name: vector[a:b].reshape(shape) for name, a, b, shape in self._layout}

    def flatten(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """The flat vector of named arrays (in ``shapes`` order)."""
        out = np.empty(self.size)
        for name, a, b, _ in self._layout:
            out[a:b] = np.ravel(params[name])
        return out

    def initial(self, rng: np.random.Generator, stage_init: Any = None) -> np.ndarray:
        """Starting parameters: small random circuit weights, a random head, the stage's start.

        ``stage_init`` is the feature stage's starting arrays (from its ``fit``); an array
        ``[W; b]`` is read as the dense layer's, as before.
        """
        params = {
            "theta": rng.uniform(-np.pi, np.pi, self.shapes["theta"]) * 0.5,
            "head_weight": rng.normal(0.0, 1.0, self.shapes["head_weight"]),
            "head_bias": np.zeros(self.shapes["head_bias"]),
        }
        if isinstance(stage_init, np.ndarray):
            stage_init = {"dense_weight": stage_init[:-1], "dense_bias": stage_init[-1]}
        params.update(stage_init or {})
        return self.flatten(params)

    # -- the network ---------------------------------------------------------------------------
    def data_angles(self, params: dict[str, np.ndarray], inputs: np.ndarray) -> np.ndarray:
        """Circuit data parameters ``(B, n_data)`` for rows of ``inputs``."""
        angles = inputs if self.stage.forward is None else self.stage.forward(params, inputs)
        return self.encoding.parameters(angles)

    def _circuit_params(self, params: dict[str, np.ndarray], angles: np.ndarray) -> np.ndarray:
        out = np.empty((angles.shape[0], self.n_data + self.shapes["theta"][0]))
        out[:, self._data] = angles
        out[:, self._weights] = params["theta"]
        return out

    def circuit_params(self, vector: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The circuit's parameter rows ``(B, n_params)`` (``circuit.parameters`` order)."""
        params = self.unflatten(vector)
        return self._circuit_params(params, self.data_angles(params, inputs))

    def logits(
        self, vector: np.ndarray, inputs: np.ndarray, shots: int | None = None, seed: Any = None
    ) -> np.ndarray:
        """``(B, n_classes)`` logits (expectations estimated from ``shots`` if given)."""
        params = self.unflatten(vector)
        circuit_params = self._circuit_params(params, self.data_angles(params, inputs))
        z = np.asarray(self.readout(circuit_params, shots=shots, seed=seed))
        return z @ params["head_weight"].T + params["head_bias"]

    def loss_and_gradient(
        self, vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """``(mean cross-entropy, its gradient, logits)`` for one batch.

        ``targets`` are class indices ``(B,)``; the gradient is a flat vector.
        """
        params = self.unflatten(vector)
        stage = self.stage
        angles = inputs if stage.forward is None else stage.forward(params, inputs)
        z, pullback = self.readout.vjp(
            self._circuit_params(params, self.encoding.parameters(angles))
        )
        z = np.asarray(z)
        loss, d_z, grads, logits = head(params, z, targets)
        d_circuit = pullback(d_z)
        grads["theta"] = d_circuit[:, self._weights].sum(axis=0)
        if stage.backward is not None:
            grads.update(stage.backward(params, inputs, d_circuit[:, self._data]))
        return loss, self.flatten(grads), logits

    def loss(
        self,
        vector: np.ndarray,
        inputs: np.ndarray,
        targets: np.ndarray,
        shots: int | None = None,
        seed: Any = None,
    ) -> tuple[float, np.ndarray]:
        """``(mean cross-entropy, logits)`` without a gradient."""
        logits = self.logits(vector, inputs, shots, seed)
        return cross_entropy(logits, targets)[0], logits
