"""Parameters, parameter vectors, expressions, and binding them in circuits."""

from __future__ import annotations

import numpy as np
import pytest

from qml import Circuit, Parameter, ParameterExpression, ParameterVector, QmlError
from qml.circuits import ParameterVectorElement
from qml.errors import ParameterError, ShapeError, UnboundParameterError
from qml.gates import CRX, RX, RY, RZ

# -- Parameter and ParameterVector ---------------------------------------------------------------


def test_a_parameter_has_its_name():
    theta = Parameter("θ")
    assert (theta.name, str(theta), repr(theta)) == ("θ", "θ", "Parameter('θ')")


def test_parameters_are_the_same_only_if_they_are_the_same_object():
    a = Parameter("a")
    assert a == a
    assert a != Parameter("a")
    assert len({a, Parameter("a")}) == 2


def test_a_parameter_needs_a_non_empty_name():
    with pytest.raises(QmlError, match="non-empty string name"):
        Parameter("")


def test_parameter_vector_elements_are_named_like_qiskit_s():
    x = ParameterVector("x", 4)
    assert [p.name for p in x] == ["x[0]", "x[1]", "x[2]", "x[3]"]
    assert len(x) == 4 and x[2] is x.params[2] and list(x[1:3]) == x.params[1:3]


def test_parameter_vector_elements_know_their_vector_and_index():
    x = ParameterVector("x", 3)
    assert isinstance(x[1], ParameterVectorElement)
    assert (x[1].vector_name, x[1].index) == ("x", 1)


def test_a_parameter_vector_refuses_a_negative_length():
    with pytest.raises(QmlError, match="non-negative int"):
        ParameterVector("x", -1)


# -- expressions -----------------------------------------------------------------------------------


def test_affine_expression_binds_to_a_float():
    theta = Parameter("θ")
    value = (2 * theta + 1).bind({theta: 0.25})
    assert value == 1.5 and isinstance(value, float)


def test_affine_expression_binds_to_an_array():
    theta = Parameter("θ")
    values = (0.5 - 3 * theta).bind({theta: np.array([0.0, 1.0, 2.0])})
    np.testing.assert_allclose(values, [0.5, -2.5, -5.5])


def test_expression_reports_its_affine_form():
    theta, phi = Parameter("θ"), Parameter("φ")
    assert (2 * theta + 1).affine() == (theta, 2.0, 1.0)
    assert (theta * phi).affine() is None


def test_product_of_parameters_evaluates_like_the_closed_form():
    a, b = Parameter("a"), Parameter("b")
    expr = (np.pi - a) * (np.pi - b)
    assert expr.bind({a: 0.3, b: 1.1}) == pytest.approx((np.pi - 0.3) * (np.pi - 1.1))
    batch = expr.bind({a: np.array([0.3, 0.5]), b: np.array([1.1, -1.0])})
    np.testing.assert_allclose(
        batch, (np.pi - np.array([0.3, 0.5])) * (np.pi - np.array([1.1, -1]))
    )


def test_derivative_of_a_polynomial_is_exact():
    a, b = Parameter("a"), Parameter("b")
    expr = a * b - 3 * a**2 + 5
    assert expr.derivative(a) == b - 6 * a
    assert expr.derivative(b) == a
    assert expr.derivative(Parameter("c")) == 0


def test_partial_binding_leaves_an_expression_in_the_rest():
    a, b = Parameter("a"), Parameter("b")
    partial = (a * b + a).bind({a: 2.0})
    assert isinstance(partial, ParameterExpression)
    assert partial == 2 * b + 2
    assert partial.parameters == (b,)


def test_expressions_with_the_same_terms_are_equal():
    a = Parameter("a")
    assert 2 * a == a + a
    assert a - a == 0
    assert (a + 1) / 2 == 0.5 * a + 0.5


