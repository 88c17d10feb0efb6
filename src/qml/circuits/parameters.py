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

import numbers
import uuid as uuid_module
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from qml.errors import ParameterError, QmlTypeError, UnboundParameterError

#: A monomial: ((parameter, power), ...) sorted by the parameters' sort keys.
Monomial = tuple[tuple["Parameter", int], ...]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _multiply_monomials(a: Monomial, b: Monomial) -> Monomial:
    powers: dict[Parameter, int] = dict(a)
    for p, k in b:
        powers[p] = powers.get(p, 0) + k
    return tuple(sorted(powers.items(), key=lambda item: item[0].sort_key))


class ParameterExpression:
    """A real polynomial in circuit parameters: ``sum_m c_m * prod_p p**k``.

    Supports ``+ - *`` with numbers and expressions, division by a number, and
    non-negative integer powers. ``bind`` evaluates it (on floats or arrays of
    shape ``(B,)``); ``derivative`` differentiates it.
    """

    __slots__ = ("__weakref__", "_parameters", "_terms")
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, terms: Mapping[Monomial, float]) -> None:
        self._terms: dict[Monomial, float] = {m: float(c) for m, c in terms.items() if c != 0.0}
        seen: dict[Parameter, None] = {}
        for monomial in self._terms:
            for p, _ in monomial:
                seen.setdefault(p)
        self._parameters = tuple(seen)

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
        if _is_number(value):
            return ParameterExpression({(): float(value)})
        return None

    def __add__(self, other: Any) -> ParameterExpression:
        rhs = self._lift(other)
        if rhs is None:
            return NotImplemented
        terms = dict(self._terms)
        for m, c in rhs._terms.items():
            terms[m] = terms.get(m, 0.0) + c
        return ParameterExpression(terms)

    __radd__ = __add__

    def __neg__(self) -> ParameterExpression:
        return ParameterExpression({m: -c for m, c in self._terms.items()})

    def __pos__(self) -> ParameterExpression:
        return self

    def __sub__(self, other: Any) -> ParameterExpression:
        rhs = self._lift(other)
        return NotImplemented if rhs is None else self + (-rhs)

    def __rsub__(self, other: Any) -> ParameterExpression:
        lhs = self._lift(other)
        return NotImplemented if lhs is None else lhs + (-self)

    def __mul__(self, other: Any) -> ParameterExpression:
        rhs = self._lift(other)
        if rhs is None:
            return NotImplemented
        terms: dict[Monomial, float] = {}
        for ma, ca in self._terms.items():
            for mb, cb in rhs._terms.items():
                m = _multiply_monomials(ma, mb)
                terms[m] = terms.get(m, 0.0) + ca * cb
        return ParameterExpression(terms)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> ParameterExpression:
        if _is_number(other):
            if other == 0:
                raise ParameterError(f"division of {self} by zero")
            return self * (1.0 / float(other))
        if isinstance(other, ParameterExpression) and not other.parameters:
            return self / other.constant
        if isinstance(other, ParameterExpression):
            raise ParameterError(
                f"cannot divide by the expression {other}: qml's parameter "
                "expressions are polynomials; divide by a number instead"
            )
        return NotImplemented

    def __rtruediv__(self, other: Any) -> ParameterExpression:
        if not self.parameters and _is_number(other):
            return ParameterExpression({(): float(other) / self.constant})
        raise ParameterError(
            f"cannot divide by the expression {self}: qml's parameter expressions are polynomials"
        )

    def __pow__(self, power: Any) -> ParameterExpression:
        if not isinstance(power, numbers.Integral) or power < 0:
            raise ParameterError(
                f"only non-negative integer powers of {self} are supported, got {power!r}"
            )
        result = ParameterExpression({(): 1.0})
        for _ in range(int(power)):
            result = result * self
        return result

    # -- evaluation ---------------------------------------------------------------------
    @property
    def constant(self) -> float:
        """The constant term."""
        return self._terms.get((), 0.0)

    def bind(self, values: Mapping[Parameter, Any]) -> ParameterExpression | float | np.ndarray:
        """Substitute ``values`` (floats or ``(B,)`` arrays); a number once nothing is left."""
        unbound = [p for p in self._parameters if p not in values]
        if unbound:
            terms: dict[Monomial, Any] = {}
            for m, c in self._terms.items():
                factor: Any = c
                rest = []
                for p, k in m:
                    if p in values:
                        factor = factor * np.asarray(values[p], dtype=np.float64) ** k
                    else:
                        rest.append((p, k))
                if isinstance(factor, np.ndarray) and factor.ndim:
                    raise ParameterError(
                        f"cannot partially bind {self} with batched values; "
                        "bind every parameter at once"
                    )
                terms[tuple(rest)] = terms.get(tuple(rest), 0.0) + float(factor)
            return ParameterExpression(terms)
        return self.evaluate(values)

    def evaluate(self, values: Mapping[Parameter, Any]) -> float | np.ndarray:
        """The value at ``values``: a float, or an array when any value is an array."""
        total: Any = 0.0
        for m, c in self._terms.items():
            term: Any = c
            for p, k in m:
                if p not in values:
                    raise UnboundParameterError(f"no value for parameter {p.name!r} in {self}")
                v = values[p]
                term = term * (np.asarray(v, dtype=np.float64) if not _is_number(v) else v) ** k
            total = total + term
        return total if isinstance(total, np.ndarray) and total.ndim else float(total)

    def derivative(self, parameter: Parameter) -> ParameterExpression:
        """The partial derivative with respect to ``parameter``."""
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
        return ParameterExpression(terms)

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
        self._name = name
        self._uuid = uuid or uuid_module.uuid4()
        self._hash = hash(self._uuid)  # parameters key many dicts; hash once
        super().__init__({((self, 1),): 1.0})

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
        self._vector_name, self._index = vector_name, index
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
        if not isinstance(length, numbers.Integral) or length < 0:
            raise QmlTypeError(
                f"a ParameterVector length must be a non-negative int, got {length!r}"
            )
        self.name = name
        self._params = [ParameterVectorElement(name, i) for i in range(int(length))]

    @property
    def params(self) -> list[Parameter]:
        """The elements as a list."""
        return list(self._params)

    def __getitem__(self, index: Any) -> Any:
        return self._params[index]

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._params)

    def __repr__(self) -> str:
        return f"ParameterVector({self.name!r}, {len(self)})"
