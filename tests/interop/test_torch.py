"""``qml.interop.torch.QuantumLayer``: values and gradients against closed forms, finite
differences (``torch.autograd.gradcheck``) and qml's own ``expectation`` and ``vjp``; one
qml call per batch; dtypes, devices and shapes at the boundary; training inside
``nn.Sequential``; ``state_dict``; ``torch.compile``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: pip install '.[torch]' to test QuantumLayer"
)

import qml  # noqa: E402
from qml.circuits.library import angle_encoding, hardware_efficient, stack_parameters  # noqa: E402
from qml.errors import (  # noqa: E402
    MissingDependencyError,
    ParameterError,
    QmlError,
    QmlTypeError,
    QmlValueError,
    ShapeError,
)
from qml.hybrid import load_dataset  # noqa: E402
from qml.interop.torch import QuantumLayer  # noqa: E402

Z0, Z1, Z2 = qml.Pauli("IIZ"), qml.Pauli("IZI"), qml.Pauli("ZII")


def small_circuit() -> tuple[qml.Circuit, qml.ParameterVector, qml.ParameterVector]:
    """Three qubits, two inputs, four weights: Pauli and controlled rotations, U, an
    affine expression and a product of parameters (the chain rule's general path)."""
    x, w = qml.ParameterVector("x", 2), qml.ParameterVector("w", 4)
    c = qml.Circuit(3).ry(x[0], 0).rx(x[1], 1).h(2)
    c.cx(0, 1).cry(w[0], 1, 2).rz(2 * w[1] + 0.5, 0).u(w[2], x[0], 0.3, 1)
    c.rxx(w[3] * x[1], 0, 2).ry(w[0], 1)
    return c, x, w


def observables() -> list[Any]:
    return [Z0, 0.5 * qml.Pauli("XZI") + qml.Pauli("IYY"), Z2]


def params_matrix(circuit: qml.Circuit, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return stack_parameters(circuit, {"x": x, "w": w})


def layer_of(circuit: qml.Circuit, obs: Any, dtype: Any = torch.float64, **kw: Any) -> Any:
    return QuantumLayer(circuit, obs, inputs="x", dtype=dtype, **kw)


def functional(layer: Any) -> Any:
    """``(inputs, weights) -> outputs``, weights passed explicitly (for gradcheck)."""
    return lambda inputs, weights: torch.func.functional_call(
        layer, {"weights": weights}, (inputs,)
    )


# -- values ----------------------------------------------------------------------------


def test_one_qubit_layer_gives_the_closed_form_cosine() -> None:
    x, w = qml.Parameter("x"), qml.Parameter("w")
    layer = QuantumLayer(qml.Circuit(1).ry(x, 0).ry(w, 0), "Z", inputs=x, initial_weights=[0.4],
                         dtype=torch.float64)  # fmt: skip
    inputs = torch.linspace(-3, 3, 7, dtype=torch.float64).reshape(7, 1)
    torch.testing.assert_close(layer(inputs), torch.cos(inputs[:, 0] + 0.4), rtol=0, atol=1e-12)


def test_outputs_equal_qml_expectation(rng) -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, observables())
    inputs = rng.uniform(-np.pi, np.pi, (9, 2))
    out = layer(torch.from_numpy(inputs))
    expected = qml.expectation(
        circuit, observables(), params_matrix(circuit, inputs, layer.weights.detach().numpy())
    )
    assert out.shape == (9, 3)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=0, atol=1e-12)


def test_a_single_observable_gives_one_value_per_row(rng) -> None:
    circuit, _, _ = small_circuit()
    inputs = torch.from_numpy(rng.uniform(-1, 1, (5, 2)))
    single, listed = layer_of(circuit, Z1), layer_of(circuit, [Z1])
    listed.load_state_dict(single.state_dict())
    assert single(inputs).shape == (5,)
    torch.testing.assert_close(single(inputs), listed(inputs)[:, 0], rtol=0, atol=0)


def test_leading_axes_are_kept_and_an_unbatched_row_works(rng) -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, observables())
    inputs = torch.from_numpy(rng.uniform(-1, 1, (2, 3, 2)))
    out = layer(inputs)
    assert out.shape == (2, 3, 3)
    torch.testing.assert_close(out.reshape(6, 3), layer(inputs.reshape(6, 2)), rtol=0, atol=0)
    torch.testing.assert_close(layer(inputs[1, 2]), out[1, 2], rtol=0, atol=0)


