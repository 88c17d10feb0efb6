"""Symbolic circuit parameters and the polynomial expressions built from them.

``Parameter("θ")`` is a named symbol; arithmetic with numbers and other
parameters gives a ``ParameterExpression``, a polynomial with real coefficients
(``2*x + 1``, ``(π - x)*(π - y)`` as in qiskit's ZZ feature map). Polynomials are
closed under the operations circuits need, evaluate on arrays (a batch of
values at once) and differentiate exactly, which the gradients' chain rule uses.

Two parameters are the same parameter only if they are the same object (or
share a uuid after a round trip through qiskit), as in qiskit.
"""

from __future__ import annotations

import math
import numbers
import uuid as uuid_module
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from qml.errors import (
    ParameterError,
    QmlIndexError,
    QmlTypeError,
    QmlValueError,
    UnboundParameterError,
)
from qml.gates.base import as_count, as_real, integer, real_array

#: A monomial: ((parameter, power), ...) sorted by the parameters' sort keys.
Monomial = tuple[tuple["Parameter", int], ...]

#: Largest power ``expression ** k``: angles are low-degree polynomials, and a huge power
#: only overflows when evaluated (``p ** 10**8`` used to loop 10**8 times).
MAX_EXPONENT = 1024

#: Most monomial products one multiplication may form (``len(a.terms) * len(b.terms)``):
#: expressions are kept expanded, and beyond this their products take seconds.
MAX_PRODUCT_TERMS = 1 << 18

#: Longest ``ParameterVector`` (its elements are made eagerly, about 10 µs each).
MAX_VECTOR_LENGTH = 1 << 20


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number(value: Any) -> float | None:
    """``value`` as a float if it is a real number (or a 0-d real array), else None;
    a ``ParameterError`` for NaN, infinity or an int too large for a float."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if not _is_number(value) or isinstance(value, np.bool_):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        number = math.inf
    if not math.isfinite(number):
        raise ParameterError(
            f"parameter arithmetic needs finite numbers, got {value!r}; "
            "NaN or infinity in an angle would make every result NaN"
        )
    return number


def _multiply_monomials(a: Monomial, b: Monomial) -> Monomial:
    powers: dict[Parameter, int] = dict(a)
    for p, k in b:
        powers[p] = powers.get(p, 0) + k
    return tuple(sorted(powers.items(), key=lambda item: item[0].sort_key))


def _value(value: Any, parameter: Parameter) -> float | np.ndarray:
    """A parameter's value checked: a finite float, or a finite real array of shape (B,)."""
    if type(value) is float and math.isfinite(value):  # the common case, first
        return value
    what = f"the value of parameter {parameter.name!r}"
    if _is_number(value) and not isinstance(value, np.bool_):
        return as_real(value, what)
    array = real_array(value, what)
    if array.ndim > 1:
        raise QmlValueError(f"{what} must be a float or an array of shape (B,); got {array.shape}")
    return float(array) if array.ndim == 0 else array


def _power(value: float | np.ndarray, k: int) -> Any:
    """``value ** k`` in float64, overflowing to infinity (caught by the caller) rather than
    raising as Python floats do."""
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.float64(value) if isinstance(value, float) else value) ** k


def _check_mapping(values: Any) -> Mapping[Any, Any]:
    if type(values) is not dict and not isinstance(values, Mapping):
        raise QmlTypeError(
            f"values must be a mapping {{Parameter: value}}, got {type(values).__name__}"
        )
    return values


