"""The circuit library: data encodings and variational ansätze, as plain functions.

The encodings live in :mod:`qml.circuits.encodings`, the ansätze in
:mod:`qml.circuits.ansatze`, what they share in :mod:`qml.circuits.templates`; this
module gathers their public names and states the conventions all of them keep.

Every template is a function returning a fresh :class:`~qml.circuits.Circuit`
(as qiskit's ``real_amplitudes()``), never a subclass: binding is indexing one
parameter array, nothing to rebuild.

Conventions
-----------
* Qubits are qiskit's little-endian: qubit ``q`` is bit ``q`` of a state's index.
* Each template makes one fresh :class:`~qml.circuits.ParameterVector` named by
  its ``parameter_prefix``: ``"x"`` for data inputs (encodings) and ``"θ"`` for
  trainable weights (ansätze; qiskit's prefix, so ``real_amplitudes`` and
  friends carry the very names qiskit gives them).
* A template uses its vector in index order, so ``circuit.parameters`` is
  ``(x[0], x[1], ...)`` or ``(θ[0], θ[1], ...)``: a ``params`` array's column
  ``i`` is element ``i``. Which gate element ``i`` drives is stated in each
  function's docstring, and matches qiskit or PennyLane where a template of
  the same name exists there.
* ``Circuit.parameters`` lists parameters in order of first appearance, so
  ``encoding.compose(ansatz)`` lists the **data inputs first, then the
  weights**; :func:`~qml.circuits.ansatze.data_reuploading` keeps that order. With data ``X`` of
  shape ``(B, d)`` and weights ``w`` of shape ``(m,)``, the batched ``params``
  for ``qml.simulate`` is ``np.hstack([X, np.broadcast_to(w, (B, m))])``, or by
  name, whatever the order: ``stack_parameters(circuit, {"x": X, "θ": w})``.
* Two templates with the same prefix cannot share a circuit (a circuit refuses
  two different parameters of one name); give one another ``parameter_prefix``.
* Every ansatz takes ``before_layer``, a circuit inserted before each of its
  layers: data re-uploading, wrapped by :func:`~qml.circuits.ansatze.data_reuploading`.
* Entanglement is a name from ``ENTANGLEMENTS`` (qiskit's meaning, plus
  ``"ring"``) or an explicit list of ``(control, target)`` pairs; unknown names
  of entanglements, rotations, ansätze raise :class:`~qml.errors.OptionError`
  listing the valid ones.
"""

from qml.circuits.ansatze import (
    ANSATZE,
    data_reuploading,
    efficient_su2,
    hardware_efficient,
    real_amplitudes,
    strongly_entangling_layers,
)
from qml.circuits.encodings import (
    ENCODINGS,
    amplitude_angles,
    amplitude_encoding,
    angle_encoding,
    iqp_encoding,
    zz_feature_map,
)
from qml.circuits.templates import (
    ENTANGLEMENTS,
    MAX_TEMPLATE_GATES,
    ROTATIONS,
    entanglement_pairs,
    stack_parameters,
)

__all__ = [
    "ANSATZE",
    "ENCODINGS",
    "ENTANGLEMENTS",
    "MAX_TEMPLATE_GATES",
    "ROTATIONS",
    "amplitude_angles",
    "amplitude_encoding",
    "angle_encoding",
    "data_reuploading",
    "efficient_su2",
    "entanglement_pairs",
    "hardware_efficient",
    "iqp_encoding",
    "real_amplitudes",
    "stack_parameters",
    "strongly_entangling_layers",
    "zz_feature_map",
]
