"""PyTorch: a quantum circuit as a ``torch.nn.Module`` trained on qml's adjoint gradients.

:class:`QuantumLayer` maps inputs of shape ``(..., n_inputs)`` to expectation values
``(..., K)``. Its forward pass is one batched qml call for the whole batch (every row
with its own input angles, all sharing the layer's weights); its backward pass is qml's
vector-Jacobian product (``ExpectationFunction.vjp``): one adjoint sweep for the batch
and all observables, never one per sample. The weights are ``torch.nn.Parameter``\\ s, so
optimizers, ``nn.Sequential``, ``state_dict`` and ``torch.compile`` (which runs the qml
call outside its graph) work as with any other layer.

Installing the extra ``qml[torch]`` brings PyTorch; importing this module without it
raises :class:`~qml.errors.MissingDependencyError`. ``import qml`` never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter, ParameterVector
from qml.circuits.parameters import ParameterVectorElement
from qml.errors import (
    MissingDependencyError,
    ParameterError,
    QmlTypeError,
    QmlValueError,
    ShapeError,
)
from qml.simulator.gradients import ExpectationFunction

try:
    import torch
except ImportError as error:  # pragma: no cover - exercised only where torch is missing
    raise MissingDependencyError(
        "qml.interop.torch needs PyTorch, which is not installed: "
        'pip install "qml[torch]" (it pins the CPU build torch==2.13.0)'
    ) from error

__all__ = ["QuantumLayer"]

#: What ``inputs`` and ``weights`` accept: parameters, vectors, or names of either.
ParameterSpec = str | Parameter | ParameterVector | Sequence[str | Parameter | ParameterVector]


def _select(circuit: Circuit, spec: Any, what: str) -> list[Parameter]:
    """The circuit parameters ``spec`` names, in the order given (vectors by index)."""
    if isinstance(spec, (str, Parameter, ParameterVector)):
        spec = [spec]
    if not isinstance(spec, Sequence):
        raise QmlTypeError(
            f"{what} must be a Parameter, a ParameterVector, a name, or a sequence of them; "
            f"got {type(spec).__name__}"
        )
    present = circuit.parameters
    chosen: list[Parameter] = []
    for item in spec:
        if isinstance(item, ParameterVector):
            missing = [p for p in item if p not in present]
            if missing:
                raise ParameterError(
                    f"{what}: {', '.join(map(str, missing))} of vector {item.name!r} "
                    "do not appear in the circuit; pass only the elements it uses "
                    f"(e.g. {item.name}[:k]) or add gates that use them"
                )
            chosen.extend(item)
        elif isinstance(item, Parameter):
            if item not in present:
                raise ParameterError(f"{what}: parameter {item} does not appear in the circuit")
            chosen.append(item)
        elif isinstance(item, str):
            # a vector name selects its elements in index order, as stack_parameters does
            matches = sorted(
                (p for p in present if isinstance(p, ParameterVectorElement)
                 and p.vector_name == item),
                key=lambda p: p.index,
            ) or [p for p in present if p.name == item]  # fmt: skip
            if not matches:
                names = ", ".join(str(p) for p in present) or "none"
                raise ParameterError(
                    f"{what}: the circuit has no parameter or parameter vector named {item!r}; "
                    f"its parameters are {names}"
                )
            chosen.extend(matches)
        else:
            raise QmlTypeError(
                f"{what} holds a {type(item).__name__}; expected Parameters, ParameterVectors "
                "or their names"
            )
    repeated = sorted({str(p) for p in chosen if chosen.count(p) > 1})
    if repeated:
        raise ParameterError(f"{what} names {', '.join(repeated)} more than once")
    return chosen


def _check_tensor(tensor: Any, what: str) -> None:
    """Refuse what the qml call cannot take: non-tensors, other devices, non-float dtypes."""
    if not isinstance(tensor, torch.Tensor):
        raise QmlTypeError(f"{what} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.device.type != "cpu":
        raise QmlValueError(
            f"{what} is on the device {tensor.device}, but QuantumLayer runs qml's CPU "
            "simulator: move the tensor with .cpu() (and the layer with layer.cpu())"
        )
    if not tensor.dtype.is_floating_point:
        raise QmlTypeError(
            f"{what} has dtype {tensor.dtype}; QuantumLayer takes real floating-point "
            "tensors (float64 or float32): convert with .double() or .float()"
        )


class _Expectation(torch.autograd.Function):
    """``(inputs (B, n_in), weights (n_w,)) -> values (B, K)``; backward is qml's vjp."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, inputs: torch.Tensor, weights: torch.Tensor, layer: QuantumLayer
    ) -> torch.Tensor:
        values, ctx.pullback = layer._vjp(layer._params(inputs, weights))
        ctx.layer, ctx.input_dtype, ctx.weight_dtype = layer, inputs.dtype, weights.dtype
        return torch.from_numpy(values).to(inputs.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(
        ctx: Any, grad_values: torch.Tensor
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, None]:
        layer: QuantumLayer = ctx.layer
        grads = ctx.pullback(grad_values.detach().to(torch.float64).contiguous().numpy())
        grad_inputs = grad_weights = None
        if ctx.needs_input_grad[0]:
            grad_inputs = torch.from_numpy(grads[:, layer._input_columns]).to(ctx.input_dtype)
        if ctx.needs_input_grad[1]:
            # the weights are shared by every row: their gradient sums over the batch
            summed = grads[:, layer._weight_columns].sum(axis=0)
            grad_weights = torch.from_numpy(summed).to(ctx.weight_dtype)
        return grad_inputs, grad_weights, None


def _run(layer: QuantumLayer, inputs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The qml call on ``inputs (B, n_in)``: through autograd when a gradient is wanted."""
    if torch.is_grad_enabled() and (inputs.requires_grad or weights.requires_grad):
        return _Expectation.apply(inputs, weights, layer)
    if len(inputs) == 0:
        return torch.zeros((0, layer.num_outputs), dtype=inputs.dtype)
    return torch.from_numpy(layer._function(layer._params(inputs, weights))).to(inputs.dtype)


# torch.compile: dynamo cannot trace into numpy and qml's compiled kernels, so the qml call
# is a graph break; the modules before and after it are compiled as usual.
_run = torch.compiler.disable(_run)


class QuantumLayer(torch.nn.Module):
    """A parameterised circuit as a PyTorch layer: ``(..., n_inputs) -> (..., K)`` expectations.

    Each row of the input sets the circuit parameters listed in ``inputs`` (in that
    order); the trainable ``weights`` (one ``torch.nn.Parameter`` of shape
    ``(n_weights,)``, attribute :attr:`weights`) set the others and are shared by
    every row. The output holds ``<O_k>`` for each row: shape ``(..., K)`` for a list
    of ``K`` observables, ``(...)`` for one observable given alone (as
    ``qml.expectation``). Forward is one batched qml call for the whole batch; backward
    is one adjoint sweep (:meth:`qml.simulator.gradients.ExpectationFunction.vjp`),
    exact, for the inputs (so layers before this one train) and the weights.

    Tensors must be on the CPU; float64 and float32 inputs work, and the output has the
    input's dtype (qml computes in float64 whatever the dtype).

    Parameters
    ----------
    circuit : Circuit
        Every one of its parameters must be named by ``inputs`` or ``weights``.
    observables : observable or list of observables
        ``qml.Pauli``, ``PauliSum``, a Pauli label such as ``"ZI"``, or a qiskit
        ``SparsePauliOp``; labels read right to left (the last letter acts on qubit 0).
    inputs : Parameter, ParameterVector, name, or sequence of them
        The parameters fed by the input's last axis, column ``i`` to the ``i``-th
        named; a string names a parameter vector (its elements in index order, e.g.
        ``"x"`` for ``x[0], x[1], ...``) or a single parameter.
    weights : Parameter, ParameterVector, name, or sequence of them, optional
        The trainable parameters, in the order of :attr:`weights`; by default every
        circuit parameter not in ``inputs``, in ``circuit.parameters`` order.
    initial_weights : array-like of shape ``(n_weights,)``, optional
        Starting values; by default uniform in ``[0, 2π)``, drawn from torch's default
        generator (seed it with ``torch.manual_seed``, as for ``torch.nn.Linear``).
    dtype : torch.dtype, optional
        The weights' dtype; by default ``torch.get_default_dtype()``. ``layer.double()``
        and ``layer.float()`` convert it later.

    Notes
    -----
    For small models, ``torch.set_num_threads(1)`` is usually fastest: torch's thread pool
    gains nothing on tensors this small and competes with qml's own threads for the cores
    (on a busy 2-core machine, two torch threads made a small training step many times
    slower).

    Examples
    --------
    >>> import torch, qml
    >>> from qml.interop.torch import QuantumLayer
    >>> x, w = qml.ParameterVector("x", 2), qml.ParameterVector("w", 2)
    >>> c = qml.Circuit(2).ry(x[0], 0).ry(x[1], 1).cx(0, 1).ry(w[0], 0).ry(w[1], 1)
    >>> layer = QuantumLayer(c, [qml.Pauli("IZ"), qml.Pauli("ZI")], inputs=x, weights=w)
    >>> layer(torch.rand(32, 2)).shape
    torch.Size([32, 2])
    """

    #: The trainable weights, shape ``(n_weights,)``, in :attr:`weight_parameters` order.
    weights: torch.nn.Parameter
    #: The circuit parameters fed by the input's columns, in column order.
    input_parameters: tuple[Parameter, ...]
    #: The circuit parameters set by :attr:`weights`, in order.
    weight_parameters: tuple[Parameter, ...]

    def __init__(
        self,
        circuit: Circuit,
        observables: Any,
        *,
        inputs: ParameterSpec = (),
        weights: ParameterSpec | None = None,
        initial_weights: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(circuit, Circuit):
            raise QmlTypeError(
                f"QuantumLayer needs a qml Circuit, got {type(circuit).__name__} "
                "(convert a qiskit circuit with qml.Circuit.from_qiskit)"
            )
        input_parameters = _select(circuit, inputs, "inputs")
        if weights is None:
            weight_parameters = [p for p in circuit.parameters if p not in input_parameters]
        else:
            weight_parameters = _select(circuit, weights, "weights")
        both = [p for p in weight_parameters if p in input_parameters]
        if both:
            raise ParameterError(
                f"{', '.join(map(str, both))} named both in inputs and in weights; "
                "a parameter is either fed by the data or trained"
            )
        named = set(input_parameters) | set(weight_parameters)
        unnamed = [p for p in circuit.parameters if p not in named]
        if unnamed:
            raise ParameterError(
                f"circuit parameters {', '.join(map(str, unnamed))} are neither inputs nor "
                "weights; name each in one of them (or leave weights=None for all the rest)"
            )
        self.circuit = circuit
        self._function = ExpectationFunction(circuit, observables)
        self.input_parameters = tuple(input_parameters)
        self.weight_parameters = tuple(weight_parameters)
        column = {p: i for i, p in enumerate(circuit.parameters)}
        self._input_columns = np.array([column[p] for p in input_parameters], dtype=np.intp)
        self._weight_columns = np.array([column[p] for p in weight_parameters], dtype=np.intp)

        dtype = dtype if dtype is not None else torch.get_default_dtype()
        count = len(weight_parameters)
        if initial_weights is None:
            start = torch.rand(count, dtype=torch.float64) * (2 * np.pi)
        else:
            # a copy: training must not write into the caller's array
            start = torch.tensor(np.asarray(initial_weights, dtype=np.float64))
            if start.shape != (count,):
                names = ", ".join(map(str, weight_parameters)) or "none"
                raise ShapeError(
                    f"initial_weights must have shape ({count},), one value per weight "
                    f"({names}); got {tuple(start.shape)}"
                )
        self.weights = torch.nn.Parameter(start.to(dtype))

    @property
    def num_inputs(self) -> int:
        """Length of the input's last axis: ``len(input_parameters)``."""
        return len(self.input_parameters)

    @property
    def num_outputs(self) -> int:
        """``K``, the number of observables (1 for a single observable)."""
        return len(self._function.observables)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Expectation values for every row of ``inputs``.

        Parameters
        ----------
        inputs : torch.Tensor of shape ``(..., n_inputs)``
            Real, on the CPU; any number of leading (batch) axes, or none.

        Returns
        -------
        torch.Tensor of shape ``(..., K)``, or ``(...)`` for a single observable, with the
        dtype of ``inputs``.
        """
        _check_tensor(inputs, "the input")
        _check_tensor(self.weights, "the layer's weights")
        if inputs.ndim == 0 or inputs.shape[-1] != self.num_inputs:
            raise ShapeError(
                f"expected input of shape (..., {self.num_inputs}), one column per input "
                f"parameter ({', '.join(map(str, self.input_parameters)) or 'none'}); "
                f"got {tuple(inputs.shape)}"
            )
        lead = inputs.shape[:-1]
        values = _run(self, inputs.reshape(-1, self.num_inputs), self.weights)
        if self._function.single:
            return values.reshape(lead)
        return values.reshape(*lead, self.num_outputs)

    def extra_repr(self) -> str:
        """What ``print(layer)`` shows between the parentheses."""
        return (
            f"qubits={self.circuit.num_qubits}, inputs={self.num_inputs}, "
            f"weights={len(self.weight_parameters)}, outputs={self.num_outputs}"
        )

    # -- the qml call (numpy in, numpy out) -------------------------------------------------

    def _params(self, inputs: torch.Tensor, weights: torch.Tensor) -> np.ndarray:
        """The ``(B, n_params)`` matrix in ``circuit.parameters`` order."""
        params = np.empty((inputs.shape[0], len(self.circuit.parameters)), dtype=np.float64)
        params[:, self._input_columns] = inputs.detach().numpy()
        params[:, self._weight_columns] = weights.detach().numpy()
        return params

    def _vjp(self, params: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """Values ``(B, K)`` and their pullback ``(B, K) -> (B, n_params)``."""
        if len(params) == 0:  # an empty batch: nothing to simulate, zero gradients
            return np.zeros((0, self.num_outputs)), lambda grad: np.zeros((0, params.shape[1]))
        return self._function.vjp(params)