class ParameterExpression:
    """A real polynomial in circuit parameters: ``sum_m c_m * prod_p p**k``.

    Supports ``+ - *`` with numbers and expressions, division by a number, and
    non-negative integer powers up to ``MAX_EXPONENT``. Coefficients are finite:
    arithmetic that would overflow them is refused. ``bind`` evaluates it (on
    floats or arrays of shape ``(B,)``); ``derivative`` differentiates it.
    """

    __slots__ = ("__weakref__", "_parameters", "_terms")
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, terms: Mapping[Monomial, float]) -> None:
        if not isinstance(terms, Mapping):
            raise QmlTypeError(
                "a ParameterExpression is made from {monomial: coefficient}; build "
                f"expressions from Parameters with + - * instead (got {terms!r})"
            )
        checked: dict[Monomial, float] = {}
        for monomial, coefficient in terms.items():
            if not isinstance(monomial, tuple) or not all(
                isinstance(pair, tuple)
                and len(pair) == 2
                and isinstance(pair[0], Parameter)
                and (integer(pair[1]) or 0) >= 1
                for pair in monomial
            ):
                raise QmlTypeError(
                    f"a monomial is a tuple of (Parameter, power >= 1) pairs, got {monomial!r}"
                )
            number = _number(coefficient)
            if number is None:
                raise QmlTypeError(f"a coefficient must be a real number, got {coefficient!r}")
            checked[monomial] = number
        self._set(checked)

    def _set(self, terms: Mapping[Monomial, float]) -> None:
        """Keep the nonzero terms of already checked ``terms``, refusing overflow."""
        self._terms: dict[Monomial, float] = {m: c for m, c in terms.items() if c != 0.0}
        if not all(math.isfinite(c) for c in self._terms.values()):
            raise ParameterError(
                "the expression's coefficients overflow to infinity (or NaN); keep the "
                "numbers in parameter arithmetic well within the float range"
            )
        seen: dict[Parameter, None] = {}
        for monomial in self._terms:
            for p, _ in monomial:
                seen.setdefault(p)
        self._parameters = tuple(seen)

    @staticmethod
    def _make(terms: Mapping[Monomial, float]) -> ParameterExpression:
        """An expression from terms made by qml itself (skips the public checks)."""
        out = object.__new__(ParameterExpression)
        out._set(terms)
        return out

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """The parameters the expression depends on."""
        return self._parameters

    @property
    def terms(self) -> dict[Monomial, float]:
        """``{monomial: coefficient}``; the empty monomial ``()`` is the constant."""
        return dict(self._terms)

    # -- arithmetic ---------------------------------------------------------------------
    @staticmethod
    def _lift(value: Any) -> ParameterExpression | None:
        if isinstance(value, ParameterExpression):
            return value
        number = _number(value)
        if number is not None:
            return ParameterExpression._make({(): number})
        return None

    def _operand(self, value: Any, operation: str) -> ParameterExpression:
        """``value`` lifted to an expression, or a ``QmlTypeError`` naming the operation."""
        lifted = self._lift(value)
        if lifted is None:
            raise QmlTypeError(
                f"cannot {operation} {self} and {value!r} ({type(value).__name__}): parameter "
                "expressions combine with real numbers and other expressions only"
            )
        return lifted

    def __add__(self, other: Any) -> ParameterExpression:
        rhs = self._operand(other, "add")
        terms = dict(self._terms)
        for m, c in rhs._terms.items():
            terms[m] = terms.get(m, 0.0) + c
        return ParameterExpression._make(terms)

    __radd__ = __add__

    def __neg__(self) -> ParameterExpression:
        return ParameterExpression._make({m: -c for m, c in self._terms.items()})

    def __pos__(self) -> ParameterExpression:
        return self

    def __sub__(self, other: Any) -> ParameterExpression:
        return self + (-self._operand(other, "subtract"))

    def __rsub__(self, other: Any) -> ParameterExpression:
        return self._operand(other, "subtract") + (-self)

    def __mul__(self, other: Any) -> ParameterExpression:
        rhs = self._operand(other, "multiply")
        products = len(self._terms) * len(rhs._terms)
        if products > MAX_PRODUCT_TERMS:
            raise ParameterError(
                f"multiplying expressions of {len(self._terms):,} and {len(rhs._terms):,} "
                f"terms would form {products:,} products (qml's limit is "
                f"{MAX_PRODUCT_TERMS:,}); bind some parameters first"
            )
        terms: dict[Monomial, float] = {}
        for ma, ca in self._terms.items():
            for mb, cb in rhs._terms.items():
                m = _multiply_monomials(ma, mb)
                terms[m] = terms.get(m, 0.0) + ca * cb
        return ParameterExpression._make(terms)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> ParameterExpression:
        if isinstance(other, ParameterExpression) and other.parameters:
            raise ParameterError(
                f"cannot divide by the expression {other}: qml's parameter "
                "expressions are polynomials; divide by a number instead"
            )
        divisor = other.constant if isinstance(other, ParameterExpression) else _number(other)
        if divisor is None:
            raise QmlTypeError(
                f"cannot divide {self} by {other!r} ({type(other).__name__}); divide by a number"
            )
        if divisor == 0:
            raise ParameterError(f"division of {self} by zero")
        return self * ParameterExpression._make({(): 1.0 / divisor})

    def __rtruediv__(self, other: Any) -> ParameterExpression:
        if self.parameters:
            raise ParameterError(
                f"cannot divide by the expression {self}: qml's parameter expressions are "
                "polynomials"
            )
        return self._operand(other, "divide") / self.constant

    def __pow__(self, power: Any) -> ParameterExpression:
        exponent = integer(power)
        if exponent is None or exponent < 0:
            raise ParameterError(
                f"only non-negative integer powers of {self} are supported, got {power!r}"
            )
        if exponent > MAX_EXPONENT:
            raise ParameterError(
                f"{self} ** {exponent} is beyond the largest power qml expands "
                f"({MAX_EXPONENT}); an angle of such degree overflows for any value above 1"
            )
        result = ParameterExpression._make({(): 1.0})
        base = self
        while exponent:  # by squaring: log2(k) products, not k
            if exponent & 1:
                result = result * base
            exponent >>= 1
            if exponent:
                base = base * base
        return result

    def __rpow__(self, base: Any) -> NoReturn:
        raise ParameterError(
            f"{base!r} ** ({self}) is not a polynomial, which is what qml's parameter "
            "expressions are; bind the parameters first"
        )

    def _not_polynomial(self, *_: Any) -> NoReturn:
        raise ParameterError(
            f"abs, % and // of {self} are not polynomials, which is what qml's parameter "
            "expressions are; bind the parameters first"
        )

    __abs__ = __mod__ = __rmod__ = __floordiv__ = __rfloordiv__ = _not_polynomial

    def _no_order(self, other: Any) -> NoReturn:
        raise QmlTypeError(
            f"{self} has no value to compare with {other!r} until its parameters are "
            "bound; compare the bound values instead"
        )

    __lt__ = __le__ = __gt__ = __ge__ = _no_order

    # -- evaluation ---------------------------------------------------------------------
    @property
    def constant(self) -> float:
        """The constant term."""
        return self._terms.get((), 0.0)

    def bind(self, values: Mapping[Parameter, Any]) -> ParameterExpression | float | np.ndarray:
        """Substitute ``values`` (floats or ``(B,)`` arrays); a number once nothing is left."""
        values = _check_mapping(values)
        unbound = [p for p in self._parameters if p not in values]
        if unbound:
            checked = {p: _value(values[p], p) for p in self._parameters if p in values}
            terms: dict[Monomial, Any] = {}
            for m, c in self._terms.items():
                factor: Any = c
                rest = []
                for p, k in m:
                    if p in checked:
                        if isinstance(checked[p], np.ndarray):
                            raise ParameterError(
                                f"cannot partially bind {self} with batched values; "
                                "bind every parameter at once"
                            )
                        with np.errstate(over="ignore", invalid="ignore"):
                            factor = factor * _power(checked[p], k)
                    else:
                        rest.append((p, k))
                terms[tuple(rest)] = terms.get(tuple(rest), 0.0) + float(factor)
            return ParameterExpression._make(terms)
        return self.evaluate(values)

    def evaluate(self, values: Mapping[Parameter, Any]) -> float | np.ndarray:
        """The value at ``values``: a float, or an array when any value is an array.

        Values are finite floats or real arrays of shape ``(B,)``; a result that
        overflows is refused (``ParameterError``) rather than returned as infinity.
        """
        values = _check_mapping(values)
        checked: dict[Parameter, Any] = {}
        for p in self._parameters:
            if p not in values:
                raise UnboundParameterError(f"no value for parameter {p.name!r} in {self}")
            checked[p] = _value(values[p], p)
        total: Any = 0.0
        if all(type(v) is float for v in checked.values()):
            try:  # floats: Python arithmetic (fast); ** raises on overflow, * gives inf
                for m, c in self._terms.items():
                    term = c
                    for p, k in m:
                        term *= checked[p] ** k
                    total += term
            except OverflowError:
                total = math.inf
            if not math.isfinite(total):
                raise ParameterError(
                    f"{self} overflows at these values (the result is not finite); use "
                    "smaller values or a lower-degree expression"
                )
            return total
        with np.errstate(over="ignore", invalid="ignore"):  # arrays: overflow checked below
            for m, c in self._terms.items():
                term = c
                for p, k in m:
                    term = term * _power(checked[p], k)
                total = total + term
        if not np.all(np.isfinite(total)):
            raise ParameterError(
                f"{self} overflows at these values (the result is not finite); use smaller "
                "values or a lower-degree expression"
            )
        return total if isinstance(total, np.ndarray) and total.ndim else float(total)

    def derivative(self, parameter: Parameter) -> ParameterExpression:
        """The partial derivative with respect to ``parameter``."""
        if not isinstance(parameter, Parameter):
            raise QmlTypeError(
                f"derivative() is with respect to a Parameter, got {type(parameter).__name__}"
            )
        terms: dict[Monomial, float] = {}
        for m, c in self._terms.items():
            powers = dict(m)
            k = powers.get(parameter, 0)
            if k == 0:
                continue
            if k == 1:
                del powers[parameter]
            else:
                powers[parameter] = k - 1
            reduced = tuple(sorted(powers.items(), key=lambda item: item[0].sort_key))
            terms[reduced] = terms.get(reduced, 0.0) + c * k
        return ParameterExpression._make(terms)

    def affine(self) -> tuple[Parameter, float, float] | None:
        """``(p, a, b)`` if the expression is ``a*p + b`` for one parameter, else None."""
        if len(self._parameters) != 1:
            return None
        p = self._parameters[0]
        if any(m not in ((), ((p, 1),)) for m in self._terms):
            return None
        return p, self._terms.get(((p, 1),), 0.0), self.constant

    # -- identity and text --------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        rhs = self._lift(other)
        if rhs is None:
            return NotImplemented
        return self._terms == rhs._terms

    def __hash__(self) -> int:
        return hash(frozenset(self._terms.items()))

    def __reduce__(self) -> tuple:
        # the terms are keyed by parameters, which must exist (with their uuids) first
        return ParameterExpression, (self._terms,)

    def __float__(self) -> float:
        if self._parameters:
            raise UnboundParameterError(
                f"{self} still depends on {', '.join(p.name for p in self._parameters)}; "
                "bind it before converting to float"
            )
        return self.constant

    def __str__(self) -> str:
        if not self._terms:
            return "0"
        parts = []
        for m, c in self._terms.items():
            symbols = "*".join(p.name if k == 1 else f"{p.name}**{k}" for p, k in m)
            if not symbols:
                text = f"{abs(c):.12g}"
            elif abs(c) == 1:
                text = symbols
            else:
                text = f"{abs(c):.12g}*{symbols}"
            parts.append(("-" if c < 0 else "+", text))
        sign, first = parts[0]
        out = ("-" if sign == "-" else "") + first
        return out + "".join(f" {s} {t}" for s, t in parts[1:])

    def __repr__(self) -> str:
        return f"ParameterExpression({self})"


