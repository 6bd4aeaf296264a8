"""Health-inequalities analysis for the NHS.

Sub-packages, grouped by what they mean to an analyst:

- :mod:`analysis.measures` -- public-health statistics with their published confidence
  intervals (proportions, rates, means, standardised rates, life expectancy, quantiles, funnels).
- :mod:`analysis.inequality` -- slope and relative index of inequality, summary measures,
  life-expectancy gap decomposition.
- :mod:`analysis.models` -- regression-based inequality models and MAIHDA.
- :mod:`analysis.segmentation` -- population segmentation and area peer groups.
- :mod:`analysis.data` -- the synthetic default dataset, loaders, validation and aggregation.
- :mod:`analysis.rbridge` -- calling R (PHEindicatormethods or a base-R reference) from Python.
- :mod:`analysis.report` -- NHS styling for figures and tables, disclosure control.
- :mod:`analysis.book` -- rendering the book with Quarto or the offline path (the optional
  ``book`` extra: ``pip install -e ".[book]"``; nothing else in the package imports it).
"""

__version__ = "0.1.0"
