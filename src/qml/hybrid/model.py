"""The hybrid network: angles -> encoding -> ansatz -> <Z_i> -> linear head -> softmax.

Shapes: a batch of ``B`` samples enters as data angles ``(B, n_data)`` (or, with
a trainable dense input layer, standardised features ``(B, n_features)``);
the circuit yields ``<Z_q>`` for every qubit ``q`` in one batched pass,
``(B, n_qubits)``; the head maps them to ``(B, n_classes)`` logits. Gradients
of the mean cross-entropy flow back through the head, through the circuit by
one adjoint sweep for the whole batch (``ExpectationFunction.vjp``), and into
the dense layer through the gradient with respect to the data angles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qml.circuits import Circuit
from qml.circuits.library import ANSATZE, ENCODINGS, amplitude_angles, data_reuploading
from qml.circuits.observables import Pauli
from qml.circuits.parameters import ParameterVectorElement
from qml.errors import OptionError
from qml.simulator.gradients import ExpectationFunction

FEATURES = ("pca", "dense")


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
        for value, valid, what in (
            (self.encoding, tuple(ENCODINGS), "encoding"),
            (self.ansatz, tuple(ANSATZE), "ansatz"),
            (self.features, FEATURES, "features"),
        ):
            if value not in valid:
                raise OptionError(f"unknown {what} {value!r}; choose one of {', '.join(valid)}")
        if self.encoding == "amplitude" and (self.features == "dense" or self.reuploading):
            raise OptionError(
                "amplitude encoding computes its angles from the data by a fixed nonlinear "
                "map, so it works with features='pca' and reuploading=False only"
            )

    @property
    def n_inputs(self) -> int:
        """Features the encoding takes: one per qubit, or 2**n amplitudes."""
        return 1 << self.n_qubits if self.encoding == "amplitude" else self.n_qubits


def build_circuit(arch: Architecture) -> Circuit:
    """The model's circuit: data parameters ``x[...]`` first, then weights ``θ[...]``."""
    arch.check()
    encoding = ENCODINGS[arch.encoding](arch.n_qubits)
    if arch.reuploading:
        return data_reuploading(encoding, arch.ansatz, reps=arch.n_layers)
    return encoding.compose(ANSATZE[arch.ansatz](arch.n_qubits, reps=arch.n_layers))


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
    logits = z @ params["head_weight"].T + params["head_bias"]
    loss, probs = cross_entropy(logits, targets)
    d_logits = probs
    d_logits[np.arange(len(targets)), targets] -= 1.0
    d_logits /= len(targets)
    grads = {"head_weight": d_logits.T @ z, "head_bias": d_logits.sum(axis=0)}
    return loss, d_logits @ params["head_weight"], grads, logits


class HybridModel:
    """The network of an architecture, with flat parameter vectors for optimizers.

    Parameters are named arrays: ``theta`` (circuit weights), ``head_weight``
    ``(n_classes, n_qubits)``, ``head_bias`` and, for ``features="dense"``,
    ``dense_weight`` ``(n_features, n_qubits)`` and ``dense_bias``.
    """

    def __init__(self, arch: Architecture, n_features: int) -> None:
        self.arch = arch
        self.circuit = build_circuit(arch)
        observables = [Pauli.on("Z", [q], arch.n_qubits) for q in range(arch.n_qubits)]
        self.readout = ExpectationFunction(self.circuit, observables)
        self.n_data = sum(
            isinstance(p, ParameterVectorElement) and p.vector_name == "x"
            for p in self.circuit.parameters
        )
        self.shapes: dict[str, tuple[int, ...]] = {
            "theta": (self.circuit.num_parameters - self.n_data,),
            "head_weight": (arch.n_classes, arch.n_qubits),
            "head_bias": (arch.n_classes,),
        }
        if arch.features == "dense":
            self.shapes["dense_weight"] = (n_features, arch.n_qubits)
            self.shapes["dense_bias"] = (arch.n_qubits,)

    # -- parameters as one vector ---------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of trainable numbers."""
        return sum(int(np.prod(shape)) for shape in self.shapes.values())

    def unflatten(self, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Named views into a flat parameter vector."""
        out, start = {}, 0
        for name, shape in self.shapes.items():
            size = int(np.prod(shape))
            out[name] = vector[start : start + size].reshape(shape)
            start += size
        return out

    def flatten(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """The flat vector of named arrays (in ``shapes`` order)."""
        return np.concatenate([np.asarray(params[name], float).ravel() for name in self.shapes])

    def initial(self, rng: np.random.Generator, dense_init: np.ndarray | None = None) -> np.ndarray:
        """Starting parameters: small random circuit weights, a random head."""
        params = {
            "theta": rng.uniform(-np.pi, np.pi, self.shapes["theta"]) * 0.5,
            "head_weight": rng.normal(0.0, 1.0, self.shapes["head_weight"]),
            "head_bias": np.zeros(self.shapes["head_bias"]),
        }
        if "dense_weight" in self.shapes:
            assert dense_init is not None
            params["dense_weight"] = dense_init[:-1]
            params["dense_bias"] = dense_init[-1]
        return self.flatten(params)

    # -- the network ---------------------------------------------------------------------------
    def data_angles(self, params: dict[str, np.ndarray], inputs: np.ndarray) -> np.ndarray:
        """Circuit data parameters for rows of ``inputs`` (angles, or standardised features)."""
        if self.arch.features == "dense":
            return inputs @ params["dense_weight"] + params["dense_bias"]
        if self.arch.encoding == "amplitude":
            return amplitude_angles(inputs)
        return inputs

    def _circuit_params(self, params: dict[str, np.ndarray], angles: np.ndarray) -> np.ndarray:
        theta = np.broadcast_to(params["theta"], (angles.shape[0], self.shapes["theta"][0]))
        return np.hstack([angles, theta])

    def logits(
        self, vector: np.ndarray, inputs: np.ndarray, shots: int | None = None, seed: Any = None
    ) -> np.ndarray:
        """``(B, n_classes)`` logits (expectations estimated from ``shots`` if given)."""
        params = self.unflatten(vector)
        circuit_params = self._circuit_params(params, self.data_angles(params, inputs))
        z = self.readout(circuit_params, shots=shots, seed=seed)
        return z @ params["head_weight"].T + params["head_bias"]

    def loss_and_gradient(
        self, vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """``(mean cross-entropy, its gradient, logits)`` for one batch.

        ``targets`` are class indices ``(B,)``; the gradient is a flat vector.
        """
        params = self.unflatten(vector)
        angles = self.data_angles(params, inputs)
        z, pullback = self.readout.vjp(self._circuit_params(params, angles))
        loss, d_z, grads, logits = head(params, z, targets)
        d_circuit = pullback(d_z)
        grads["theta"] = d_circuit[:, self.n_data :].sum(axis=0)
        if "dense_weight" in self.shapes:
            d_angles = d_circuit[:, : self.n_data]
            grads["dense_weight"] = inputs.T @ d_angles
            grads["dense_bias"] = d_angles.sum(axis=0)
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
