"""Public-health statistics with their published confidence intervals.

Each function takes a tidy DataFrame (the caller names the columns and the grouping) and
returns one row per group with ``value``, the confidence limits, ``confidence``,
``statistic`` and ``method``, as PHEindicatormethods 2.x does.
"""

from analysis.measures.dsr import directly_standardised_rate
from analysis.measures.funnels import funnel_limits, funnel_points, funnel_significance
from analysis.measures.isr import indirectly_standardised_rate, indirectly_standardised_ratio
from analysis.measures.life_expectancy import life_expectancy
from analysis.measures.means import mean
from analysis.measures.odds_ratios import odds_ratio
from analysis.measures.overdispersed_rates import (
    overdispersed_rate_funnel_limits,
    overdispersed_rate_funnel_points,
)
from analysis.measures.overdispersion import (
    funnel_overdispersion,
    overdispersed_funnel_limits,
    overdispersed_funnel_points,
)
from analysis.measures.pooled import (
    RATE_INDICATORS,
    indicator_counts,
    indicator_rates,
    pool_years,
)
from analysis.measures.proportion_shrinkage import empirical_bayes_proportions
from analysis.measures.proportions import proportion
from analysis.measures.quantiles import deprivation_quantiles
from analysis.measures.rates import crude_rate
from analysis.measures.shrinkage import empirical_bayes_rates

__all__ = [
    "RATE_INDICATORS",
    "crude_rate",
    "deprivation_quantiles",
    "directly_standardised_rate",
    "empirical_bayes_proportions",
    "empirical_bayes_rates",
    "funnel_limits",
    "funnel_overdispersion",
    "funnel_points",
    "funnel_significance",
    "indirectly_standardised_rate",
    "indirectly_standardised_ratio",
    "indicator_counts",
    "indicator_rates",
    "life_expectancy",
    "mean",
    "odds_ratio",
    "overdispersed_funnel_limits",
    "overdispersed_funnel_points",
    "overdispersed_rate_funnel_limits",
    "overdispersed_rate_funnel_points",
    "pool_years",
    "proportion",
]