class Parameter(ParameterExpression):
    """A named symbolic circuit parameter, e.g. ``Parameter("θ")``.

    Identity is by object (a uuid), not by name, as in qiskit; a circuit refuses
    two different parameters with the same name.
    """

    __slots__ = ("_hash", "_name", "_uuid")

    def __init__(self, name: str, *, uuid: uuid_module.UUID | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise QmlTypeError(f"a Parameter needs a non-empty string name, got {name!r}")
        if uuid is not None and not isinstance(uuid, uuid_module.UUID):
            raise QmlTypeError(f"a Parameter's uuid must be a uuid.UUID, got {uuid!r}")
        self._name = name
        self._uuid = uuid or uuid_module.uuid4()
        self._hash = hash(self._uuid)  # parameters key many dicts; hash once
        self._set({((self, 1),): 1.0})

    @property
    def name(self) -> str:
        """The parameter's name."""
        return self._name

    @property
    def uuid(self) -> uuid_module.UUID:
        """The identity that survives a round trip through qiskit."""
        return self._uuid

    @property
    def sort_key(self) -> tuple[str, str]:
        """Order used inside monomials (name, then uuid)."""
        return (self._name, str(self._uuid))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Parameter):
            return self._uuid == other._uuid
        return ParameterExpression.__eq__(self, other)

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"Parameter({self._name!r})"

    def __reduce__(self) -> tuple:
        return _restore_parameter, (self._name, self._uuid)


