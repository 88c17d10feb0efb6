"""Optimizers for flat parameter vectors: SGD with momentum, Adam, SPSA, and scipy's.

Every optimizer is an :class:`Optimizer` with one interface: ``update(vector,
batch, lr, rng) -> (vector, loss, logits)`` takes one step on a mini-batch
(``batch`` offers ``loss(v)`` and ``loss_and_gradient(v)``), and ``minimize(vector,
batch, epochs, record)`` runs a whole budget on the full training set. Two flags
say how the training loop drives it: ``full_batch`` (it calls ``minimize`` once,
on every training row, and early stopping does not apply) and ``gradient_free``
(it needs loss values only, so it can train from measurement shots).

SGD is the setting of momentum ``0 <= β < 1`` (plain gradient descent at 0);
Adam rescales by running moments; both keep ``step(params, grad, lr)``. SPSA
estimates a gradient from two loss evaluations along a random ±1 direction,
which is what shot-noise training needs. L-BFGS-B and COBYLA run through
``scipy.optimize.minimize`` on the full batch; their scipy names and budgets are
stated once, in ``OPTIMIZERS``. Adding an optimizer is one class (or setting)
and one ``register_optimizer`` call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import numpy as np

from qml.errors import OptionError, QmlTypeError

SCHEDULES = ("constant", "cosine", "exponential")


class Batch(Protocol):
    """What an optimizer may ask of the rows it trains on."""

    def loss(self, vector: np.ndarray) -> tuple[float, np.ndarray]:
        """``(loss, logits)`` at ``vector``."""
        ...

    def loss_and_gradient(self, vector: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``(loss, gradient, logits)`` at ``vector``."""
        ...


class Optimizer:
    """The interface of every optimizer; see the module docstring.

    ``full_batch``: trained by one ``minimize`` call on all training rows.
    ``gradient_free``: uses loss values only (allowed with ``shots``).
    """

    name = "optimizer"
    full_batch = False
    gradient_free = False
    #: What ``n_iter_`` counts after training with it.
    unit = "epoch"

    def update(
        self, vector: np.ndarray, batch: Batch, lr: float, rng: np.random.Generator
    ) -> tuple[np.ndarray, float, np.ndarray]:
        """One step on ``batch``: ``(new vector, loss, logits)`` (for the epoch's report)."""
        loss, grad, logits = batch.loss_and_gradient(vector)
        return self.step(vector, grad, lr), loss, logits

    def step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """A gradient step rule (gradient optimizers)."""
        raise NotImplementedError(f"{self.name} has no gradient step rule")

    def minimize(
        self,
        vector: np.ndarray,
        batch: Batch,
        epochs: int,
        record: Callable[[float, np.ndarray], None],
    ) -> tuple[np.ndarray, int]:
        """Run the whole budget of ``epochs`` on ``batch``; ``(vector, iterations run)``.

        ``record(loss, logits)`` is called at every objective evaluation.
        """
        raise NotImplementedError(f"{self.name} trains on mini-batches; use update")

    def budget(self, epochs: int) -> str:
        """What ``epochs`` buys with this optimizer, in words (for help texts and reports)."""
        return f"{epochs} passes over the training data"


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum ``β``."""

    name = "sgd"

    def __init__(self, momentum: float = 0.9) -> None:
        self.momentum = momentum
        self.velocity: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """One update: ``v <- βv + g``, ``params <- params - lr v``."""
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        self.velocity = self.momentum * self.velocity + grad
        return params - lr * self.velocity


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias-corrected moments."""

    name = "adam"

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m: np.ndarray | None = None
        self.v: np.ndarray | None = None
        self.t = 0

    def step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """One update from the gradient ``grad``."""
        if self.m is None or self.v is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self.t += 1
        # in place: a step is a handful of small array operations, not allocations
        self.m *= self.beta1
        self.m += (1 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1 - self.beta2) * grad * grad
        scale = lr * math.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        eps = self.eps * math.sqrt(1 - self.beta2**self.t)
        return params - scale * self.m / (np.sqrt(self.v) + eps)


