"""Emergency presentation of cancer, defined once: the case-mix model the book's chapters share.

The modelling chapter reads its odds ratios and standardised percentages, and the executive
summary ranks the gap between groups from the same standardised percentages, so both print
the same numbers.
"""

from __future__ import annotations

import pandas as pd

from analysis.models.glm import ModelFit, binary_model
from analysis.validation import require_columns, require_numeric

#: Age groups at diagnosis: (label, first age), youngest first.
AGE_GROUPS: tuple[tuple[str, int], ...] = (("under 60", 0), ("60-74", 60), ("75 and over", 75))

#: The social dimensions and the case mix the model adjusts for, with their references.
PREDICTORS = ("imd_quintile", "ethnicity", "sex", "age_group", "site")
REFERENCE = {"imd_quintile": 5, "ethnicity": "White", "age_group": "under 60", "site": "Breast"}


def emergency_presentation_model(cancers: pd.DataFrame) -> ModelFit:
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
        ``site`` and the person's ``imd_quintile``, ``ethnicity`` and ``sex``.

    >>> from analysis.data import generate_population
    >>> data = generate_population(30_000)
    >>> people = data.people[["person_id", "imd_quintile", "ethnicity", "sex"]]
    >>> fit = emergency_presentation_model(data.cancers.merge(people, on="person_id"))
    >>> fit.spec.predictors
    ('imd_quintile', 'ethnicity', 'sex', 'age_group', 'site')
    """
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
    return binary_model(cases, "emergency", list(PREDICTORS), reference=REFERENCE)