def test_expression_prints_as_a_polynomial():
    a, b = Parameter("a"), Parameter("b")
    assert str(2 * a + 1) == "2*a + 1"
    assert str(a * b - 3 * a**2) == "a*b - 3*a**2"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda a: a / Parameter("b"), "cannot divide by the expression b"),
        (lambda a: a / 0, "division of a by zero"),
        (lambda a: a**0.5, "non-negative integer powers"),
        (lambda a: 1 / a, "cannot divide by the expression a"),
    ],
    ids=["by-parameter", "by-zero", "fractional-power", "reciprocal"],
)
def test_non_polynomial_operations_are_refused(make, message):
    with pytest.raises(ParameterError, match=message):
        make(Parameter("a"))


def test_an_unbound_expression_has_no_float_value():
    a = Parameter("a")
    with pytest.raises(UnboundParameterError, match="depends on a; bind it"):
        float(2 * a)


# -- circuit.parameters ----------------------------------------------------------------------------


def test_circuit_parameters_are_in_order_of_first_appearance_without_repeats():
    a, b, c = Parameter("c"), Parameter("b"), Parameter("a")  # names deliberately unsorted
    circuit = Circuit(2).rx(a, 0).ry(b * a, 1).rz(a + 1, 0).crx(c - b, 0, 1)
    assert circuit.parameters == (a, b, c)
    assert circuit.num_parameters == 3


def test_circuit_parameters_list_the_vector_elements_used():
    x = ParameterVector("x", 4)
    circuit = Circuit(2).ry(x[3], 0).ry(x[0], 1).rzz(x[3] * x[1], 0, 1)
    assert [p.name for p in circuit.parameters] == ["x[3]", "x[0]", "x[1]"]


def test_parameters_only_in_the_global_phase_come_after_the_gates():
    gamma, theta = Parameter("γ"), Parameter("θ")
    first = Circuit(1, global_phase=gamma).rx(theta, 0)
    later = Circuit(1).rx(theta, 0)
    later.global_phase = gamma
    assert first.parameters == later.parameters == (theta, gamma)


def test_copy_keeps_the_parameter_order():
    gamma, theta, phi = Parameter("γ"), Parameter("θ"), Parameter("φ")
    circuit = Circuit(1).rx(theta, 0)
    circuit.global_phase = gamma + phi
    circuit.ry(phi, 0)
    assert circuit.copy().parameters == circuit.parameters == (theta, phi, gamma)


def test_replacing_the_global_phase_forgets_its_parameters():
    circuit = Circuit(1, global_phase=Parameter("γ"))
    circuit.global_phase = 0.5
    assert circuit.parameters == ()


def test_two_parameters_with_one_name_are_refused():
    circuit = Circuit(1).rx(Parameter("a"), 0)
    with pytest.raises(ParameterError, match="different parameter named 'a'; reuse"):
        circuit.ry(Parameter("a"), 0)


def test_a_global_phase_parameter_clashing_with_a_gate_s_name_is_refused():
    circuit = Circuit(1).rx(Parameter("a"), 0)
    with pytest.raises(ParameterError, match="different parameter named 'a'"):
        circuit.global_phase = Parameter("a")


def test_a_gate_parameter_clashing_with_a_global_phase_s_name_is_refused():
    circuit = Circuit(1, global_phase=Parameter("a"))
    with pytest.raises(ParameterError, match="different parameter named 'a'"):
        circuit.rx(Parameter("a"), 0)


# -- assign_parameters -----------------------------------------------------------------------------


@pytest.fixture
def circuit_ab():
    a, b = Parameter("a"), Parameter("b")
    circuit = Circuit(2, global_phase=a / 2).rx(a, 0).ry(2 * b + 1, 1).rz(a * b, 0)
    return circuit, a, b


def expected_bound(a_value, b_value):
    return (
        Circuit(2, global_phase=a_value / 2)
        .rx(a_value, 0)
        .ry(2 * b_value + 1, 1)
        .rz(a_value * b_value, 0)
    )


def test_assign_parameters_with_a_mapping(circuit_ab):
    circuit, a, b = circuit_ab
    assert circuit.assign_parameters({a: 0.3, b: -0.7}) == expected_bound(0.3, -0.7)


def test_assign_parameters_with_a_sequence_in_parameters_order(circuit_ab):
    circuit, _, _ = circuit_ab
    assert circuit.assign_parameters([0.3, -0.7]) == expected_bound(0.3, -0.7)
    assert circuit.assign_parameters(np.array([0.3, -0.7])) == expected_bound(0.3, -0.7)