def test_vector_names_select_parameters_as_stack_parameters_does(rng) -> None:
    circuit = angle_encoding(3).compose(hardware_efficient(3, reps=2))
    layer = QuantumLayer(circuit, [Z0, Z2], inputs="x", dtype=torch.float64)
    assert [str(p) for p in layer.input_parameters] == ["x[0]", "x[1]", "x[2]"]
    assert layer.weight_parameters == circuit.parameters[3:]  # the rest, in circuit order
    inputs = rng.uniform(-1, 1, (4, 3))
    weights = layer.weights.detach().numpy()
    expected = qml.expectation(
        circuit, [Z0, Z2], stack_parameters(circuit, {"x": inputs, "θ": weights})
    )
    np.testing.assert_allclose(layer(torch.from_numpy(inputs)).detach(), expected, atol=1e-12)


def test_weights_given_in_another_order_are_used_in_that_order(rng) -> None:
    circuit, x, w = small_circuit()
    reordered = [w[2], w[0], w[3], w[1]]
    layer = QuantumLayer(circuit, Z0, inputs=x, weights=reordered, dtype=torch.float64)
    values = np.array([0.1, 0.2, 0.3, 0.4])
    layer.weights.data = torch.from_numpy(values)
    inputs = rng.uniform(-1, 1, (3, 2))
    natural = np.array([0.2, 0.4, 0.1, 0.3])  # w[0], w[1], w[2], w[3]
    expected = qml.expectation(circuit, Z0, params_matrix(circuit, inputs, natural))
    np.testing.assert_allclose(layer(torch.from_numpy(inputs)).detach(), expected, atol=1e-12)


def test_an_empty_batch_gives_an_empty_output_and_zero_gradients() -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, observables())
    out = layer(torch.zeros((0, 2), dtype=torch.float64))
    assert out.shape == (0, 3)
    out.sum().backward()
    assert torch.equal(layer.weights.grad, torch.zeros(4, dtype=torch.float64))


# -- gradients -------------------------------------------------------------------------


def test_gradients_equal_the_pullback_of_qml_vjp(rng) -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, observables())
    inputs = torch.from_numpy(rng.uniform(-np.pi, np.pi, (7, 2))).requires_grad_()
    cotangent = rng.normal(size=(7, 3))
    (layer(inputs) * torch.from_numpy(cotangent)).sum().backward()

    params = params_matrix(circuit, inputs.detach().numpy(), layer.weights.detach().numpy())
    _, pullback = qml.vjp(circuit, observables(), params)
    expected = pullback(cotangent)  # (7, 6): x[0], x[1], then w in circuit order
    x_columns = [circuit.parameters.index(p) for p in layer.input_parameters]
    w_columns = [circuit.parameters.index(p) for p in layer.weight_parameters]
    np.testing.assert_allclose(inputs.grad.numpy(), expected[:, x_columns], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        layer.weights.grad.numpy(), expected[:, w_columns].sum(axis=0), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("observable", ["list", "single"])
def test_gradcheck_passes_in_float64(observable, rng) -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, observables() if observable == "list" else Z1)
    inputs = torch.from_numpy(rng.uniform(-np.pi, np.pi, (4, 2))).requires_grad_()
    weights = torch.from_numpy(rng.uniform(-np.pi, np.pi, 4)).requires_grad_()
    assert torch.autograd.gradcheck(functional(layer), (inputs, weights), eps=1e-6, atol=1e-7)


def test_gradcheck_passes_for_a_library_circuit_with_leading_axes(rng) -> None:
    circuit = angle_encoding(2, "rx").compose(hardware_efficient(2, reps=2))
    layer = QuantumLayer(circuit, ["ZI", "XX"], inputs="x", dtype=torch.float64)
    inputs = torch.from_numpy(rng.uniform(-np.pi, np.pi, (2, 3, 2))).requires_grad_()
    weights = layer.weights.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(functional(layer), (inputs, weights), eps=1e-6, atol=1e-7)


