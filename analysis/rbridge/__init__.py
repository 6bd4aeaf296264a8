"""Calling R from Python: PHEindicatormethods/FunnelPlotR when installed, a base-R reference otherwise, and side-by-side tables showing that Python and R agree.

Importing this package never needs R: rpy2 is imported on first use, and a clear
:class:`RUnavailableError` (saying how to install R and rpy2) is raised if it is missing.

- :mod:`analysis.rbridge.convert` -- fast pandas <-> R data.frame conversion.
- :mod:`analysis.rbridge.hooks` -- installed R packages, calling R functions by name, the
  package functions for our measures and the base-R reference statistics (``R/reference.R``).
- :mod:`analysis.rbridge.phe` -- PHEindicatormethods 2.0 / 2.1 calls for our measures.
- :mod:`analysis.rbridge.rcode` -- R calls written as source text, run, and kept (the R code
  a report shows is the code that ran).
- :mod:`analysis.rbridge.align` -- :func:`compare_with_r`, the Python-vs-R alignment table,
  naming the R implementation that ran.
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
