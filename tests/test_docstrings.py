"""Every public name has a docstring, and a numpydoc ``Parameters`` section names exactly the
signature's parameters.

The public API is what the reference site documents (``docs/api/``): the names in the
``__all__`` of the modules in ``PUBLIC_MODULES`` and the public methods and properties
their classes define. A docstring need not have a ``Parameters`` section (a one-line
docstring of an obvious function is fine), but one that has must list every parameter of
the signature and nothing else, in any order: a renamed or added argument then fails here
instead of leaving the reference stale. A class documents its constructor's parameters in
the class docstring, as numpydoc does.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

#: The public API, as the pages of docs/api/ document it: a module and its public names
#: (None: the module's ``__all__``).
PUBLIC: dict[str, tuple[str, ...] | None] = {
    "qml": None,
    "qml.errors": None,
    "qml.gates": None,
    "qml.circuits": None,
    "qml.circuits.library": None,
    "qml.circuits.encodings": None,
    "qml.circuits.ansatze": None,
    "qml.circuits.templates": None,
    "qml.circuits.observables": ("Pauli", "PauliSum", "as_observable"),
    "qml.simulator": None,
    "qml.simulator.density": ("NoiseSource", "KrausSource"),
    "qml.simulator.gradients": ("ExpectationFunction",),
    "qml.simulator.lazy": None,
    "qml.noise": None,
    "qml.backends": None,
    "qml.hybrid": None,
    "qml.interop.torch": None,
    "qml.interop.dask": None,
}
#: Modules that need an optional dependency: left out where it is missing.
OPTIONAL = {"qml.interop.torch": "torch", "qml.interop.dask": "distributed"}

SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]+)\n(?P<rule>-{3,})$", re.M)


def public_modules() -> Iterator[tuple[Any, tuple[str, ...]]]:
    """``(module, public names)`` for every module of ``PUBLIC`` that imports here."""
    for name, names in PUBLIC.items():
        if name in OPTIONAL:
            try:
                importlib.import_module(OPTIONAL[name])
            except ImportError:
                continue
        module = importlib.import_module(name)
        yield module, tuple(module.__all__) if names is None else names


def public_objects() -> dict[str, Any]:
    """``{dotted name: object}`` of every public function, class, method and property."""
    found: dict[str, Any] = {}
    for module, names in public_modules():
        for name in names:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants and submodules: documented by their module
            found.setdefault(f"{module.__name__}.{name}", obj)
            if inspect.isclass(obj):
                for member_name, member in vars(obj).items():
                    if member_name.startswith("_"):
                        continue
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if inspect.isfunction(member) or isinstance(member, property):
                        found.setdefault(f"{module.__name__}.{name}.{member_name}", member)
    return found


def parameters_section(doc: str) -> list[str] | None:
    """The names a numpydoc ``Parameters`` (and ``Other Parameters``) section documents.

    None when the docstring has no such section. ``x, y : float`` documents two names.
    """
    doc = inspect.cleandoc(doc)
    headers = list(SECTION.finditer(doc))
    names: list[str] | None = None
    for i, header in enumerate(headers):
        if header.group("title") not in ("Parameters", "Other Parameters"):
            continue
        end = headers[i + 1].start() if i + 1 < len(headers) else len(doc)
        body = doc[header.end() : end].splitlines()
        names = names or []
        for line in body:
            if not line.strip() or line.startswith((" ", "\t")):
                continue  # a description line
            entry = line.split(" : ", 1)[0].strip()
            names.extend(part.strip() for part in entry.split(","))
    return names


def signature_names(obj: Any) -> list[str]:
    """The parameters a docstring of ``obj`` documents: ``self``/``cls`` left out, ``*args``
    as ``*args`` or ``args``."""
    function = obj.__init__ if inspect.isclass(obj) else obj
    names = []
    for p in inspect.signature(function).parameters.values():
        if p.name in ("self", "cls"):
            continue
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        names.append(prefix + p.name)
    return names


OBJECTS = public_objects()


def test_the_public_api_is_found() -> None:
    for name in ("qml.simulate", "qml.Circuit.assign_parameters", "qml.gates.Gate.matrix",
                 "qml.simulator.gradients.ExpectationFunction.vjp"):  # fmt: skip
        assert name in OBJECTS, name
    assert len(OBJECTS) > 200


def test_the_section_parser_reads_numpydoc() -> None:
    doc = """One line.

    Parameters
    ----------
    a, b : int
        Two of them.
    *args : float
    c
        Untyped.

    Returns
    -------
    x : float
    """
    assert parameters_section(doc) == ["a", "b", "*args", "c"]
    assert parameters_section("One line.\n\nReturns\n-------\nfloat\n") is None


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_a_public_name_has_a_docstring(name: str) -> None:
    doc = inspect.getdoc(OBJECTS[name])  # an override without one inherits its base's
    assert doc and doc.strip(), f"{name} has no docstring"


@pytest.mark.parametrize(
    "name",
    sorted(
        name for name, obj in OBJECTS.items()
        if not isinstance(obj, property) and parameters_section(obj.__doc__ or "") is not None
    ),
)  # fmt: skip
def test_a_parameters_section_names_exactly_the_signature(name: str) -> None:
    obj = OBJECTS[name]
    documented = parameters_section(obj.__doc__)
    actual = signature_names(obj)
    plain = {n.lstrip("*") for n in actual}
    unknown = [n for n in documented if n not in actual and n not in plain]
    missing = [n for n in actual if n not in documented and n.lstrip("*") not in documented]
    assert not unknown and not missing, (
        f"{name}: the docstring documents {unknown or 'nothing'} beyond the signature and "
        f"leaves out {missing or 'nothing'}; the signature is ({', '.join(actual)})"
    )
    assert len(documented) == len(set(documented)), f"{name} documents a parameter twice"
