"""The fuzzing layer's tools: arbitrary values, and the contract every public call must keep.

A fuzz test throws values of every kind at an entry point (``anything()``: wrong types,
NaN and infinity, huge and negative ints, numpy scalars and 0-d arrays, text, None,
nested lists, booleans, complex numbers, enormous sizes) and checks qml's promise
(design.md, Errors): the call returns, or raises a ``qml.QmlError``; no other exception
escapes, nothing hangs, and what returns is finite and of the documented shape.

``QML_FUZZ_EXAMPLES`` sets the examples per test (default ``DEFAULT_EXAMPLES``, modest, so
the suite stays fast); ``QML_FUZZ_TIMEOUT`` the seconds one call may take before it counts
as a hang. A long run: ``QML_FUZZ_EXAMPLES=2000 python -m pytest tests -k fuzz``.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import numbers
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import qml
from qml import QmlError
from qml.circuits import ParameterExpression
from qml.circuits.observables import PauliSum
from qml.gates import Gate

#: Examples per fuzz test by default: the whole fuzzing layer of gates, circuits and noise
#: then adds well under a minute to the suite.
DEFAULT_EXAMPLES = 25

EXAMPLES = int(os.environ.get("QML_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
TIMEOUT = float(os.environ.get("QML_FUZZ_TIMEOUT", 20))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # timing on a shared machine is noise; hangs are caught by TIMEOUT
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- values -----------------------------------------------------------------------------------

#: Integers where limits live: qml's bounds (2**16 qubits, 2**18 template gates, 2**20
#: import gates), int64 and float edges, and one too large for any float.
EDGE_INTS = (
    0, 1, 2, 3, -1, -2, 62, 63, 64, 65, 2**16 - 1, 2**16, 2**16 + 1, 2**18 + 1, 2**20 + 1,
    2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), 2**64, 2**70, 10**400,
)  # fmt: skip
EDGE_FLOATS = (
    0.0, -0.0, 0.5, 1.0, -1.0, 1e-320, 1e-300, 1e300, 1e308, -1e308, math.pi,
    math.nan, math.inf, -math.inf,
)  # fmt: skip

small_ints = st.integers(-3, 8)
ints = st.one_of(small_ints, small_ints, st.sampled_from(EDGE_INTS), st.integers())
floats = st.one_of(st.sampled_from(EDGE_FLOATS), st.floats(), st.floats(-10, 10))
complexes = st.one_of(
    st.complex_numbers(max_magnitude=1e3), st.sampled_from([1j, complex(math.nan, 0), 1 + 0j])
)
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "0", "1.5", "nan", "inf", "ZZ", "XYZI", "zz", "IQ", "h", "cx", "x[0]"]),
)


#: Anything a user might pass where a number, an array or an option is expected: the
#: simulator's and the estimators' fuzz tests draw their bad arguments from it.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4),
    st.lists(st.lists(st.floats(-10, 10), max_size=3), max_size=3),
    st.builds(np.zeros, st.tuples(st.integers(0, 3), st.integers(0, 3))),
    st.builds(np.array, st.floats(allow_nan=True)),
    st.builds(lambda v: np.array(v, dtype=complex), st.lists(st.floats(-3, 3), max_size=3)),
    st.just(object()),
    st.just(np.array([[np.nan, 1.0]])),
    st.just(2**63),
    st.just(np.int64(2)),
    st.just(np.float64(0.5)),
)


def numpy_scalars() -> st.SearchStrategy[Any]:
    """numpy integers, floats, complex numbers and booleans, of several widths."""
    return st.one_of(
        st.builds(np.int64, small_ints),
        st.builds(np.int8, st.integers(-128, 127)),
        st.builds(np.uint64, st.integers(0, 2**64 - 1)),
        st.builds(np.float64, floats),
        st.builds(np.float32, st.floats(width=32)),
        st.builds(np.complex128, complexes),
        st.builds(np.bool_, st.booleans()),
    )


def arrays(max_side: int = 5) -> st.SearchStrategy[np.ndarray]:
    """numpy arrays of 0 to 3 dimensions (0-d included) and of every common dtype."""
    shapes = st.lists(st.integers(0, max_side), min_size=0, max_size=3).map(tuple)

    @st.composite
    def build(draw: Any) -> np.ndarray:
        shape = draw(shapes)
        size = int(np.prod(shape)) if shape else 1
        kind = draw(st.sampled_from(["float", "int", "complex", "bool", "str", "object"]))
        if kind == "float":
            values = draw(st.lists(floats, min_size=size, max_size=size))
        elif kind == "int":
            values = draw(st.lists(small_ints, min_size=size, max_size=size))
        elif kind == "complex":
            values = draw(st.lists(complexes, min_size=size, max_size=size))
        elif kind == "bool":
            values = draw(st.lists(st.booleans(), min_size=size, max_size=size))
        elif kind == "str":
            values = draw(st.lists(texts, min_size=size, max_size=size))
        else:
            values = draw(st.lists(scalars(), min_size=size, max_size=size))
        array = np.empty(size, dtype=object)
        for i, value in enumerate(values):  # one by one: arrays among them stay elements
            array[i] = value
        target = {"float": float, "int": np.int64, "complex": complex, "bool": bool, "str": str}
        return array.astype(target.get(kind, object)).reshape(shape)

    return build()


def scalars() -> st.SearchStrategy[Any]:
    """One value of any simple kind: numbers of every sort, text, None, booleans."""
    return st.one_of(
        st.none(),
        st.booleans(),
        ints,
        floats,
        complexes,
        texts,
        numpy_scalars(),
        st.builds(np.array, st.one_of(small_ints, floats, complexes)),  # 0-d arrays
    )


def anything() -> st.SearchStrategy[Any]:
    """Any value a user might pass by mistake (or on purpose): scalars, arrays, nested lists
    and tuples, mappings, sets, ranges, slices and qml objects."""
    qml_objects = st.sampled_from(
        [
            qml.Parameter("p"),
            qml.gates.H(),
            qml.gates.RX(0.3),
            qml.Pauli("ZZ"),
            qml.Circuit(2).h(0),
            qml.gates.H,
            range(3),
            slice(0, 2),
            object(),
            b"ZZ",
        ]
    )
    return st.recursive(
        st.one_of(scalars(), arrays(), qml_objects),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(inner, max_size=4).map(tuple),
            st.dictionaries(st.one_of(texts, small_ints), inner, max_size=3),
            st.sets(st.one_of(small_ints, texts), max_size=3),
        ),
        max_leaves=8,
    )


def qubit_lists(max_index: int = 4) -> st.SearchStrategy[Any]:
    """Qubit arguments, valid or not: an int, a 0-d array, or a sequence of mixed values."""
    index = st.one_of(st.integers(-1, max_index), st.builds(np.array, st.integers(0, max_index)))
    return st.one_of(
        index,
        st.lists(index, max_size=4),
        st.lists(index, max_size=4).map(tuple),
        st.lists(index, max_size=3).map(lambda q: np.array(q, dtype=np.int64)),
        anything(),
    )


# -- the contract ---------------------------------------------------------------------------


class Hang(Exception):
    """A call that took longer than ``TIMEOUT`` seconds."""


@contextlib.contextmanager
def time_limit(seconds: float = TIMEOUT) -> Iterator[None]:
    """Raise ``Hang`` in the calling (main) thread after ``seconds``."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Refused:
    """What ``attempt`` returns when the call raised a QmlError (the error is ``.error``)."""

    def __init__(self, error: QmlError | None) -> None:
        self.error = error

    def __bool__(self) -> bool:
        return False


