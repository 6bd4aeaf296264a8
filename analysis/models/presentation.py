"""Emergency presentation of cancer, defined once: the case-mix model the book's chapters share.

The modelling chapter reads its odds ratios and standardised percentages, and the executive
summary ranks the gap between groups from the same standardised percentages, so both print
the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.data.aggregate import Source, is_true
from analysis.data.chapter_aggregates import strata_counts
from analysis.models.glm import ModelFit, binary_model
from analysis.validation import require_columns, require_numeric

#: Age groups at diagnosis: (label, first age), youngest first.
AGE_GROUPS: tuple[tuple[str, int], ...] = (("under 60", 0), ("60-74", 60), ("75 and over", 75))

#: The social dimensions and the case mix the model adjusts for, with their references.
PREDICTORS = ("imd_quintile", "ethnicity", "sex", "age_group", "site")
REFERENCE = {"imd_quintile": 5, "ethnicity": "White", "age_group": "under 60", "site": "Breast"}


def emergency_presentation_model(
    cancers: pd.DataFrame,
    *,
    n: str | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> ModelFit:
    """Logistic model of emergency presentation on deprivation, ethnicity, sex, age and site.

    Method: a binomial GLM with logit link (Hosmer, Lemeshow & Sturdivant 2013) of
    ``emergency_presentation`` on deprivation quintile, ethnicity, sex, age group at diagnosis
    (:data:`AGE_GROUPS`) and cancer site, with the references of :data:`REFERENCE`; pass the fit
    to :func:`analysis.models.standardised_predictions` for percentages standardised to the case
    mix (marginal standardisation; Muller & MacLehose 2014).

    Parameters
    ----------
    cancers
        One row per cancer: ``emergency_presentation`` (true/false), ``age_at_diagnosis``,
        ``site`` and the person's ``imd_quintile``, ``ethnicity`` and ``sex``; or, with
        ``n``, counts by stratum (from
        :func:`emergency_presentation_strata`):
        ``emergency_presentation`` (cancers presenting as an emergency), ``n`` (cancers),
        ``age_group`` (labels of :data:`AGE_GROUPS`), ``site``, ``imd_quintile``,
        ``ethnicity`` and ``sex``. Both give the same fit: the binomial likelihood of the
        strata is that of the cancers.
    n
        The column of cancers per stratum when ``cancers`` holds counts.
    confidence
        One confidence level or several (``[0.95, 0.998]``), as :func:`binary_model`.

    Returns
    -------
    ModelFit
        The fit (as :func:`binary_model`); ``table`` holds one row per term: ``term``, the
        odds ratio of presenting as an emergency in ``value``, its limits, ``confidence``,
        ``statistic`` and ``method``.

    Raises
    ------
    InputError
        For a missing or non-numeric column, and the bad inputs of :func:`binary_model`.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> data = generate_population(30_000)
    >>> people = data.people[["person_id", "imd_quintile", "ethnicity", "sex"]]
    >>> fit = emergency_presentation_model(data.cancers.merge(people, on="person_id"))
    >>> fit.spec.predictors
    ('imd_quintile', 'ethnicity', 'sex', 'age_group', 'site')
    """
    if n is not None:
        require_columns(
            cancers,
            [
                "emergency_presentation",
                n,
                "age_group",
                "site",
                "imd_quintile",
                "ethnicity",
                "sex",
            ],
            what="cancers",
        )
        strata = cancers.rename(columns={"emergency_presentation": "emergency"})
        return binary_model(
            strata,
            "emergency",
            list(PREDICTORS),
            n=n,
            reference=REFERENCE,
            confidence=confidence,
        )
    require_columns(
        cancers,
        ["emergency_presentation", "age_at_diagnosis", "site", "imd_quintile", "ethnicity", "sex"],
        what="cancers",
    )
    age = require_numeric(cancers, "age_at_diagnosis")
    labels = [label for label, _ in AGE_GROUPS]
    starts = [start for _, start in AGE_GROUPS]
    cases = cancers.assign(
        age_group=pd.cut(age, [-1, *[s - 1 for s in starts[1:]], float("inf")], labels=labels)
        .astype(str),
        emergency=cancers["emergency_presentation"].astype("int64"),
    )  # fmt: skip
    return binary_model(
        cases, "emergency", list(PREDICTORS), reference=REFERENCE, confidence=confidence
    )


def emergency_presentation_strata(source: Source) -> pd.DataFrame:
    """Cancers and emergency presentations by the strata of the emergency presentation model.

    Method: every cancer counted in the engine
    (:func:`analysis.data.chapter_aggregates.strata_counts`) by the person's ``imd_quintile``,
    ``ethnicity`` and ``sex``, the ``site`` and the age group at diagnosis
    (:data:`AGE_GROUPS`), with the emergency presentations as successes: the input of
    :func:`emergency_presentation_model` with ``n="cancers"``. Only these counts leave the
    engine. A binomial GLM of grouped counts has the same likelihood, up to a constant, and so
    the same estimates as the model of one Bernoulli row per cancer (McCullagh & Nelder 1989,
    *Generalized Linear Models*, 2nd ed., section 4.2).

    Parameters
    ----------
    source
        The person-level tables, in memory or in the configured engine.

    Returns
    -------
    pandas.DataFrame
        ``imd_quintile``, ``ethnicity``, ``sex``, ``site``, ``age_group`` (label),
        ``emergency_presentation`` and ``cancers``.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> strata = emergency_presentation_strata(generate_population(30_000))
    >>> fit = emergency_presentation_model(strata, n="cancers")
    >>> int(fit.weights.sum()) == int(strata["cancers"].sum())
    True
    """
    counts = strata_counts(
        source,
        ["imd_quintile", "ethnicity", "sex"],
        table="cancers",
        event_group_by=["site"],
        age_groups=[start for _, start in AGE_GROUPS[1:]],
        successes=is_true("e.emergency_presentation"),
    )
    labels = dict(enumerate(label for label, _ in AGE_GROUPS))
    return counts.assign(age_group=counts["age_group"].map(labels)).rename(
        columns={"successes": "emergency_presentation", "n": "cancers"}
    )