def test_a_batch_is_one_forward_and_one_backward_call(rng) -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, observables())
    calls: list[tuple[str, tuple[int, ...]]] = []
    function = layer._function
    original_vjp = function.vjp

    def counting_vjp(params: np.ndarray) -> Any:
        calls.append(("vjp", params.shape))
        values, pullback = original_vjp(params)

        def counting_pullback(grad: np.ndarray) -> np.ndarray:
            calls.append(("pullback", grad.shape))
            return pullback(grad)

        return values, counting_pullback

    function.vjp = counting_vjp
    inputs = torch.from_numpy(rng.uniform(-1, 1, (16, 2))).requires_grad_()
    layer(inputs).sum().backward()
    assert calls == [("vjp", (16, 6)), ("pullback", (16, 3))]


def test_without_gradients_no_adjoint_state_is_prepared(rng) -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, observables())
    layer._function.vjp = None  # calling it would fail
    with torch.no_grad():
        out = layer(torch.from_numpy(rng.uniform(-1, 1, (3, 2))))
    assert out.shape == (3, 3) and not out.requires_grad


def test_a_second_derivative_is_refused() -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, Z0)
    inputs = torch.zeros((2, 2), dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad((layer(inputs) ** 2).sum(), inputs, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice"):
        grad.sum().backward()


# -- dtypes, devices, shapes -------------------------------------------------------------


def test_float32_inputs_give_float32_outputs_and_gradients(rng) -> None:
    circuit, _, _ = small_circuit()
    layer64 = layer_of(circuit, observables())
    layer32 = layer_of(circuit, observables(), dtype=torch.float32)
    layer32.load_state_dict({"weights": layer64.weights.detach().float()})
    values = rng.uniform(-1, 1, (5, 2))
    inputs32 = torch.tensor(values, dtype=torch.float32, requires_grad=True)
    inputs64 = inputs32.detach().double().requires_grad_()
    layer64.weights.data = layer32.weights.detach().double()  # the same rounded angles
    out32, out64 = layer32(inputs32), layer64(inputs64)
    out32.sum().backward()
    out64.sum().backward()
    assert out32.dtype == inputs32.grad.dtype == layer32.weights.grad.dtype == torch.float32
    torch.testing.assert_close(out32, out64.float(), rtol=0, atol=1e-6)
    torch.testing.assert_close(inputs32.grad, inputs64.grad.float(), rtol=0, atol=1e-6)


def test_double_and_float_convert_the_weights() -> None:
    circuit, _, _ = small_circuit()
    layer = QuantumLayer(circuit, Z0, inputs="x", dtype=torch.float32)
    assert layer.double().weights.dtype == torch.float64
    assert layer.float().weights.dtype == torch.float32


def test_a_tensor_off_the_cpu_is_refused_with_a_qml_error() -> None:
    circuit, _, _ = small_circuit()
    layer = layer_of(circuit, Z0)
    with pytest.raises(QmlValueError, match=r"device meta.*\.cpu\(\)"):
        layer(torch.zeros((2, 2), dtype=torch.float64, device="meta"))
    with pytest.raises(QmlValueError, match=r"layer's weights.*device meta"):
        layer.to("meta")(torch.zeros((2, 2), dtype=torch.float64))


def test_integer_inputs_are_refused() -> None:
    circuit, _, _ = small_circuit()
    with pytest.raises(QmlTypeError, match="int64"):
        layer_of(circuit, Z0)(torch.zeros((2, 2), dtype=torch.int64))


def test_an_input_of_the_wrong_width_is_refused() -> None:
    circuit, _, _ = small_circuit()
    with pytest.raises(ShapeError, match=r"\(\.\.\., 2\).*x\[0\], x\[1\].*\(4, 3\)"):
        layer_of(circuit, Z0)(torch.zeros((4, 3), dtype=torch.float64))


def test_every_circuit_parameter_must_be_an_input_or_a_weight() -> None:
    circuit, x, w = small_circuit()
    with pytest.raises(ParameterError, match=r"w\[3\] are neither inputs nor weights"):
        QuantumLayer(circuit, Z0, inputs=x, weights=[w[0], w[1], w[2]])
    with pytest.raises(ParameterError, match=r"x\[1\] named both"):
        QuantumLayer(circuit, Z0, inputs=x, weights=[x[1], *w])
    with pytest.raises(ParameterError, match="no parameter or parameter vector named 'y'"):
        QuantumLayer(circuit, Z0, inputs="y")
    with pytest.raises(ParameterError, match="does not appear"):
        QuantumLayer(circuit, Z0, inputs=[qml.Parameter("z")])
    with pytest.raises(QmlTypeError, match=r"Circuit\.from_qiskit"):
        QuantumLayer(circuit.to_qiskit(), Z0, inputs=x)


def test_training_does_not_write_into_the_initial_weights_given() -> None:
    circuit, x, _ = small_circuit()
    start = np.array([0.1, 0.2, 0.3, 0.4])
    layer = QuantumLayer(circuit, Z0, inputs=x, initial_weights=start, dtype=torch.float64)
    with torch.no_grad():
        layer.weights.add_(1.0)  # what an optimizer step does
    np.testing.assert_array_equal(start, [0.1, 0.2, 0.3, 0.4])


def test_initial_weights_of_the_wrong_length_are_refused() -> None:
    circuit, x, _ = small_circuit()
    with pytest.raises(ShapeError, match=r"shape \(4,\).*got \(3,\)"):
        QuantumLayer(circuit, Z0, inputs=x, initial_weights=[0.1, 0.2, 0.3])


# -- in a model ----------------------------------------------------------------------------


def hybrid_model(seed: int) -> Any:
    """An MLP (2 -> 8 -> 3) into a 3-qubit quantum layer (3 <Z_i>) into a linear head."""
    torch.manual_seed(seed)
    circuit = angle_encoding(3).compose(hardware_efficient(3, reps=2))
    quantum = QuantumLayer(circuit, [Z0, Z1, Z2], inputs="x")
    return torch.nn.Sequential(
        torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3), quantum,
        torch.nn.Linear(3, 2),
    )  # fmt: skip


def toy_data() -> tuple[Any, Any]:
    X, y = load_dataset("moons", n_samples=64, noise=0.1, random_state=0)
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.int64)


