"""Sphinx configuration of qml's reference site.

The API reference comes from the docstrings (autodoc imports qml, numpydoc renders the
numpydoc sections); the guide is the README and the tutorials are the notebooks, rendered
by MyST-NB with their stored outputs (never re-executed). Build it strictly, as CI does
(every warning, a broken reference included, is an error)::

    pip install ".[docs]" && sphinx-build -W --keep-going -n -b html docs docs/_build/html

Cross-references are checked (``-n``) for qml's own names; those to numpy, torch, qiskit,
the standard library and the like are not, since no inventory of theirs is fetched (the
build runs offline).
"""

from __future__ import annotations

import importlib
import inspect
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
# The tutorials are pages of this site, but live in notebooks/ (where the tests run them):
# a fresh copy is made beside the pages at every build (docs/notebooks/ is not committed).
shutil.rmtree(DOCS / "notebooks", ignore_errors=True)
shutil.copytree(DOCS.parent / "notebooks", DOCS / "notebooks",
                ignore=shutil.ignore_patterns(".ipynb_checkpoints"))  # fmt: skip

project = "qml"
author = "the qml developers"
release = version = metadata.version("qml")
copyright = "the qml developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
html_theme = "furo"
html_title = f"qml {release}"

# -- API reference ------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autosummary_generate = False
numpydoc_show_class_members = False  # autodoc lists members; numpydoc's tables would repeat them
numpydoc_xref_param_type = False  # parameter types are prose ("array of shape (B, n)")
# the builder's own docstring check: a documented parameter the signature does not have
# (tests/test_docstrings.py also checks the converse)
numpydoc_validation_checks = {"PR02"}

# -- guide and tutorials -------------------------------------------------------------------
nb_execution_mode = "off"  # the notebooks' stored outputs, as the test suite checks them
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# -- reference checking ----------------------------------------------------------------------
nitpicky = True
#: Targets outside qml: no inventory is fetched for them, so they are not checked.
EXTERNAL = (
    "numpy", "np", "scipy", "torch", "qiskit", "qiskit_aer", "sklearn", "matplotlib",
    "pennylane", "dask", "distributed", "typing", "collections", "types", "uuid", "pathlib", "os", "io",
    "numbers", "enum", "dataclasses", "concurrent", "threading", "abc", "json",
)  # fmt: skip
BUILTINS = (
    "int", "float", "complex", "bool", "str", "bytes", "list", "dict", "tuple", "set",
    "frozenset", "object", "type", "slice", "range", "None", "NoneType", "Ellipsis",
    "Exception", "ValueError", "TypeError", "IndexError", "MemoryError", "ImportError",
    "AttributeError", "Any", "Callable", "Iterable", "Iterator", "Sequence", "Mapping",
    "MutableMapping", "Generator", "Literal", "Optional", "Union", "Self", "ndarray",
    "ArrayLike", "DTypeLike", "Tensor",
    # names imported only for type checkers (qiskit), which autodoc cannot evaluate
    "QuantumError", "QuantumCircuit", "Result",
)  # fmt: skip
nitpick_ignore_regex = [
    ("py:.*", rf"({'|'.join(EXTERNAL)})(\..*)?"),
    ("py:.*", rf"({'|'.join(BUILTINS)})"),
]


def _resolve(dotted: str) -> Any:
    """The object at a dotted path, or None: attributes from the top-level module down,
    importing a submodule only where no attribute has the name (a package's re-export
    ``qml.backends.crosscheck`` is the function, not the module of the same name)."""
    parts = dotted.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return None
    for depth, attribute in enumerate(parts[1:], start=2):
        try:
            obj = inspect.getattr_static(obj, attribute)
        except AttributeError:
            if not inspect.ismodule(obj):
                return None
            try:
                obj = importlib.import_module(".".join(parts[:depth]))
            except ImportError:
                return None
    return obj


def _documented(app: Any) -> dict[int, str]:
    """``id(object) -> name`` of every class, function and property the pages document."""
    cache = getattr(app, "_qml_documented", None)
    if cache is None:
        cache = {}
        for name, entry in sorted(app.env.get_domain("py").objects.items()):
            if entry.objtype in ("module", "data", "attribute"):
                continue
            obj = _resolve(name)
            if obj is not None:
                cache.setdefault(id(obj), name)
        app._qml_documented = cache
    return cache


def missing_reference(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a qml name to where the reference documents that object.

    Signatures name an object by its defining module (``qml.circuits.circuit.Circuit``),
    docstrings often by a re-export (``qml.simulate``); the pages document each object
    once, under its package (``qml.circuits.Circuit``, ``qml.simulator.simulate``).
    """
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("qml."):
        return None
    obj = _resolve(target)
    name = _documented(app).get(id(obj)) if obj is not None else None
    if name is None:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, "obj", name, node, contnode)


def skip_foreign_members(app: Any, what: str, name: str, obj: Any, skip: bool,
                         options: Any) -> bool | None:  # fmt: skip
    """Leave out class members that another library adds (scikit-learn's
    ``set_*_request`` methods): they document that library, not qml."""
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and module and not module.startswith("qml"):
        return True
    return None


def setup(app: Any) -> None:
    app.connect("missing-reference", missing_reference)
    app.connect("autodoc-skip-member", skip_foreign_members)
