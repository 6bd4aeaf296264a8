"""Numerical helpers shared by the likelihood-based models."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def hessian_from_gradient(
    gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray
) -> np.ndarray:
    """Symmetrised Hessian by central differences of an analytic gradient.

    Parameters
    ----------
    gradient
        the function's gradient, a function of the parameter vector.
    theta
        the point at which to differentiate.

    Returns
    -------
    numpy.ndarray
        The square matrix of second derivatives at ``theta``, made symmetric by averaging it
        with its transpose.

    Examples
    --------
    >>> h = hessian_from_gradient(lambda t: np.array([-2 * t[0], -6 * t[1]]), np.array([1.0, 2.0]))
    >>> np.round(h, 8)
    array([[-2.,  0.],
           [ 0., -6.]])
    """
    k = len(theta)
    steps = 1e-5 * np.maximum(1.0, np.abs(theta))
    h = np.empty((k, k))
    for i in range(k):  # a loop over parameters, not over groups or repetitions
        e = np.zeros(k)
        e[i] = steps[i]
        h[:, i] = (gradient(theta + e) - gradient(theta - e)) / (2 * steps[i])
    return (h + h.T) / 2