class SPSA(Optimizer):
    """Simultaneous perturbation stochastic approximation (Spall, 1998).

    ``gradient(loss, params, rng)`` estimates the gradient from ``loss`` at
    ``params ± c_k Δ`` for a random ±1 vector ``Δ``, with Spall's decaying
    perturbation ``c_k = c / (k + 1)**0.101``; it tolerates noisy losses.
    """

    name = "spsa"
    gradient_free = True

    def __init__(self, perturbation: float = 0.1) -> None:
        self.perturbation = perturbation
        self.k = 0

    def gradient(
        self, loss: Callable[[np.ndarray], float], params: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """A two-evaluation gradient estimate."""
        c = self.perturbation / (self.k + 1) ** 0.101
        self.k += 1
        delta = rng.choice([-1.0, 1.0], size=params.shape)
        return (loss(params + c * delta) - loss(params - c * delta)) / (2 * c) * delta

    def update(
        self, vector: np.ndarray, batch: Batch, lr: float, rng: np.random.Generator
    ) -> tuple[np.ndarray, float, np.ndarray]:
        """A step along the SPSA estimate; the loss and logits are those after the step."""
        grad = self.gradient(lambda v: batch.loss(v)[0], vector, rng)
        vector = vector - lr * grad
        loss, logits = batch.loss(vector)
        return vector, loss, logits


class ScipyOptimizer(Optimizer):
    """``scipy.optimize.minimize(method=method)`` on the full training set.

    ``jac``: the method uses gradients; ``evaluations_per_epoch``: the budget is
    ``epochs`` iterations when None (scipy's ``maxiter``), else that many objective
    evaluations per epoch (COBYLA: one evaluation per iteration, and it needs many);
    ``spare``: evaluations the method needs beyond the number of parameters at the
    least (COBYLA: 2, to build its first simplex), which raise a smaller budget.
    ``options`` go to scipy unchanged.
    """

    full_batch = True

    def __init__(self, method: str, *, jac: bool, evaluations_per_epoch: int | None = None,
                 spare: int | None = None, **options: Any) -> None:  # fmt: skip
        self.name = self.method = method
        self.jac = jac
        self.gradient_free = not jac
        self.evaluations_per_epoch = evaluations_per_epoch
        self.spare = spare
        self.unit = "objective evaluation" if evaluations_per_epoch else "iteration"
        self.options = options

    def maxiter(self, epochs: int, n_params: int = 0) -> int:
        """scipy's ``maxiter`` for a budget of ``epochs`` on ``n_params`` parameters."""
        budget = epochs * (self.evaluations_per_epoch or 1)
        return budget if self.spare is None else max(budget, n_params + self.spare)

    def budget(self, epochs: int) -> str:
        """What ``epochs`` buys, in words."""
        if self.evaluations_per_epoch:
            least = "" if self.spare is None else f", at least parameters + {self.spare}"
            return (f"{self.maxiter(epochs)} objective evaluations "
                    f"({self.evaluations_per_epoch} per epoch{least})")  # fmt: skip
        return f"{epochs} iterations"

    def minimize(
        self,
        vector: np.ndarray,
        batch: Batch,
        epochs: int,
        record: Callable[[float, np.ndarray], None],
    ) -> tuple[np.ndarray, int]:
        """One ``scipy.optimize.minimize`` run; ``(solution, iterations run)``."""
        from scipy.optimize import minimize

        def with_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:
            loss, grad, logits = batch.loss_and_gradient(v)
            record(loss, logits)
            return loss, grad

        def loss_only(v: np.ndarray) -> float:
            loss, logits = batch.loss(v)
            record(loss, logits)
            return loss

        result = minimize(
            with_gradient if self.jac else loss_only, vector, jac=self.jac, method=self.method,
            options={"maxiter": self.maxiter(epochs, len(vector)), **self.options},
        )  # fmt: skip
        iterations = getattr(result, "nit", None) or getattr(result, "nfev", 0)
        return np.asarray(result.x, dtype=np.float64), int(iterations)


_FACTORIES: dict[str, Callable[..., Optimizer]] = {}


def register_optimizer(name: str, factory: Callable[..., Optimizer]) -> None:
    """Make ``factory(momentum=...) -> Optimizer`` available as ``optimizer=name``."""
    if not isinstance(name, str) or not name or not callable(factory):
        raise QmlTypeError(
            f"register_optimizer needs a name (a non-empty str) and a factory function, got "
            f"{name!r:.40} and {type(factory).__name__}"
        )
    _FACTORIES[name] = factory


class _Optimizers(Mapping[str, Callable[..., Optimizer]]):
    def __getitem__(self, name: str) -> Callable[..., Optimizer]:
        return _FACTORIES[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_FACTORIES)

    def __len__(self) -> int:
        return len(_FACTORIES)

    def __repr__(self) -> str:
        return f"OPTIMIZERS({', '.join(_FACTORIES)})"


#: The optimizers by name (a live view): name -> ``factory(momentum=...) -> Optimizer``.
OPTIMIZERS: Mapping[str, Callable[..., Optimizer]] = _Optimizers()

register_optimizer("adam", lambda momentum=0.9: Adam())
register_optimizer("sgd", lambda momentum=0.9: SGD(momentum))
register_optimizer("spsa", lambda momentum=0.9: SPSA())
register_optimizer("L-BFGS-B", lambda momentum=0.9: ScipyOptimizer("L-BFGS-B", jac=True))
register_optimizer(
    "COBYLA",
    lambda momentum=0.9: ScipyOptimizer("COBYLA", jac=False, evaluations_per_epoch=10,
                                        spare=2, rhobeg=0.5),
)  # fmt: skip


def make_optimizer(name: str, momentum: float = 0.9) -> Optimizer:
    """A fresh optimizer named in ``OPTIMIZERS`` (``momentum`` is SGD's)."""
    if not isinstance(name, str) or name not in _FACTORIES:
        raise OptionError(f"unknown optimizer {name!r}; choose one of {', '.join(_FACTORIES)}")
    return _FACTORIES[name](momentum=momentum)


def learning_rate(schedule: str, base: float, epoch: int, epochs: int) -> float:
    """The learning rate of ``epoch`` (0-based) out of ``epochs`` under ``schedule``.

    ``constant``; ``cosine`` decays to a tenth of ``base`` along a half cosine;
    ``exponential`` multiplies by the factor that reaches a tenth at the end.
    """
    if schedule == "constant":
        return base
    progress = epoch / max(1, epochs - 1)
    if schedule == "cosine":
        return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
    if schedule == "exponential":
        return base * 0.1**progress
    raise OptionError(f"unknown lr_schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
