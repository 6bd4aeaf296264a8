"""Inequality gradients and summary measures.

- :func:`slope_index_of_inequality` -- slope and relative index of inequality (SII/RII) with
  OHID/PHE, ScotPHO and WHO HEAT presets.
"""

from analysis.inequality.sii import slope_index_of_inequality

__all__ = ["slope_index_of_inequality"]
