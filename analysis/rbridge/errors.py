"""Errors raised by the R bridge, each saying what is wrong and how to fix it."""

from __future__ import annotations

from analysis.validation import InputError

INSTALL_R = (
    "Install R and rpy2: on Debian/Ubuntu `apt-get install r-base-core r-base-dev`, "
    "then `pip install 'rpy2<3.6'` in this Python environment "
    "(rpy2 3.6 does not build against R 4.2)."
)


class RUnavailableError(RuntimeError):
    """R or rpy2 is not installed (or R cannot start); the message says how to install them."""


class RPackageError(RuntimeError):
    """An R package is missing or too old; the message gives the R command that installs it."""


class ConversionError(InputError):
    """A column cannot be converted between pandas and R; the message names the column."""
