"""Inequality gradients and summary measures.

- :func:`slope_index_of_inequality` -- slope and relative index of inequality (SII/RII) with
  OHID/PHE, ScotPHO and WHO HEAT presets.
- :func:`summary_measures` -- WHO HEAT summary measures of inequality.
- :func:`decompose_life_expectancy_gap` -- the life-expectancy gap by age and cause (Arriaga).
- :func:`rank_gaps` -- each group against its reference, ranked by the relative gap.
- :func:`relative_ranks` and :func:`gradient_steps` -- where each quantile sits on the
  gradient, and how many steps between quantiles go up and down.
- :func:`practice_deprivation_gaps` -- the most and least deprived fifths of GP practices
  against all practices (:func:`practice_deprivation`: practices by their patients' IMD).
"""

from analysis.inequality.decomposition import decompose_life_expectancy_gap
from analysis.inequality.gaps import rank_gaps
from analysis.inequality.gradients import gradient_steps, relative_ranks
from analysis.inequality.practices import practice_deprivation, practice_deprivation_gaps
from analysis.inequality.sii import slope_index_of_inequality
from analysis.inequality.summary_measures import summary_measures

__all__ = [
    "decompose_life_expectancy_gap",
    "gradient_steps",
    "practice_deprivation",
    "practice_deprivation_gaps",
    "rank_gaps",
    "relative_ranks",
    "slope_index_of_inequality",
    "summary_measures",
]
