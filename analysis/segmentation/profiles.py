"""Readable labels for segments, from their condition prevalence and covariates.

A label names the group of conditions that most sets a segment apart and how many
conditions its members have, in the spirit of the Bridges to Health segments (Lynn et al.
2007, Milbank Q 85:185-208): for example "Generally well", "Respiratory conditions" or
"Cardiometabolic multimorbidity". Multimorbidity means two or more long-term conditions
(Academy of Medical Sciences, *Multimorbidity: a priority for global health research*,
2018); a segment whose members have two or more conditions on average is *high need*.

>>> import pandas as pd
>>> prevalence = pd.DataFrame(
...     {"diabetes": [0.01, 0.6], "chd": [0.01, 0.5], "asthma": [0.05, 0.1]}
... )
>>> label_segments(prevalence, prevalence.mean())
['Generally well', 'Cardiometabolic conditions']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: Condition groups used in labels (names as in the synthetic people table).
CONDITION_GROUPS: dict[str, str] = {
    "hypertension": "Cardiometabolic",
    "hypertension_recorded": "Cardiometabolic",
    "chd": "Cardiometabolic",
    "stroke_tia": "Cardiometabolic",
    "heart_failure": "Cardiometabolic",
    "atrial_fibrillation": "Cardiometabolic",
    "diabetes": "Cardiometabolic",
    "ckd": "Cardiometabolic",
    "copd": "Respiratory",
    "asthma": "Respiratory",
    "depression": "Mental health",
    "dementia": "Dementia",
    "cancer": "Cancer",
}

#: Average number of conditions from which a segment counts as multimorbid (high need).
MULTIMORBIDITY = 2.0
#: From this average number of conditions a multimorbid segment is "Complex ...".
COMPLEX = 4.0
#: Below this average number of conditions a segment is "Generally well".
GENERALLY_WELL = 0.5


def _headline(excess: pd.Series, expected: float) -> str:
    if expected < GENERALLY_WELL or excess.max() <= 0:
        return "Generally well"
    top = excess.sort_values(ascending=False, kind="stable")
    groups = [top.index[0]]
    if len(top) > 1 and top.iloc[1] >= 0.5 * top.iloc[0]:
        groups.append(top.index[1])
    name = " and ".join(groups)
    name = name[0] + name[1:].lower()
    if expected >= COMPLEX:
        return f"Complex {name.lower()} multimorbidity"
    return f"{name} {'multimorbidity' if expected >= MULTIMORBIDITY else 'conditions'}"


def label_segments(
    prevalence: pd.DataFrame,
    overall: pd.Series,
    *,
    descriptors: Sequence[str] | None = None,
    condition_groups: Mapping[str, str] | None = None,
) -> list[str]:
    """One unique label per segment, from the conditions it has more often than the population.

    The headline is the condition group whose prevalence most exceeds the population's
    (``overall``), with a second group when it exceeds by at least half as much; members with
    two or more conditions on average make it "multimorbidity" (four or more "Complex ...
    multimorbidity"), fewer than 0.5 "Generally well". Repeated labels get the segment's
    ``descriptors`` (e.g. its typical age group) and, if still repeated, a number.

    Parameters
    ----------
    prevalence
        the prevalence of each condition (columns) in each segment (rows).
    overall
        the prevalence of each condition in the whole population.
    descriptors
        a description of each segment (e.g. its typical age group) to tell apart segments
        with the same label; None (default): none.
    condition_groups
        maps conditions to the groups named in labels, adding to or overriding
        :data:`CONDITION_GROUPS` (used alone by default).

    Returns
    -------
    list of str
        One label per segment, in the order of ``prevalence``'s rows, all different.
    """
    groups = {**CONDITION_GROUPS, **dict(condition_groups or {})}
    names = [groups.get(c, c.replace("_", " ").capitalize()) for c in prevalence.columns]
    excess = (prevalence - overall).clip(lower=0).T.groupby(np.asarray(names)).sum().T
    expected = prevalence.sum(axis=1)
    labels = [_headline(excess.iloc[i], expected.iloc[i]) for i in range(len(prevalence))]
    if descriptors is not None:
        repeated = pd.Series(labels).duplicated(keep=False)
        labels = [
            f"{lab}, {d}" if rep and d else lab
            for lab, d, rep in zip(labels, descriptors, repeated, strict=True)
        ]
    counts = pd.Series(labels).groupby(labels).cumcount() + 1
    repeated = pd.Series(labels).duplicated(keep=False)
    return [
        f"{lab} ({n})" if rep else lab for lab, n, rep in zip(labels, counts, repeated, strict=True)
    ]
