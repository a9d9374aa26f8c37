"""History matching: Gaussian-process emulators of the simulator and implausibility of input sets.

Why history matching rather than a best fit: with a handful of observed figures and a dozen
uncertain inputs, a single optimum is not credible; what can be said is which input sets are
*not ruled out* by the observations (Craig, Goldstein, Vernon, Andrianakis). For input set x and
target i the implausibility is

    I_i(x) = |z_i - E[f_i(x)]| / sqrt(Var_obs,i + Var_disc,i + Var_emul,i(x) + Var_stoch,i(x)),

with z the observation, Var_obs its observation error, Var_disc the model discrepancy (how wrong
the model may be even at its best inputs — stated, never zero), Var_emul the emulator's own
uncertainty and Var_stoch the replication noise of the simulated mean. A set is ruled out when
max_i I_i(x) exceeds the cut-off (3, Pukelsheim's three-sigma rule).

Pure functions on arrays; inputs are scaled to the unit cube of the prior box by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

CUTOFF = 3.0


@dataclass
class Emulator:
    """A GP emulator of one simulator output on the unit cube, with its training noise known."""

    gp: GaussianProcessRegressor
    y_mean: float
    y_scale: float

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the emulated *simulator mean* (replication noise excluded)."""
        mean, std = self.gp.predict(np.atleast_2d(x), return_std=True)
        white = _white_level(self.gp)
        var = np.maximum(std**2 - white, 0.0) * self.y_scale**2
        return mean * self.y_scale + self.y_mean, var


def _white_level(gp: GaussianProcessRegressor) -> float:
    """The fitted white-noise level (model misfit the GP absorbs), which is not emulator uncertainty."""
    kernel = gp.kernel_
    for part in (getattr(kernel, "k1", None), getattr(kernel, "k2", None)):
        if isinstance(part, WhiteKernel):
            return float(part.noise_level)
    return 0.0


def fit_emulator(x: np.ndarray, y: np.ndarray, y_var: np.ndarray, seed: int = 0) -> Emulator:
    """Fit a Matérn-5/2 GP to simulated means ``y`` at unit-cube inputs ``x``.

    ``y_var`` (the variance of each simulated mean, from its replications) enters as a known
    per-point nugget, so the emulator interpolates the signal, not the noise.
    """
    import warnings

    x = np.atleast_2d(x)
    y_mean = float(np.mean(y))
    y_scale = float(np.std(y)) or 1.0
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.full(x.shape[1], 0.5), length_scale_bounds=(0.05, 20.0), nu=2.5
    ) + WhiteKernel(1e-4, (1e-8, 1e-1))
    gp = GaussianProcessRegressor(
        kernel=kernel,
        alpha=np.asarray(y_var) / y_scale**2 + 1e-10,
        normalize_y=False,
        n_restarts_optimizer=3,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(x, (np.asarray(y) - y_mean) / y_scale)
    return Emulator(gp, y_mean, y_scale)


def leave_one_out(x: np.ndarray, y: np.ndarray, y_var: np.ndarray, emulator: Emulator) -> np.ndarray:
    """Standardised leave-one-out errors with the fitted kernel held fixed (mostly within ±2 if the GP is fit)."""
    errors = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        gp = GaussianProcessRegressor(
            kernel=emulator.gp.kernel_,
            optimizer=None,
            alpha=np.asarray(y_var)[keep] / emulator.y_scale**2 + 1e-10,
        )
        gp.fit(x[keep], (y[keep] - emulator.y_mean) / emulator.y_scale)
        m, s = gp.predict(x[i : i + 1], return_std=True)
        var = s[0] ** 2 * emulator.y_scale**2 + y_var[i]
        errors[i] = (y[i] - (m[0] * emulator.y_scale + emulator.y_mean)) / math.sqrt(var)
    return errors


@dataclass(frozen=True)
class Observation:
    """An observed figure and the variances that are not the simulator's own."""

    value: float  # z, the observation
    var_obs: float  # its observation error
    var_disc: float = 0.0  # the model discrepancy


def implausibility(
    predicted: np.ndarray, var_emulator: np.ndarray, observed: Observation, var_stoch: np.ndarray | float
) -> np.ndarray:
    """I(x) for one target at many input sets (see the module docstring)."""
    total = observed.var_obs + observed.var_disc + np.asarray(var_emulator) + np.asarray(var_stoch)
    return np.abs(observed.value - np.asarray(predicted)) / np.sqrt(total)


def latin_hypercube(
    n: int, dims: int, seed: int, low: np.ndarray | None = None, high: np.ndarray | None = None
) -> np.ndarray:
    """n space-filling points in [low, high] (the unit cube by default)."""
    u = qmc.LatinHypercube(d=dims, seed=seed).random(n)
    if low is None or high is None:
        return u
    return low + u * (high - low)


def maximin_subset(points: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Pick n well-spread points from a cloud (greedy maximin from a random start)."""
    if len(points) <= n:
        return points
    rng = np.random.default_rng(seed)
    chosen = [int(rng.integers(len(points)))]
    dist = np.linalg.norm(points - points[chosen[0]], axis=1)
    while len(chosen) < n:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(points - points[nxt], axis=1))
    return points[chosen]