def test_a_hybrid_mlp_with_a_quantum_layer_trains() -> None:
    model = hybrid_model(seed=0)
    X, y = toy_data()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(25):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses
    quantum = model[3]
    assert quantum.weights.grad is not None and quantum.weights.grad.abs().sum() > 0


def test_state_dict_round_trips_through_a_file(tmp_path) -> None:
    X, _ = toy_data()
    trained, fresh = hybrid_model(seed=1), hybrid_model(seed=2)
    assert not torch.equal(trained(X), fresh(X))
    torch.save(trained.state_dict(), tmp_path / "model.pt")
    fresh.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True))
    assert "3.weights" in fresh.state_dict()
    torch.testing.assert_close(fresh(X), trained(X), rtol=0, atol=0)


@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
def test_torch_compile_breaks_the_graph_at_the_qml_call(backend) -> None:
    model = hybrid_model(seed=3)
    X, y = toy_data()
    expected = model(X)
    torch.nn.functional.cross_entropy(expected, y).backward()
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    torch._dynamo.reset()
    compiled = torch.compile(model, backend=backend)
    out = compiled(X)
    torch.nn.functional.cross_entropy(out, y).backward()
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)
    for p, g in zip(model.parameters(), grads, strict=True):
        torch.testing.assert_close(p.grad, g, rtol=0, atol=1e-6)
    explanation = torch._dynamo.explain(model)(X)
    assert explanation.graph_break_count == 1
    assert "disable" in str(explanation.break_reasons[0].reason)


# -- imports ----------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_import_qml_and_qml_interop_do_not_import_torch() -> None:
    result = run_python("import sys, qml, qml.interop; print('torch' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_without_torch_the_import_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"  # what an environment without torch sees
        "try:\n    import qml.interop.torch\n"
        "except ImportError as error:\n"
        "    import qml; print(type(error).__name__, isinstance(error, qml.QmlError), error)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{MissingDependencyError.__name__} True")
    assert "qml[torch]" in result.stdout
    assert issubclass(MissingDependencyError, QmlError)
