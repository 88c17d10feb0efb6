"""Optimizers for flat parameter vectors: SGD with momentum, Adam, SPSA, and scipy's.

Gradient optimizers follow one protocol, ``step(params, grad, lr) -> params``,
so the training loop does not care which it drives. SGD is the setting of
momentum ``0 <= β < 1`` (plain gradient descent at 0); Adam rescales by
running moments. SPSA estimates a gradient from two loss evaluations along a
random ±1 direction, which is what shot-noise training needs. L-BFGS-B and
COBYLA run through ``scipy.optimize.minimize`` on the full batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from qml.errors import OptionError

OPTIMIZERS = ("adam", "sgd", "spsa", "L-BFGS-B", "COBYLA")
SCHEDULES = ("constant", "cosine", "exponential")


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum ``β``."""

    def __init__(self, momentum: float = 0.9) -> None:
        self.momentum = momentum
        self.velocity: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """One update: ``v <- βv + g``, ``params <- params - lr v``."""
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        self.velocity = self.momentum * self.velocity + grad
        return params - lr * self.velocity


class Adam:
    """Adam (Kingma and Ba, 2015) with bias-corrected moments."""

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
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad**2
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return params - lr * m_hat / (np.sqrt(v_hat) + self.eps)


class SPSA:
    """Simultaneous perturbation stochastic approximation (Spall, 1998).

    ``gradient(loss, params, rng)`` estimates the gradient from ``loss`` at
    ``params ± c_k Δ`` for a random ±1 vector ``Δ``, with Spall's decaying
    perturbation ``c_k = c / (k + 1)**0.101``; it tolerates noisy losses.
    """

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


def make_optimizer(name: str, momentum: float = 0.9) -> SGD | Adam | SPSA:
    """The step rule of a gradient-loop optimizer named in ``OPTIMIZERS``."""
    if name == "adam":
        return Adam()
    if name == "sgd":
        return SGD(momentum)
    if name == "spsa":
        return SPSA()
    raise OptionError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


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