def test_assign_parameters_by_name(circuit_ab):
    circuit, _, _ = circuit_ab
    assert circuit.assign_parameters({"a": 0.3, "b": -0.7}) == expected_bound(0.3, -0.7)


def test_assign_parameters_by_parameter_vector():
    x = ParameterVector("x", 2)
    circuit = Circuit(2).rx(x[0], 0).ry(x[1], 1)
    assert circuit.assign_parameters({x: [0.1, 0.2]}) == Circuit(2).rx(0.1, 0).ry(0.2, 1)


def test_assign_parameters_leaves_the_original_unchanged(circuit_ab):
    circuit, a, b = circuit_ab
    before = circuit.copy()
    circuit.assign_parameters([0.3, -0.7])
    assert circuit == before and circuit.parameters == (a, b)


def test_partial_assignment_keeps_the_rest_symbolic(circuit_ab):
    circuit, a, b = circuit_ab
    partial = circuit.assign_parameters({a: 0.3})
    assert partial.parameters == (b,)
    assert partial[2].gate == RZ(0.3 * b)


def test_assign_parameters_with_batches_makes_batched_gates(circuit_ab):
    circuit, _, _ = circuit_ab
    bound = circuit.assign_parameters(np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]))
    assert bound.parameters == ()
    assert bound[0].gate == RX(np.array([0.1, 0.3, 0.5]))
    assert bound[1].gate == RY(np.array([1.4, 1.8, 2.2]))
    np.testing.assert_allclose(bound.global_phase, [0.05, 0.15, 0.25])


def test_assign_parameters_with_a_vector_batch():
    x = ParameterVector("x", 2)
    circuit = Circuit(2).rx(x[0], 0).crx(x[1], 0, 1)
    bound = circuit.assign_parameters({x: np.array([[0.1, 0.2], [0.3, 0.4]])})
    assert bound[1].gate == CRX(np.array([0.2, 0.4]))


def test_assign_parameters_with_the_wrong_length_lists_the_expected_shape(circuit_ab):
    circuit, _, _ = circuit_ab
    with pytest.raises(ShapeError, match=r"shape \(2,\) or \(B, 2\) .*\(a, b\); got shape \(3,\)"):
        circuit.assign_parameters([0.1, 0.2, 0.3])


def test_assign_parameters_with_an_unknown_name_lists_the_known_ones(circuit_ab):
    circuit, _, _ = circuit_ab
    with pytest.raises(ParameterError, match="no parameter named 'c'; it has a, b"):
        circuit.assign_parameters({"c": 0.1})


def test_assign_parameters_refuses_a_foreign_parameter_unless_not_strict(circuit_ab):
    circuit, a, _ = circuit_ab
    stranger = Parameter("z")
    with pytest.raises(ParameterError, match=r"not parameters of this circuit: z.*strict=False"):
        circuit.assign_parameters({a: 0.1, stranger: 0.2})
    assert circuit.assign_parameters({a: 0.1, stranger: 0.2}, strict=False).num_parameters == 1


def test_assign_parameters_explains_a_same_named_stranger(circuit_ab):
    circuit, _, _ = circuit_ab
    with pytest.raises(ParameterError, match="different Parameter object with the name"):
        circuit.assign_parameters({Parameter("a"): 0.1})


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"a": "x"}, TypeError, "expected real numbers"),
        (["x", 0.2], TypeError, "expected real numbers"),
        ({1: 0.2}, TypeError, "keyed by Parameter, ParameterVector or name"),
        ({"a": np.zeros((2, 2))}, ValueError, r"float or an array of shape \(B,\)"),
        ({"a": float("nan")}, ValueError, "non-finite"),
    ],
    ids=["string-value", "string-in-sequence", "int-key", "2d-value", "nan"],
)
def test_assign_parameters_refuses_bad_values_with_a_qml_error(circuit_ab, values, error, message):
    circuit, _, _ = circuit_ab
    with pytest.raises(QmlError, match=message) as caught:
        circuit.assign_parameters(values)
    assert isinstance(caught.value, error)