def attempt(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``: its result, or ``Refused`` if it raised a QmlError.

    Any other exception fails the test, naming the call and its arguments, as does a
    call that takes longer than ``TIMEOUT`` seconds or a QmlError without a message.
    Arguments that do not fit the signature are not passed: Python refuses those
    before any of qml runs (and the result is ``Refused(None)``).
    """
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError):  # builtins without one: call as is
        signature = None
    if signature is not None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            return Refused(None)
    try:
        with time_limit():
            return call(*args, **kwargs)
    except QmlError as error:
        assert str(error).strip(), f"{type(error).__name__} without a message from {call}"
        return Refused(error)
    except Hang:
        raise AssertionError(f"{_name(call)} hung on {_shown(args, kwargs)}") from None
    except Exception as error:
        raise AssertionError(
            f"{_name(call)}{_shown(args, kwargs)} raised {type(error).__name__}: {error} "
            "(not a qml.QmlError)"
        ) from error


def _name(call: Callable[..., Any]) -> str:
    return getattr(call, "__qualname__", repr(call))


def _shown(args: tuple, kwargs: dict) -> str:
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"({', '.join(parts)})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def assert_finite(value: Any, what: str = "result") -> None:
    """Every number in ``value`` (arrays, floats, expressions, observables, gates, and
    containers of them) is finite."""
    if isinstance(value, Refused) or value is None or isinstance(value, (str, bytes, bool)):
        return
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iufc":
            assert np.all(np.isfinite(value)), f"{what} has non-finite entries: {value!r}"
        elif value.dtype == object:
            for item in value.flat:
                assert_finite(item, what)
        return
    if isinstance(value, numbers.Number):
        assert np.isfinite(complex(value)), f"{what} is not finite: {value!r}"
        return
    if isinstance(value, ParameterExpression):
        assert all(math.isfinite(c) for c in value.terms.values()), f"{what}: {value!r}"
        return
    if isinstance(value, PauliSum):
        assert all(math.isfinite(c) for c, _ in value.terms), f"{what}: {value!r}"
        return
    if isinstance(value, Gate):
        for p in value.params:
            assert_finite(p, f"{what}'s parameter")
        return
    if isinstance(value, dict):
        for item in value.values():
            assert_finite(item, what)
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            assert_finite(item, what)


def assert_unitary(matrix: np.ndarray, what: str = "matrix") -> None:
    """``matrix`` (``(d, d)`` or a batch ``(B, d, d)``) is finite and unitary to 1e-9."""
    assert_finite(matrix, what)
    d = matrix.shape[-1]
    product = np.conj(np.swapaxes(matrix, -1, -2)) @ matrix
    assert np.allclose(product, np.eye(d), atol=1e-9), f"{what} is not unitary"
