"""Long-term conditions: true status from the latent multimorbidity group plus direct deprivation, ethnicity, sex and age effects.

Recorded hypertension with a detection gap.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logit

from analysis.data import parameters as P
from analysis.data.sampling import bernoulli, lookup


def condition_logits(people: dict[str, np.ndarray]) -> np.ndarray:
    """Log odds (people x conditions) of each condition, in the order of ``CONDITIONS``.

    Children get the fixed child probabilities; adults the latent group's probability
    shifted by deprivation, sex, age and ethnicity.

    Parameters
    ----------
    people
        The person arrays of :func:`analysis.data.people.make_people` (``age``, ``male``,
        ``d``, ``ethnicity``, ...), with the conditions' flags where used.

    Returns
    -------
    ndarray
        People x conditions.
    """
    group_probs = np.array([P.GROUP_CONDITION_PROBABILITIES[g] for g in P.LATENT_GROUPS])
    eff = P.CONDITION_EFFECTS
    eth = np.array([eff.get(e, (0.0,) * len(P.CONDITIONS)) for e in P.ETHNICITIES])
    adult = (
        logit(group_probs)[people["group"]]
        + np.outer(people["d"], eff["d"])
        + np.outer(people["male"], eff["male"])
        + np.outer((people["age"] - 60) / 10, eff["age_per_10_over_60"])
        + eth[people["ethnicity"]]
    )
    # Conditions with zero prevalence in children get log odds of minus infinity.
    child = logit(np.asarray(P.CHILD_CONDITION_PROBABILITIES))[None, :]
    return np.where((people["age"] >= 18)[:, None], adult, child)


def make_conditions(
    rng: np.random.Generator, people: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Boolean flags for each condition plus ``hypertension_recorded``.

    Hypertension is recorded (on a GP register) for a share of those who have it that depends
    on age, deprivation, ethnicity and other registers (:data:`analysis.data.parameters.HYPERTENSION_DETECTION`).

    Parameters
    ----------
    rng
        The random generator.
    people
        The person arrays of :func:`analysis.data.people.make_people` (``age``, ``male``,
        ``d``, ``ethnicity``, ...), with the conditions' flags where used.

    Returns
    -------
    dict of str to ndarray
        One boolean array per condition of ``CONDITIONS``, and ``hypertension_recorded``.
    """
    flags = bernoulli(rng, condition_logits(people))
    out = {name: flags[:, i] for i, name in enumerate(P.CONDITIONS)}
    det = P.HYPERTENSION_DETECTION
    other_register = (
        out["chd"] | out["stroke_tia"] | out["heart_failure"] | out["diabetes"] | out["ckd"]
    )
    eth = people["ethnicity"]
    detection = (
        det["intercept"]
        + det["age_per_10_over_60"] * (people["age"] - 60) / 10
        + det["d"] * people["d"]
        + det["other_register"] * other_register
        + lookup(det["ethnicity"], P.ETHNICITIES, eth)
        + people["d"] * lookup(det["d_x_ethnicity"], P.ETHNICITIES, eth)
    )
    out["hypertension_recorded"] = out["hypertension"] & bernoulli(rng, detection)
    return out
