"""Monte-Carlo confidence limits for the slope index of inequality, vectorised.

The OHID/PHE method draws each quantile's value from a normal distribution (on the log or logit
scale for rates and proportions), refits the weighted regression for every draw, and reads the
limits off the sorted simulated slopes at positions ``round(R * alpha / 2)`` and
``round(R * (1 - alpha / 2))`` (1-based). Here all groups of a batch share one matrix of
standard-normal draws (repetitions x quantiles): each group's draws are still independent
across quantiles and repetitions, so each group's simulated distribution is exactly the
reference one. For an untransformed fit the simulated slope is linear in the draws, so a whole
chunk of groups is one matrix product; otherwise the draws are back-transformed elementwise
and fitted with ``einsum``. Work is chunked over groups so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Largest number of float64 values held in one chunk of simulated statistics (~32 MB).
CHUNK_VALUES = 4_000_000


def limit_positions(repetitions: int, levels: list[float]) -> np.ndarray:
    """0-based positions of the lower and upper limits in ``repetitions`` sorted draws.

    >>> limit_positions(100_000, [0.95]).tolist()
    [[2499, 97499]]
    """
    upper_tail = np.array([level + (1 - level) / 2 for level in levels])
    lower = np.round(repetitions * (1 - upper_tail)).astype(np.int64) - 1
    upper = np.round(repetitions * upper_tail).astype(np.int64) - 1
    return np.clip(np.stack([lower, upper], axis=1), 0, repetitions - 1)


@dataclass(frozen=True)
class SimulationResult:
    """Simulated limits, shape (groups, sets, levels, 2); ``rii`` is None if not asked."""

    slope: np.ndarray
    rii: np.ndarray | None


def _order_statistics(values: np.ndarray, sets: int, positions: np.ndarray) -> np.ndarray:
    """Order statistics at ``positions`` within each of ``sets`` equal runs of repetitions.

    One single-position partition per limit (numpy's vectorised selection) is several times
    faster than one partition at several positions; ``values`` is reordered in place.
    """
    chunk, total = values.shape
    runs = values.reshape(chunk, sets, total // sets)
    out = np.empty((chunk, sets, *positions.shape))
    for (level, side), k in np.ndenumerate(positions):
        runs.partition(k, axis=-1)
        out[:, :, level, side] = runs[:, :, k]
    return out


def simulate_limits(
    centre: np.ndarray,
    spread: np.ndarray,
    slope_weights: np.ndarray,
    intercept_weights: np.ndarray,
    *,
    back_transform: Callable[[np.ndarray], np.ndarray] | None,
    draws: np.ndarray,
    sets: int,
    positions: np.ndarray,
    slope_factor: float,
    rii: bool,
    invert_rii: bool,
) -> SimulationResult:
    """Return simulated limits of ``slope_factor * slope`` (and of the RII) for every group.

    ``centre`` and ``spread`` (groups x quantiles) are the mean and standard deviation of each
    quantile's value on the simulation scale; ``back_transform`` (None for identity) maps
    simulated values back to the scale the line is fitted on. ``draws`` is the shared
    (repetitions x quantiles) standard-normal matrix (float32), split into ``sets`` equal runs.
    Simulated statistics are held in float32 (relative rounding ~1e-7, far below Monte-Carlo
    error); for a linear fit only the random part is simulated and the exact fitted slope is
    added to its order statistics afterwards (order statistics are shift-equivariant).
    """
    n_groups, k = centre.shape
    total = draws.shape[0]
    draws_t = np.ascontiguousarray(draws.T)
    per_group = total * (1 if back_transform is None else k)
    step = max(1, CHUNK_VALUES // per_group)
    slope_out = np.empty((n_groups, sets, *positions.shape))
    rii_out = np.empty_like(slope_out) if rii else None
    slope_hat = slope_factor * (slope_weights * centre).sum(axis=1)
    for start in range(0, n_groups, step):
        part = slice(start, start + step)
        if back_transform is None:
            slope = (slope_weights[part] * spread[part]).astype(np.float32) @ draws_t
            if rii:
                fitted = (slope_weights[part] * centre[part]).sum(axis=1)
                intercept = (intercept_weights[part] * spread[part]).astype(np.float32) @ draws_t
                intercept += (intercept_weights[part] * centre[part]).sum(axis=1)[:, None]
                ratio = slope + fitted[:, None].astype(np.float32)
                ratio += intercept
                ratio /= intercept
                if invert_rii:
                    np.reciprocal(ratio, out=ratio)
                rii_out[part] = _order_statistics(ratio, sets, positions)
            slope *= slope_factor
            slope_out[part] = _order_statistics(slope, sets, positions)
            slope_out[part] += slope_hat[part, None, None, None]
        else:
            values = back_transform(
                centre[part].astype(np.float32)[:, None, :]
                + spread[part].astype(np.float32)[:, None, :] * draws[None, :, :]
            )
            slope = np.einsum("grk,gk->gr", values, slope_weights[part].astype(np.float32))
            if rii:
                intercept = np.einsum(
                    "grk,gk->gr", values, intercept_weights[part].astype(np.float32)
                )
            if rii:
                ratio = (intercept + slope) / intercept
                rii_out[part] = _order_statistics(
                    1 / ratio if invert_rii else ratio, sets, positions
                )
            slope_out[part] = _order_statistics(slope_factor * slope, sets, positions)
    return SimulationResult(slope=slope_out, rii=rii_out)


def mean_absolute_difference(limits: np.ndarray) -> np.ndarray:
    """Reliability of simulated limits: mean |limit in run j - limit in run 1| over runs 2+.

    ``limits`` has shape (groups, sets, levels, 2); the result (groups, levels) averages over
    both limits and runs 2..sets, as the OHID reliability statistic does.
    """
    return np.abs(limits[:, 1:] - limits[:, :1]).mean(axis=(1, 3))
