"""The Gate trait: what every gate states about itself and how it acts on a state.

Conventions (qiskit's, so cross-checks need no translation):

* A k-qubit gate's ``matrix()`` is indexed little-endian over the qubits it is
  applied to: bit ``j`` of a row/column index is the gate's ``j``-th qubit.
  Controlled gates list their controls first (``CX``: qubit 0 controls qubit 1).
* Parameters are floats, arrays of shape ``(B,)`` (one value per sample of a
  batch; ``matrix()`` then has shape ``(B, 2**k, 2**k)``), or symbolic
  parameters/expressions that must be bound before a matrix exists.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from qml.errors import (
    QmlTypeError,
    QmlValueError,
    QubitError,
    QubitIndexError,
    ShapeError,
    StateTooLargeError,
    UnboundParameterError,
)
from qml.gates import apply as kernels

#: Most qubits a circuit (hence a gate) may have, and most classical bits. A state vector
#: of even 50 qubits is beyond any machine; the bound keeps what is linear in the width
#: (drawing, depth, export to qiskit) fast, and refuses absurd sizes before they allocate.
MAX_QUBITS = 1 << 16

#: Most bytes one gate's dense matrix, phase vector or permutation table may take. Wider
#: operators are refused (a ``StateTooLargeError``) before numpy is asked to allocate them.
MAX_GATE_BYTES = 1 << 32


def is_symbolic(value: Any) -> bool:
    """True for an unbound parameter or expression (anything with ``.parameters``)."""
    return hasattr(value, "parameters") and hasattr(value, "bind")


def integer(value: Any) -> int | None:
    """``value`` as an int if it is one (a Python or numpy integer, or a 0-d integer
    array; never a bool), else None."""
    kind = type(value)
    if kind is int:  # the common case, first: qubit indices are checked on every append
        return value
    if kind is tuple or kind is list:
        return None
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def is_sequence(value: Any) -> bool:
    """True for what can be iterated as a list of items: not text, not a 0-d array (which
    claims to be iterable and then refuses), not a mapping."""
    if isinstance(value, (str, bytes, Mapping)):
        return False
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    return isinstance(value, Iterable)


def index_list(
    values: Any, what: str, error: type[Exception] = QubitError, *, single: bool = True
) -> list[int]:
    """``values`` (a sequence of ints, or one int if ``single``) as a list of ints.

    Anything else raises ``error`` naming ``what``: text, sets, mappings, arrays that
    are not 1-D, and items that are not integers (bools and floats included).
    """
    if single and (number := integer(values)) is not None:
        return [number]
    expected = "an int or a sequence of ints" if single else "a sequence of ints"
    if isinstance(values, (str, bytes, Mapping, set, frozenset)) or (
        isinstance(values, np.ndarray) and values.ndim != 1
    ):
        raise error(f"{what} must be {expected}, got {values!r}")
    try:
        items = list(values)
    except TypeError:
        raise error(f"{what} must be {expected}, got {values!r}") from None
    out = []
    for value in items:
        number = integer(value)
        if number is None:
            raise error(f"{what} must be integers, got {value!r}")
        out.append(number)
    return out


def as_count(value: Any, what: str, minimum: int = 0, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``: ``QmlTypeError`` for a non-integer,
    ``QmlValueError`` (naming the range) for one outside it."""
    number = integer(value)
    if number is None:
        raise QmlTypeError(f"{what} must be an int, got {value!r}")
    if number < minimum:
        raise QmlValueError(f"{what} must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise QmlValueError(f"{what} must be at most {maximum:,}, got {number:,}")
    return number


def as_real(value: Any, what: str) -> float:
    """``value`` as a finite float: a real number or a 0-d real array (never a bool).

    ``QmlTypeError`` for anything else (strings, None, complex numbers, booleans);
    ``QmlValueError`` for NaN, infinity, or an int too large for a float.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        kind = "complex" if isinstance(value, numbers.Complex) else type(value).__name__
        raise QmlTypeError(f"{what} must be a real number, got {value!r} ({kind})")
    try:
        number = float(value)
    except (OverflowError, ValueError):
        raise QmlValueError(f"{what} = {value} does not fit in a float") from None
    if not math.isfinite(number):
        raise QmlValueError(f"{what} is non-finite ({number}); use a finite real number")
    return number


def real_array(values: Any, what: str) -> np.ndarray:
    """``values`` as a float64 array of finite real numbers, any shape.

    Refuses, naming ``what``: text, booleans, complex numbers, None and other objects
    (``QmlTypeError``); ragged nesting (``ShapeError``); NaN, infinity and ints too
    large for a float (``QmlValueError``).
    """
    array = _numeric_array(values, what, numbers.Real)
    if array.dtype.kind == "c":
        raise QmlTypeError(
            f"{what}: expected real numbers, got complex values; angles and parameters "
            "are real (pass values.real if the imaginary parts are zero)"
        )
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise QmlValueError(f"{what} must be finite: got non-finite values (NaN or infinity)")
    return array


def complex_array(values: Any, what: str) -> np.ndarray:
    """``values`` as a complex128 array of numbers, any shape (matrices, phases, Kraus
    operators); refuses what ``real_array`` refuses except complex numbers and NaN."""
    return _numeric_array(values, what, numbers.Complex).astype(np.complex128, copy=False)


_NONE_BAD = object()  # "no bad entry" (None itself may be the bad entry)


def _numeric_array(values: Any, what: str, kind: type) -> np.ndarray:
    """``values`` as an int, float or complex numpy array whose entries are all ``kind``."""
    noun = "real numbers" if kind is numbers.Real else "numbers"
    if isinstance(values, (str, bytes)):
        raise QmlTypeError(f"{what}: expected {noun}, got the text {values!r}")
    try:
        array = np.asarray(values)
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise ShapeError(
            f"{what}: expected {noun} in a rectangular array (a number, a list of "
            "numbers or an array), got a ragged or unreadable nesting"
        ) from None
    if array.dtype == object:
        bad = next(
            (v for v in array.flat if isinstance(v, (bool, np.bool_)) or not isinstance(v, kind)),
            _NONE_BAD,
        )
        if bad is not _NONE_BAD:
            raise QmlTypeError(f"{what}: expected {noun}, got {bad!r} among them")
        try:
            array = array.astype(np.complex128 if kind is numbers.Complex else np.float64)
        except (OverflowError, ValueError, TypeError):
            raise QmlValueError(f"{what}: a value does not fit in a float") from None
    if array.dtype.kind not in "iufc":
        raise QmlTypeError(f"{what}: expected {noun}, got an array of dtype {array.dtype}")
    return array


def check_gate_size(entries: int, itemsize: int, what: str) -> None:
    """Refuse (``StateTooLargeError``) an operator of ``entries`` items that would take
    more than ``MAX_GATE_BYTES``, before anything is allocated."""
    size = entries * itemsize
    if size > MAX_GATE_BYTES:
        raise StateTooLargeError(
            f"{what} would take {size / 2**30:,.1f} GiB, more than qml builds for one "
            f"gate ({MAX_GATE_BYTES / 2**30:g} GiB); use a structured gate (Diagonal, "
            "Permutation, Controlled) or fewer qubits"
        )


def _check_param(value: Any, gate_name: str) -> Any:
    if type(value) is float and math.isfinite(value):  # the common case, first
        return value
    if is_symbolic(value):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise QmlTypeError(
            f"gate {gate_name!r} got the boolean parameter {value!r}; "
            "gate parameters are real angles (floats)"
        )
    if isinstance(value, numbers.Real):
        return as_real(value, f"gate {gate_name!r}: its parameter")
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        array = real_array(value, f"gate {gate_name!r}: a parameter")
        if array.ndim == 0:
            return float(array)
        if array.ndim != 1:
            raise ShapeError(
                f"gate {gate_name!r}: a batched parameter must be a real array of "
                f"shape (B,); got shape {array.shape}"
            )
        return array
    if isinstance(value, numbers.Complex):
        raise QmlTypeError(
            f"gate {gate_name!r} got the complex parameter {value!r}; "
            "gate parameters are real angles"
        )
    raise QmlTypeError(
        f"gate {gate_name!r} got a parameter of type {type(value).__name__}; "
        "expected a float, an array of shape (B,), or a qml.Parameter"
    )


def _format_param(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape})"
    if isinstance(value, float):
        return repr(value)  # exact: eval(repr(gate)) == gate
    return str(value)


def matrix_from_entries(rows: Sequence[Sequence[Any]]) -> np.ndarray:
    """Stack scalar-or-``(B,)`` entries into a ``(d, d)`` or ``(B, d, d)`` complex matrix."""
    entries = np.broadcast_arrays(*(np.asarray(e, dtype=np.complex128) for r in rows for e in r))
    return np.stack(entries, axis=-1).reshape(*entries[0].shape, len(rows), len(rows[0]))


def diagonal_from_entries(entries: Sequence[Any]) -> np.ndarray:
    """Stack scalar-or-``(B,)`` entries into a ``(d,)`` or ``(B, d)`` phase vector."""
    parts = np.broadcast_arrays(*(np.asarray(e, dtype=np.complex128) for e in entries))
    return np.stack(parts, axis=-1)


def embed_diagonal(diagonal: np.ndarray) -> np.ndarray:
    """``(..., d)`` phase vector -> ``(..., d, d)`` diagonal matrix."""
    d = diagonal.shape[-1]
    out = np.zeros((*diagonal.shape, d), dtype=np.complex128)
    out[..., np.arange(d), np.arange(d)] = diagonal
    return out


def controlled_matrix(
    target: np.ndarray, num_controls: int, ctrl_state: int | None = None
) -> np.ndarray:
    """Matrix of ``target`` controlled by the first ``num_controls`` qubits.

    The target acts where control ``j`` is in state bit ``j`` of ``ctrl_state``
    (default: every control ``|1>``).
    """
    dt = target.shape[-1]
    d = dt << num_controls
    state = (1 << num_controls) - 1 if ctrl_state is None else ctrl_state
    out = np.broadcast_to(np.eye(d, dtype=np.complex128), (*target.shape[:-2], d, d)).copy()
    active = (np.arange(dt) << num_controls) | state
    out[..., active[:, None], active[None, :]] = target
    return out


def pauli_matrix(letters: str) -> np.ndarray:
    """Dense matrix of Pauli letters per qubit, qubit 0 first (little-endian).

    Letters: ``I``, ``X``, ``Y``, ``Z``, and the projectors ``1`` (onto ``|1>``) and
    ``0`` (onto ``|0>``). ``pauli_matrix("1X")`` is ``|1><1|`` on qubit 0 times X on qubit 1.
    """
    if not isinstance(letters, str) or not set(letters) <= set(_LETTERS):
        raise QmlValueError(
            f"Pauli letters must be a string of I, X, Y, Z, 0 and 1 (qubit 0 first), "
            f"got {letters!r}"
        )
    check_gate_size(1 << (2 * len(letters)), 16, f"the matrix of {len(letters)} Pauli letters")
    out = np.ones((1, 1), dtype=np.complex128)
    for letter in letters:  # later letters are more significant: kron on the left
        out = np.kron(_LETTERS[letter], out)
    return out


_LETTERS = {
    "I": np.eye(2, dtype=np.complex128),
    "X": np.array([[0, 1], [1, 0]], dtype=np.complex128),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    "Z": np.diag([1, -1]).astype(np.complex128),
    "1": np.diag([0, 1]).astype(np.complex128),
    "0": np.diag([1, 0]).astype(np.complex128),
}


class Gate:
    """A quantum gate: the trait every gate implements, and where its facts live.

    A subclass states its facts as class attributes, so that the simulator,
    gradients, density matrices, drawing and qiskit/QASM I/O ask the gate and
    keep no table of gate names:

    * ``name`` (qiskit's), ``num_qubits``, ``num_params``;
    * its operator, by one of ``fixed_matrix`` (a constant), ``_matrix(*values)``
      (dense, broadcasting over a batch axis: ``(B,)`` values give ``(B, d, d)``),
      ``_diagonal(*values)`` (``structure = "diagonal"``) or ``permutation``
      (``structure = "permutation"``: ``new[i] = old[permutation[i]]``);
    * ``num_controls``: the first qubits control the rest (all ``|1>``);
    * ``pauli_generator`` and ``generator_scale`` for a one-parameter gate that is
      ``exp(-iθ · scale · P / 2)`` for Pauli letters ``P`` (one per gate qubit,
      qubit 0 first; ``1`` and ``0`` are projectors onto ``|1>`` and ``|0>``), or an
      override of ``generator()``; gradients and the engine's fast rotation
      paths follow from it;
    * ``qiskit_class`` (the name of qiskit's class in ``qiskit.circuit.library``),
      ``label`` and ``draw_as`` (drawing), ``decompose()`` (one-parameter gates
      that multiply to it, for gradients of multi-parameter gates) and
      ``conjugate()`` (for density matrices), both with defaults.

    A user's gate needs only ``name``, ``num_qubits``, ``num_params`` and one of
    the operator facts; it runs on the compiled engine as a dense matrix.
    """

    name: str = "gate"
    num_qubits: int = 1
    num_params: int = 0
    #: "dense", "diagonal" (``_diagonal`` gives the phases) or "permutation"
    #: (``permutation[i]`` is the old local index that new index ``i`` takes).
    structure: str = "dense"
    #: Controlled gates: the first ``num_controls`` qubits control the rest.
    num_controls: int = 0
    self_inverse: ClassVar[bool] = False
    fixed_matrix: ClassVar[np.ndarray | None] = None
    permutation: np.ndarray | None = None
    #: One-parameter gates ``exp(-iθ·scale·P/2)``: P as letters per gate qubit (qubit 0
    #: first) from I, X, Y, Z and the projectors 1 (``|1><1|``) and 0 (``|0><0|``).
    pauli_generator: str | None = None
    generator_scale: float = 1.0
    #: qiskit's class in ``qiskit.circuit.library`` (None: exported as its matrix).
    qiskit_class: ClassVar[str | None] = None
    #: Text in the gate's box when drawn (None: the name, capitalised as qiskit does).
    label: str | None = None
    #: How drawings show it: "box", "control" (controls as dots, a box on the target),
    #: "symmetric" (every qubit a dot: CZ, CCZ) or "swap" (X marks on the swapped pair).
    draw_as: str = "box"

    def __init__(self, *params: Any) -> None:
        if type(self) not in _CHECKED_CLASSES:
            _check_gate_class(type(self))
        if len(params) != self.num_params:
            raise QmlTypeError(
                f"{type(self).__name__} takes {self.num_params} parameter(s), got {len(params)}"
            )
        self.params: tuple[Any, ...] = tuple(_check_param(p, self.name) for p in params)

    # -- parameters -------------------------------------------------------------
    @property
    def is_parameterized(self) -> bool:
        """True while any parameter is symbolic (unbound)."""
        return any(is_symbolic(p) for p in self.params)

    @property
    def batch_size(self) -> int | None:
        """``B`` if any parameter is an array of shape ``(B,)``, else None."""
        sizes = {p.shape[0] for p in self.params if isinstance(p, np.ndarray)}
        if len(sizes) > 1:
            raise ShapeError(
                f"gate {self.name!r} has batched parameters of different lengths "
                f"{sorted(sizes)}; every batched parameter needs the same B"
            )
        return sizes.pop() if sizes else None

    def values(self) -> tuple[Any, ...]:
        """The numeric parameters; raises ``UnboundParameterError`` naming any unbound."""
        unbound = sorted({str(q) for p in self.params if is_symbolic(p) for q in p.parameters})
        if unbound:
            raise UnboundParameterError(
                f"gate {self.name!r} has unbound parameter(s) {', '.join(unbound)}; "
                "bind them with Circuit.assign_parameters or pass params= to simulate"
            )
        return self.params

    def bind(self, values: Mapping[Any, Any]) -> Gate:
        """A copy with every symbolic parameter evaluated at ``values`` where possible."""
        if not self.is_parameterized:
            return self
        return self.with_params(*(p.bind(values) if is_symbolic(p) else p for p in self.params))

    def with_params(self, *params: Any) -> Gate:
        """The same gate with other parameters."""
        return type(self)(*params)

    # -- the operator -------------------------------------------------------------
    def matrix(self) -> np.ndarray:
        """The unitary: ``(2**k, 2**k)``, or ``(B, 2**k, 2**k)`` for batched parameters."""
        values = self.values()
        check_gate_size(
            (self.batch_size or 1) << (2 * self.num_qubits),
            16,
            f"the dense matrix of the {self.num_qubits}-qubit gate {self.name!r}",
        )
        if self.fixed_matrix is not None:
            return self.fixed_matrix.copy()
        if self.structure == "diagonal":
            return embed_diagonal(self._diagonal(*values))
        if self.structure == "permutation":
            d = 1 << self.num_qubits
            out = np.zeros((d, d), dtype=np.complex128)
            out[np.arange(d), self.permutation] = 1
            return out
        return self._matrix(*values)

    def diagonal(self) -> np.ndarray:
        """Phases of a diagonal gate: ``(2**k,)`` or ``(B, 2**k)``."""
        if self.structure != "diagonal":
            raise QmlValueError(f"gate {self.name!r} is not diagonal; use matrix()")
        values = self.values()
        check_gate_size(
            (self.batch_size or 1) << self.num_qubits,
            16,
            f"the phases of the {self.num_qubits}-qubit gate {self.name!r}",
        )
        return self._diagonal(*values)

    def _matrix(self, *values: Any) -> np.ndarray:
        if self.pauli_generator is not None:  # exp(-iθ s P/2) = cos(sθ/2) I - i sin(sθ/2) P
            half = np.asarray(values[0], dtype=np.float64)[..., None, None] * (
                self.generator_scale / 2
            )
            d = 1 << self.num_qubits
            return np.cos(half) * np.eye(d) - 1j * np.sin(half) * pauli_matrix(self.pauli_generator)
        raise NotImplementedError(f"{type(self).__name__} must define its matrix")

    def _diagonal(self, *values: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define its diagonal")

    def generator(self) -> np.ndarray | None:
        """Hermitian ``G`` with ``U(θ) = exp(-iθG/2)`` for a one-parameter gate, else None.

        Shape ``(2**k, 2**k)``, little-endian over the gate's qubits. Standard
        gates derive it from ``pauli_generator`` and ``generator_scale``; a user's
        gate may override this method (gradients then follow: adjoint and
        parameter shift, whose rule comes from G's eigenvalues).
        """
        if self.pauli_generator is None or self.num_params != 1:
            return None
        return self.generator_scale * pauli_matrix(self.pauli_generator)

    def decompose(self) -> list[tuple[Gate, tuple[int, ...]]] | None:
        """Gates on local qubits whose product (first applied first) is exactly this gate.

        Multi-parameter gates state it so gradients can differentiate each angle
        through a one-parameter gate (U = P(φ) RY(θ) P(λ)); None if not known.
        """
        return None

    def conjugate(self) -> Gate:
        """A gate whose matrix is the complex conjugate of this one's, batches included.

        A one-parameter Pauli rotation stays itself: ``conj(exp(-iθP/2)) =
        exp(-i(±θ)P/2)``, the sign flipped unless P has an odd number of Ys.
        Fixed gates with a real matrix are their own conjugate; the rest become
        generic gates of the same structure.
        """
        if self.pauli_generator is not None and self.num_params == 1:
            odd = self.pauli_generator.count("Y") % 2 == 1
            return self if odd else self.with_params(-self.params[0])
        if self.num_params == 0 and self.structure == "permutation":
            return self
        from qml.gates.generic import Conjugated

        if self.num_params == 0 and not np.any(self.matrix().imag):
            return self
        return Conjugated(self)

    def apply(self, state: np.ndarray, qubits: Sequence[int]) -> None:
        """Apply the gate to ``state`` (``(2**n,)`` or ``(B, 2**n)``) in place.

        ``qubits[j]`` is the state's qubit that plays the gate's qubit ``j``.
        Diagonal and permutation gates never build a dense matrix.
        """
        if not isinstance(state, np.ndarray) or state.dtype.kind != "c":
            raise QmlTypeError(
                "apply() updates a state in place: pass a complex numpy array of shape "
                f"(2**n,) or (B, 2**n), such as qml.simulate returns; got {type(state).__name__}"
                + (f" of dtype {state.dtype}" if isinstance(state, np.ndarray) else "")
            )
        if not state.flags.writeable:
            raise QmlValueError("apply() updates the state in place, but it is read-only; copy it")
        qubits = self.check_qubits(qubits, kernels.num_qubits_of(state))
        batch = self.batch_size
        if batch is not None and (state.ndim != 2 or state.shape[0] != batch):
            raise ShapeError(
                f"gate {self.name!r} has parameters batched over {batch} samples "
                f"but the state has shape {state.shape}; expected ({batch}, 2**n)"
            )
        if state.size == 0:  # an empty batch: nothing to update
            return
        if self.structure == "diagonal":
            kernels.apply_diagonal(state, self.diagonal(), qubits)
        elif self.structure == "permutation":
            kernels.apply_permutation(state, self.permutation, qubits)
        else:
            kernels.apply_matrix(state, self.matrix(), qubits)

    def check_qubits(self, qubits: Sequence[int], num_qubits: int) -> tuple[int, ...]:
        """Validate qubit indices for this gate on a register of ``num_qubits`` qubits.

        ``qubits`` is a sequence of ints (numpy integers and 0-d integer arrays count as
        ints), or one int for a one-qubit gate. Returns them as a tuple of Python ints.
        """
        width = num_qubits if type(num_qubits) is int else integer(num_qubits)
        if width is None:
            raise QmlTypeError(
                f"the register's number of qubits must be an int, got {num_qubits!r}"
            )
        num_qubits = width
        kind = type(qubits)
        if kind is not tuple and kind is not list:  # the common cases skip these checks
            single = integer(qubits)
            if single is not None:
                qubits = (single,)
            elif isinstance(qubits, (str, bytes, Mapping, set, frozenset)) or (
                isinstance(qubits, np.ndarray) and qubits.ndim != 1
            ):
                raise QubitError(
                    f"gate {self.name!r} needs a sequence of qubit indices (in order: the "
                    f"gate's qubit 0 first), got {qubits!r}"
                )
            try:
                qubits = tuple(qubits)
            except TypeError:
                raise QubitError(
                    f"gate {self.name!r} needs a sequence of qubit indices, got {qubits!r}"
                ) from None
        indices = []
        for q in qubits:
            number = q if type(q) is int else integer(q)
            if number is None:
                raise QubitError(f"qubit indices must be integers; gate {self.name!r} got {q!r}")
            indices.append(number)
        qubits = tuple(indices)
        if len(qubits) != self.num_qubits:
            raise QubitError(
                f"gate {self.name!r} acts on {self.num_qubits} qubit(s) but was "
                f"given {len(qubits)}: {list(qubits)}"
            )
        for q in qubits:
            if not 0 <= q < num_qubits:
                raise QubitIndexError(
                    f"qubit {q} is out of range for {num_qubits} qubit(s); "
                    f"valid indices are 0 to {num_qubits - 1} "
                    "(negative indices do not wrap)"
                )
        if len(set(qubits)) != len(qubits):
            raise QubitError(
                f"gate {self.name!r} was given the same qubit twice: "
                f"{list(qubits)}; a gate needs distinct qubits"
            )
        return qubits

    def inverse(self) -> Gate:
        """The inverse gate (its matrix is the conjugate transpose)."""
        if self.self_inverse:
            return self
        if self.pauli_generator is not None and self.num_params == 1:
            return self.with_params(-self.params[0])  # exp(-iθG/2)^-1 = exp(+iθG/2)
        from qml.gates.generic import Inverse

        return Inverse(self)

    # -- identity -------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Gate) or type(other) is not type(self):
            return NotImplemented
        if other.num_qubits != self.num_qubits or len(other.params) != len(self.params):
            return False
        return all(_param_equal(a, b) for a, b in zip(self.params, other.params, strict=True))

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.num_qubits))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(_format_param(p) for p in self.params)})"


#: Gate classes whose facts have been checked (once per class, on first construction).
_CHECKED_CLASSES: set[type] = set()


def _check_gate_class(cls: type[Gate]) -> None:
    """Refuse a Gate class that states no operator, or impossible facts, when first made."""
    where = f"{cls.__name__} (a Gate subclass)"
    if integer(cls.num_qubits) is None or not 1 <= cls.num_qubits <= MAX_QUBITS:
        raise QmlTypeError(f"{where} must set num_qubits to an int >= 1, got {cls.num_qubits!r}")
    if integer(cls.num_params) is None or cls.num_params < 0:
        raise QmlTypeError(f"{where} must set num_params to an int >= 0, got {cls.num_params!r}")
    if cls.structure == "diagonal":
        defined = cls._diagonal is not Gate._diagonal
        how = "a diagonal gate defines _diagonal(*values)"
    elif cls.structure == "permutation":
        defined = cls.permutation is not None
        how = "a permutation gate sets permutation (a table of 2**k indices)"
    elif cls.structure == "dense":
        defined = (
            cls.fixed_matrix is not None
            or cls._matrix is not Gate._matrix
            or cls.matrix is not Gate.matrix
            or (cls.pauli_generator is not None and cls.num_params == 1)
        )
        how = "define fixed_matrix or _matrix(*values) (see qml.gates.Gate)"
    else:
        raise QmlTypeError(
            f"{where} has structure {cls.structure!r}; use 'dense', 'diagonal' or 'permutation'"
        )
    if issubclass(cls, ControlledGate) and not isinstance(getattr(cls, "target", None), type):
        defined, how = False, "a ControlledGate subclass sets target (the controlled gate class)"
    if not defined:
        raise QmlTypeError(f"{where} states no operator: {how}")
    _CHECKED_CLASSES.add(cls)


def _param_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if is_symbolic(a) or is_symbolic(b):
        return bool(a == b)
    return a == b


class ControlledGate(Gate):
    """A gate that applies its ``target`` gate to its last qubits when its first are all ``|1>``.

    The generator, label and drawing follow from the target: a controlled Pauli
    rotation is a rotation whose generator has projectors onto ``|1>`` on the controls.
    """

    num_controls = 1
    target: ClassVar[type[Gate]]
    draw_as = "control"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        target = cls.__dict__.get("target")
        if target is None:
            return
        if "label" not in cls.__dict__:
            cls.label = target.label
        same_params = cls.num_params == target.num_params == 1
        if (
            same_params
            and target.pauli_generator is not None
            and "pauli_generator" not in cls.__dict__
        ):
            cls.pauli_generator = "1" * cls.num_controls + target.pauli_generator
            cls.generator_scale = target.generator_scale

    def target_matrix(self) -> np.ndarray:
        """The matrix applied to the target qubits when every control is ``|1>``."""
        return self.target(*self.values()).matrix()

    def _matrix(self, *values: Any) -> np.ndarray:
        return controlled_matrix(self.target_matrix(), self.num_controls)
