"""Calling R from Python: PHEindicatormethods/FunnelPlotR when installed, a base-R reference
otherwise, and side-by-side tables showing that Python and R agree.

Importing this package never needs R: rpy2 is imported on first use, and a clear
:class:`RUnavailableError` (saying how to install R and rpy2) is raised if it is missing.

- :mod:`analysis.rbridge.convert` -- fast pandas <-> R data.frame conversion.
- :mod:`analysis.rbridge.hooks` -- installed R packages and calling R functions by name.
- :mod:`analysis.rbridge.reference` -- the base-R reference statistics (``R/reference.R``).
- :mod:`analysis.rbridge.align` -- :func:`compare_with_r`, the Python-vs-R alignment table.
- :mod:`analysis.rbridge.funnelplotr` -- FunnelPlotR's ``funnel_plot`` with our argument names
  (:func:`funnel_plot_r`) and its agreement with our overdispersed funnels.
"""

from analysis.rbridge.convert import round_trip, to_pandas, to_r
from analysis.rbridge.errors import ConversionError, RPackageError, RUnavailableError
from analysis.rbridge.funnelplotr import (
    FunnelPlotRResult,
    from_funnelplotr,
    funnel_plot_r,
    funnelplotr_agreement,
)
from analysis.rbridge.session import r_available, r_version

__all__ = [
    "ConversionError",
    "FunnelPlotRResult",
    "RPackageError",
    "RUnavailableError",
    "from_funnelplotr",
    "funnel_plot_r",
    "funnelplotr_agreement",
    "r_available",
    "r_version",
    "round_trip",
    "to_pandas",
    "to_r",
]