class ParameterVectorElement(Parameter):
    """Element ``i`` of a :class:`ParameterVector`, named ``"name[i]"`` as in qiskit."""

    __slots__ = ("_index", "_vector_name")

    def __init__(self, vector_name: str, index: int, *, uuid: uuid_module.UUID | None = None):
        if not isinstance(vector_name, str) or not vector_name:
            raise QmlTypeError(f"a vector needs a non-empty string name, got {vector_name!r}")
        self._vector_name, self._index = vector_name, as_count(index, "a vector index")
        super().__init__(f"{vector_name}[{index}]", uuid=uuid)

    @property
    def vector_name(self) -> str:
        """Name of the vector this element belongs to."""
        return self._vector_name

    @property
    def index(self) -> int:
        """Position in its vector."""
        return self._index

    @property
    def sort_key(self) -> tuple[str, str]:
        return (f"{self._vector_name}[{self._index:09d}]", str(self._uuid))

    def __reduce__(self) -> tuple:
        return _restore_vector_element, (self._vector_name, self._index, self._uuid)


def _restore_parameter(name: str, uuid: uuid_module.UUID) -> Parameter:
    """Unpickle a ``Parameter`` with its identity."""
    return Parameter(name, uuid=uuid)


def _restore_vector_element(
    vector_name: str, index: int, uuid: uuid_module.UUID
) -> ParameterVectorElement:
    """Unpickle a ``ParameterVectorElement`` with its identity."""
    return ParameterVectorElement(vector_name, index, uuid=uuid)


