"""Every error qml raises on purpose, in one place.

Each class subclasses :class:`QmlError` and the built-in exception a Python user
would expect (``ValueError``, ``IndexError``, ``TypeError``, ``MemoryError``), so
both ``except qml.QmlError`` and ``except ValueError`` catch it. Messages say
what was wrong and how to fix it.
"""

from __future__ import annotations


class QmlError(Exception):
    """Base class of every error qml raises on purpose."""


class QmlIndexError(QmlError, IndexError):
    """An index outside what a qml sequence holds (a circuit's gates, a ParameterVector)."""


class QubitIndexError(QmlIndexError):
    """A qubit index outside ``0 .. num_qubits - 1`` (negative indices never wrap)."""


class QmlValueError(QmlError, ValueError):
    """A value of the right type that qml cannot use."""


class QmlTypeError(QmlError, TypeError):
    """A value of a type qml cannot use."""


class QubitError(QmlValueError):
    """The same qubit twice in one gate, or the wrong number of qubits for a gate."""


class NotUnitaryError(QmlValueError):
    """A matrix, channel or instruction that is not unitary where a unitary is required."""


class UnboundParameterError(QmlValueError):
    """A circuit was simulated (or a matrix asked for) while parameters had no value."""


class ParameterError(QmlValueError):
    """A parameter expression qml cannot represent, or conflicting parameter names."""


class ShapeError(QmlValueError):
    """An array (parameters, features, batch) of the wrong shape."""


class QasmError(QmlValueError):
    """OpenQASM text that does not parse; the message names the line."""


class UnsupportedOperationError(QmlValueError):
    """An instruction or gate that the requested operation cannot handle."""


class NoiseError(QmlValueError):
    """A noise channel, readout error or noise model qml cannot use (e.g. not trace-preserving)."""


class StateTooLargeError(QmlError, MemoryError):
    """A state (or batch of states) that would not fit in this machine's available memory."""


class DataError(QmlValueError):
    """Training or prediction data qml cannot use (NaN, infinity, one class, mismatched lengths)."""


class OptionError(QmlValueError):
    """An unknown option (encoding, ansatz, data set, method, ...); the message lists valid ones."""


class NotFittedError(QmlError, ValueError, AttributeError):
    """A model used before ``fit`` (the same bases as scikit-learn's ``NotFittedError``)."""


class ModelFileError(QmlValueError):
    """A model file that is truncated, corrupted, foreign, or of a newer format version."""


class ModelFileWriteError(ModelFileError, OSError):
    """A model file that cannot be written at its path; also the ``OSError`` it reports.

    A missing or unwritable folder, a full disk: the message names the target path, never
    the temporary file the write goes through.
    """


class MissingDependencyError(QmlError, ImportError):
    """An optional dependency (PyTorch, PennyLane, ...) that a feature needs is not installed."""


def is_choice(value: object, choices: tuple[str, ...]) -> bool:
    """True when ``value`` is one of the string ``choices`` (arrays and other types: False).

    ``value in choices`` raises on numpy arrays and may match unhashable look-alikes;
    every option check goes through this so a wrong type is refused, not crashed on.
    """
    return isinstance(value, str) and value in choices


__all__ = [
    "DataError",
    "MissingDependencyError",
    "ModelFileError",
    "ModelFileWriteError",
    "NoiseError",
    "NotFittedError",
    "NotUnitaryError",
    "OptionError",
    "ParameterError",
    "QasmError",
    "QmlError",
    "QmlIndexError",
    "QmlTypeError",
    "QmlValueError",
    "QubitError",
    "QubitIndexError",
    "ShapeError",
    "StateTooLargeError",
    "UnboundParameterError",
    "UnsupportedOperationError",
    "is_choice",
]