class ParameterVector(Sequence[Parameter]):
    """``n`` parameters named ``"name[0]"`` ... ``"name[n-1]"``, indexable like a list."""

    def __init__(self, name: str, length: int) -> None:
        if not isinstance(name, str) or not name:
            raise QmlTypeError(f"a ParameterVector needs a non-empty string name, got {name!r}")
        size = integer(length)
        if size is None or size < 0:
            raise QmlTypeError(
                f"a ParameterVector length must be a non-negative int, got {length!r}"
            )
        if size > MAX_VECTOR_LENGTH:
            raise QmlValueError(
                f"a ParameterVector of {size:,} elements is beyond qml's limit of "
                f"{MAX_VECTOR_LENGTH:,}: its elements are made one by one"
            )
        self.name = name
        self._params = [ParameterVectorElement(name, i) for i in range(size)]

    @property
    def params(self) -> list[Parameter]:
        """The elements as a list."""
        return list(self._params)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self._params[index]
        position = integer(index)
        if position is None:
            raise QmlTypeError(f"a ParameterVector is indexed by an int or a slice, got {index!r}")
        if not -len(self._params) <= position < len(self._params):
            raise QmlIndexError(
                f"index {position} is out of range for ParameterVector {self.name!r} of "
                f"length {len(self._params)}"
            )
        return self._params[position]

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._params)

    def __repr__(self) -> str:
        return f"ParameterVector({self.name!r}, {len(self)})"
