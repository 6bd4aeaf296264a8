"""WHO HEAT summary measures of health inequality, with their published confidence intervals.

Definitions follow the WHO *Health Equity Assessment Toolkit (HEAT): technical notes* and
Schlotheuber & Hosseinpoor (2022), *IJERPH* 19:3697. With ``p_j`` the population share,
``y_j`` the estimate and ``se_j`` its standard error for subgroup ``j``, ``mu = sum p_j y_j``
the setting average and ``n`` the number of subgroups:

=========  ===============================================  ====================================
measure    definition                                       confidence interval
=========  ===============================================  ====================================
D          y1 - y2 (pair chosen as below)                   analytic: se = sqrt(se1^2 + se2^2)
R          y1 / y2                                          analytic on the log scale
ACI        2 cov_p(y, rank)  (= mu * RCI)                   regression (Kakwani et al. 1997)
RCI        2 cov_p(y, rank) / mu                            regression (Kakwani et al. 1997)
SII, RII   weighted regression on the midpoint rank         delta method (see
                                                            :func:`slope_index_of_inequality`)
BGV        sum p_j (y_j - mu)^2                             analytic (HEAT formula)
BGSD       sqrt(BGV)                                        delta method from BGV
COV        100 * BGSD / mu                                  simulation
MDMU/MDMW  mean |y_j - mu| (unweighted / weighted)          simulation
MDBU/MDBW  mean |y_j - best| (best = max if favourable)     simulation
MDRU/MDRW  mean |y_j - y_reference|                         simulation
IDISU/W    100 * MDMU / mu,  100 * MDMW / mu                simulation
TI         1000 * sum p_j r_j ln r_j,  r_j = y_j / mu       analytic (delta method)
MLD        1000 * sum p_j (-ln r_j)                         analytic (delta method)
PAR        y_reference - mu (0 if the reference is worse)   analytic (Walter 1978, via PAF)
PAF        100 * PAR / mu                                   analytic (Walter 1978)
=========  ===============================================  ====================================

Simulated intervals (Ahn et al. 2019, *PLoS One* 14:e0219542) draw every estimate from a
normal distribution truncated at 0 (and at ``upper_bound`` for percentages), recompute the
measure and take the 2.5th and 97.5th percentiles; here all groups and repetitions are drawn
at once. HEAT's TI and MLD are reported x 1000; ACI is on the indicator's scale.

Ordered dimensions (``quantile`` given: numbers, 1 = most disadvantaged, as in
:func:`slope_index_of_inequality`) get D, R, ACI, RCI, SII, RII,
PAR and PAF, with D and R comparing the most advantaged and most disadvantaged subgroups
(advantaged - disadvantaged for a favourable indicator, the reverse for an adverse one) and
the PAR reference the most advantaged subgroup. Non-ordered dimensions get D, R, BGV, BGSD,
COV, MDB, MDM, MDR (when a ``reference`` subgroup is marked), IDIS, TI, MLD, PAR and PAF (the
subgroups named by ``category``); D and
R compare the highest and lowest estimate or, with a reference, the reference and the worst
subgroup; the PAR reference is the best subgroup (or the marked one). Polarity: ``favourable``
(higher is better, e.g. screening coverage) or ``adverse`` (e.g. mortality). The SII and RII
are HEAT's: the slope from the most to the least advantaged subgroup, whatever the polarity
(``polarity="favourable"`` of :func:`slope_index_of_inequality`), so their sign is read with
the indicator's polarity, as in HEAT.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from analysis.inequality._layout import (
    grouped_layout,
    population_shares_and_ranks,
    weighted_line_fit,
)
from analysis.inequality._simulation import CHUNK_VALUES
from analysis.inequality.sii import slope_index_of_inequality
from analysis.measures._output import confidence_label, limit_column_names
from analysis.measures.intervals import z_value
from analysis.validation import (
    InputError,
    check_confidence,
    check_polarity,
    check_positive,
    fail_rows,
    require_columns,
    require_numeric,
)

ORDERED = ("D", "R", "ACI", "RCI", "SII", "RII", "PAR", "PAF")
NON_ORDERED = (
    "D", "R", "BGV", "BGSD", "COV", "MDMU", "MDMW", "MDBU", "MDBW", "MDRU", "MDRW",
    "IDISU", "IDISW", "TI", "MLD", "PAR", "PAF",
)  # fmt: skip
SIMULATED = ("COV", "MDMU", "MDMW", "MDBU", "MDBW", "MDRU", "MDRW", "IDISU", "IDISW")
#: The ``statistic`` column: HEAT's name of each ``measure`` (short name) in the output.
STATISTIC_DESCRIPTIONS = {
    "D": "difference",
    "R": "ratio",
    "ACI": "absolute concentration index",
    "RCI": "relative concentration index",
    "SII": "slope index of inequality",
    "RII": "relative index of inequality",
    "BGV": "between-group variance",
    "BGSD": "between-group standard deviation",
    "COV": "coefficient of variation",
    "MDMU": "mean difference from mean (unweighted)",
    "MDMW": "mean difference from mean (weighted)",
    "MDBU": "mean difference from best performing subgroup (unweighted)",
    "MDBW": "mean difference from best performing subgroup (weighted)",
    "MDRU": "mean difference from reference subgroup (unweighted)",
    "MDRW": "mean difference from reference subgroup (weighted)",
    "IDISU": "index of disparity (unweighted)",
    "IDISW": "index of disparity (weighted)",
    "TI": "Theil index",
    "MLD": "mean log deviation",
    "PAR": "population attributable risk",
    "PAF": "population attributable fraction",
}


def summary_measures(
    data: pd.DataFrame,
    value: str,
    n: str,
    *,
    polarity: str,
    quantile: str | None = None,
    category: str | None = None,
    se: str | None = None,
    group_by: Sequence[str] | str | None = None,
    reference: str | None = None,
    measures: Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    scale: float | None = None,
    upper_bound: float | None = None,
    repetitions: int = 10_000,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """WHO HEAT summary measures of inequality for each group (see the module docstring).

    Method: WHO *Health Equity Assessment Toolkit: technical notes*; Schlotheuber & Hosseinpoor
    (2022) *IJERPH* 19:3697; simulation intervals after Ahn et al. (2019) *PLoS One*
    14:e0219542; concentration indices by the convenient regression of Kakwani, Wagstaff & van
    Doorslaer (1997) *J Econometrics* 77:87-103; PAF interval of Walter (1978) *Int J Epidemiol*
    7:175-182.

    Parameters
    ----------
    data
        One row per group x subgroup (e.g. deprivation quintile, ethnic group).
    value, n
        Column names of the estimate and of the subgroup population (the denominator).
    polarity
        ``"adverse"`` (higher is worse) or ``"favourable"`` (higher is better): which
        subgroup is best, and the direction of D and R (module docstring). Required.
    quantile, category
        The column naming each subgroup, exactly one of the two. ``quantile``: an ordered
        dimension, labels that are numbers with 1 = most disadvantaged (numbers stored as
        text are read as numbers), as in :func:`slope_index_of_inequality`. ``category``:
        a non-ordered dimension (e.g. ethnic group), any labels.
    se
        Standard errors of the estimates (without them the limits are missing).
    group_by
        Columns identifying separate analyses (e.g. indicator, area, year).
    reference
        Boolean column marking one reference subgroup per group (non-ordered dimensions).
    measures
        Subset of measures (default: all that HEAT reports for the dimension type).
    scale
        The indicator's scale (100 for percentages, 100000 for rates per 100,000), used to
        turn estimates into cases for the PAR and PAF interval (Walter's formula needs the
        risk ``value / scale`` of each subgroup, at most 1). Default: ``upper_bound`` when
        given, else 1 (estimates that are proportions). With PAR or PAF requested, an
        estimate above ``scale`` raises :class:`InputError` naming the scale to pass, rather
        than giving limits that cannot be computed.
    confidence
        One confidence level (limits ``lowercl``, ``uppercl``) or several (one pair per
        level: ``lower95_0cl``, ``upper95_0cl``, ``lower99_8cl``, ...).
    upper_bound
        Upper limit of the indicator for simulation (100 for percentages); None = unbounded.
    repetitions, seed
        Simulation size and seed for the simulated intervals.

    Returns
    -------
    pandas.DataFrame
        DataFrame with group columns, ``measure`` (the short name), ``statistic`` (its
        description: ``STATISTIC_DESCRIPTIONS``), ``value``, the limit columns (see ``confidence``), ``confidence``
        and ``method``: one row per group x measure.

    Examples
    --------
    >>> d = pd.DataFrame({"quintile": [1, 2, 3, 4, 5], "rate": [50.0, 40, 30, 20, 10],
    ...                   "pop": [100.0] * 5})
    >>> out = summary_measures(d, "rate", "pop", polarity="adverse", quantile="quintile",
    ...                        measures=["D", "R", "RCI"])
    >>> out.set_index("measure")["value"].round(4).to_dict()
    {'D': 40.0, 'R': 5.0, 'RCI': -0.2667}
    """
    group_by = [group_by] if isinstance(group_by, str) else list(group_by or [])
    check_polarity(polarity)
    if (quantile is None) == (category is None):
        raise InputError(
            "name the subgroups with exactly one of quantile= (an ordered dimension: numbers, "
            "1 = most disadvantaged) or category= (a non-ordered dimension); got "
            f"quantile={quantile!r}, category={category!r}"
        )
    ordered = quantile is not None
    subgroup = quantile if ordered else category
    if ordered and reference is not None:
        raise InputError(
            "reference= marks a subgroup of a non-ordered dimension (category=); an ordered "
            "dimension's reference is its most advantaged quantile"
        )
    levels = check_confidence(confidence)
    available = ORDERED if ordered else NON_ORDERED
    if reference is None:
        available = tuple(m for m in available if m not in ("MDRU", "MDRW"))
    measures = list(available if measures is None else measures)
    unknown = [m for m in measures if m not in available]
    if unknown:
        kind = "ordered" if ordered else "non-ordered"
        raise InputError(
            f"measure(s) {unknown} are not available for a {kind} dimension"
            f"{'' if reference else ' without a reference subgroup'}; choose from {available}"
        )
    columns = [*group_by, subgroup, value, n]
    columns += [c for c in (se, reference) if c is not None]
    require_columns(data, columns)
    context = [*group_by, subgroup]
    frame = data.copy()
    if ordered:
        frame["_position"] = require_numeric(frame, quantile, context=context)
    else:
        frame["_position"] = pd.factorize(frame[subgroup], sort=True)[0]
    layout = grouped_layout(frame, "_position", group_by)
    sorted_frame = layout.data
    y_all = require_numeric(sorted_frame, value, context=context)
    fail_rows(sorted_frame, y_all < 0, value, "estimates must not be negative", context=context)
    pop_all = check_positive(sorted_frame, n, context=context)
    se_all = None
    if se is not None:
        se_all = require_numeric(sorted_frame, se, context=context)
        fail_rows(sorted_frame, se_all < 0, se, "must not be negative", context=context)
    ref_all = None
    if reference is not None:
        ref_all = sorted_frame[reference].fillna(False).astype(bool).to_numpy()
        group_of_row = _group_of_rows(layout)
        counts = np.bincount(group_of_row, weights=ref_all, minlength=len(layout.keys))
        bad = counts[group_of_row] != 1
        fail_rows(sorted_frame, bad, reference, "mark exactly one reference subgroup per group",
                  context=context)  # fmt: skip
    for batch in layout.batches:
        if batch.k < 2:
            raise InputError(
                f"column {subgroup!r}: summary measures need at least two subgroups per group; "
                f"{len(batch.group)} group(s) have one"
            )

    scale = _risk_scale(sorted_frame, y_all, value, measures, scale, upper_bound, context)

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    favourable = polarity == "favourable"
    n_groups = len(layout.keys)
    results: dict[str, dict[str, np.ndarray]] = {}
    for batch in layout.batches:
        inputs = _BatchInputs(
            y=y_all[batch.rows],
            pop=pop_all[batch.rows],
            se=None if se_all is None else se_all[batch.rows],
            reference=None if ref_all is None else ref_all[batch.rows],
        )
        part = _batch_measures(
            inputs, measures, levels, ordered=ordered, favourable=favourable,
            scale=scale, upper_bound=upper_bound, repetitions=repetitions, rng=rng,
        )  # fmt: skip
        for name, (est, lower, upper) in part.items():
            store = results.setdefault(
                name,
                {
                    "value": np.full(n_groups, np.nan),
                    "lower": np.full((n_groups, len(levels)), np.nan),
                    "upper": np.full((n_groups, len(levels)), np.nan),
                },
            )
            store["value"][batch.group] = est
            store["lower"][batch.group] = lower
            store["upper"][batch.group] = upper
    regression = {"SII", "RII"} & set(measures)
    if regression:
        results.update(
            _heat_regression(sorted_frame, value, n, group_by, levels, upper_bound=upper_bound)
        )
    return _tidy(layout.keys, results, measures, levels, repetitions)


class _BatchInputs:
    """Estimates, populations, standard errors and reference flags of one batch (g x k)."""

    def __init__(self, y, pop, se, reference):
        self.y, self.pop, self.se, self.reference = y, pop, se, reference
        self.share, self.rank = population_shares_and_ranks(pop)
        self.mean = (self.share * y).sum(axis=1)


def _group_of_rows(layout) -> np.ndarray:
    group = np.empty(len(layout.data), dtype=np.int64)
    for batch in layout.batches:
        group[batch.rows] = batch.group[:, None]
    return group


def _pick(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, index[:, None], axis=1)[:, 0]


def _pair(inputs: _BatchInputs, *, ordered: bool, favourable: bool) -> tuple[np.ndarray, ...]:
    """Positions of the two subgroups compared by D and R: (first, second)."""
    y = inputs.y
    g, k = y.shape
    lowest, highest = np.argmin(y, axis=1), np.argmax(y, axis=1)
    if ordered:
        most_dis, most_adv = np.zeros(g, dtype=int), np.full(g, k - 1)
        return (most_adv, most_dis) if favourable else (most_dis, most_adv)
    if inputs.reference is None:
        return highest, lowest
    ref = np.argmax(inputs.reference, axis=1)
    return (ref, lowest) if favourable else (highest, ref)


def _batch_measures(
    inputs: _BatchInputs,
    measures: list[str],
    levels: list[float],
    *,
    ordered: bool,
    favourable: bool,
    scale: float,
    upper_bound: float | None,
    repetitions: int,
    rng: np.random.Generator,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    y, share, se, mean = inputs.y, inputs.share, inputs.se, inputs.mean
    z = np.array([z_value(level) for level in levels])
    out = {}

    def normal(est, sd):
        sd = np.full_like(est, np.nan) if sd is None else sd
        return est, est[:, None] - z * sd[:, None], est[:, None] + z * sd[:, None]

    first, second = _pair(inputs, ordered=ordered, favourable=favourable)
    y1, y2 = _pick(y, first), _pick(y, second)
    se1, se2 = (None, None) if se is None else (_pick(se, first), _pick(se, second))
    if "D" in measures:
        out["D"] = normal(y1 - y2, None if se is None else np.sqrt(se1**2 + se2**2))
    if "R" in measures:
        with np.errstate(divide="ignore", invalid="ignore"):
            log_sd = None if se is None else np.sqrt((se1 / y1) ** 2 + (se2 / y2) ** 2)
            est, lower, upper = normal(np.log(y1 / y2), log_sd)
        out["R"] = (np.exp(est), np.exp(lower), np.exp(upper))
    if {"ACI", "RCI"} & set(measures):
        spread = (share * (inputs.rank - 0.5) ** 2).sum(axis=1)
        lhs = 2 * spread[:, None] * y / mean[:, None]
        rci, _, rci_se = weighted_line_fit(lhs, share, inputs.rank)
        est, lower, upper = normal(rci, rci_se)
        if "RCI" in measures:
            out["RCI"] = (est, lower, upper)
        if "ACI" in measures:
            out["ACI"] = (est * mean, lower * mean[:, None], upper * mean[:, None])
    deviation = y - mean[:, None]
    bgv = (share * deviation**2).sum(axis=1)
    if {"BGV", "BGSD"} & set(measures):
        bgv_se = None
        if se is not None:
            s2 = (share**2 * se**2).sum(axis=1)
            bgv_se = np.sqrt(
                4 * (share**2 * se**2 * deviation**2).sum(axis=1)
                + 2 * (s2**2 - (share**4 * se**4).sum(axis=1)
                       + (share**2 * (1 - share) ** 2 * se**4).sum(axis=1))
            )  # fmt: skip
        if "BGV" in measures:
            out["BGV"] = normal(bgv, bgv_se)
        if "BGSD" in measures:
            bgsd = np.sqrt(bgv)
            with np.errstate(divide="ignore", invalid="ignore"):
                bgsd_se = None if bgv_se is None else bgv_se / (2 * bgsd)
            out["BGSD"] = normal(bgsd, bgsd_se)
    ratio = np.where(y == 0, 1e-6, y) / mean[:, None]
    if "TI" in measures:
        ti = (share * ratio * np.log(ratio)).sum(axis=1)
        grad = share / mean[:, None] * (1 + np.log(ratio) - (1 + ti)[:, None])
        sd = None if se is None else np.sqrt((grad**2 * se**2).sum(axis=1))
        out["TI"] = tuple(1000 * a for a in normal(ti, sd))
    if "MLD" in measures:
        mld = (share * -np.log(ratio)).sum(axis=1)
        grad = share / mean[:, None] * (1 - 1 / ratio)
        sd = None if se is None else np.sqrt((grad**2 * se**2).sum(axis=1))
        out["MLD"] = tuple(1000 * a for a in normal(mld, sd))
    if {"PAR", "PAF"} & set(measures):
        out.update(_attributable(inputs, measures, z, ordered=ordered, favourable=favourable,
                                 scale=scale))  # fmt: skip
    simulated = [m for m in measures if m in SIMULATED]
    if simulated:
        point = _simulated_statistics(y[:, None, :], inputs, favourable)
        for name in simulated:
            est = point[name][:, 0]
            lower = upper = np.full((len(est), len(levels)), np.nan)
            out[name] = (est, lower, upper)
        if se is not None:
            limits = _simulate(inputs, simulated, levels, favourable=favourable,
                               upper_bound=upper_bound, repetitions=repetitions, rng=rng)  # fmt: skip
            for name in simulated:
                out[name] = (out[name][0], limits[name][..., 0], limits[name][..., 1])
    return out


def _simulated_statistics(
    y: np.ndarray, inputs: _BatchInputs, favourable: bool
) -> dict[str, np.ndarray]:
    """Measures with simulated intervals, for values ``y`` of shape (groups, reps, k)."""
    share = inputs.share[:, None, :]
    mean = (share * y).sum(axis=-1, keepdims=True)
    from_mean = np.abs(y - mean)
    best = y.max(axis=-1, keepdims=True) if favourable else y.min(axis=-1, keepdims=True)
    out = {
        "MDMU": from_mean.mean(axis=-1),
        "MDMW": (share * from_mean).sum(axis=-1),
        "MDBU": np.abs(y - best).mean(axis=-1),
        "MDBW": (share * np.abs(y - best)).sum(axis=-1),
        "COV": 100 * np.sqrt((share * (y - mean) ** 2).sum(axis=-1)) / mean[..., 0],
    }
    out["IDISU"] = 100 * out["MDMU"] / mean[..., 0]
    out["IDISW"] = 100 * out["MDMW"] / mean[..., 0]
    if inputs.reference is not None:
        ref = (y * inputs.reference[:, None, :]).sum(axis=-1, keepdims=True)
        out["MDRU"] = np.abs(y - ref).mean(axis=-1)
        out["MDRW"] = (share * np.abs(y - ref)).sum(axis=-1)
    return out


def _simulate(
    inputs: _BatchInputs,
    names: list[str],
    levels: list[float],
    *,
    favourable: bool,
    upper_bound: float | None,
    repetitions: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Percentile limits from estimates drawn from truncated normals, all groups at once."""
    g, k = inputs.y.shape
    probs = np.array([[(1 - lv) / 2, (1 + lv) / 2] for lv in levels])
    out = {name: np.empty((g, len(levels), 2)) for name in names}
    step = max(1, CHUNK_VALUES // (repetitions * k))
    for start in range(0, g, step):
        part = slice(start, start + step)
        mu, sd = inputs.y[part][:, None, :], inputs.se[part][:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            low = special.ndtr(np.where(sd > 0, (0 - mu) / sd, -np.inf))
            high = (
                np.ones_like(low)
                if upper_bound is None
                else special.ndtr(np.where(sd > 0, (upper_bound - mu) / sd, np.inf))
            )
        u = low + (high - low) * rng.random((mu.shape[0], repetitions, k))
        draws = mu + sd * special.ndtri(u)
        sub = _BatchInputs(
            inputs.y[part], inputs.pop[part], inputs.se[part],
            None if inputs.reference is None else inputs.reference[part],
        )  # fmt: skip
        stats_ = _simulated_statistics(draws, sub, favourable)
        for name in names:
            out[name][part] = np.quantile(stats_[name], probs, axis=1).transpose(2, 0, 1)
    return out


def _risk_scale(
    frame: pd.DataFrame,
    y: np.ndarray,
    value: str,
    measures: list[str],
    scale: float | None,
    upper_bound: float | None,
    context: list[str],
) -> float:
    """Return the scale turning estimates into risks for the PAR/PAF interval (see ``scale``)."""
    if scale is None:
        scale = 1.0 if upper_bound is None else float(upper_bound)
    if not np.isfinite(scale) or scale <= 0:
        raise InputError(f"scale must be a positive number, got {scale!r}")
    if {"PAR", "PAF"} & set(measures):
        fail_rows(
            frame, y > scale, value,
            f"the PAR and PAF interval (Walter 1978) reads each estimate as cases per {scale:g} "
            f"people, so an estimate must not exceed scale={scale:g}: pass the indicator's scale "
            "(scale=100 for percentages, scale=100000 for rates per 100,000)",
            context=context,
        )  # fmt: skip
    return scale


def _attributable(
    inputs: _BatchInputs,
    measures: list[str],
    z: np.ndarray,
    *,
    ordered: bool,
    favourable: bool,
    scale: float,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return population attributable risk and fraction with Walter's (1978) interval."""
    y, pop, mean = inputs.y, inputs.pop, inputs.mean
    g, k = y.shape
    if ordered:
        ref = np.full(g, k - 1)
    elif inputs.reference is not None:
        ref = np.argmax(inputs.reference, axis=1)
    else:
        ref = np.argmax(y, axis=1) if favourable else np.argmin(y, axis=1)
    ref_y, ref_pop = _pick(y, ref), _pick(pop, ref)
    gap = ref_y - mean
    wrong_way = (gap < 0) if favourable else (gap > 0)
    par = np.where(wrong_way, 0.0, gap)
    total = pop.sum(axis=1)
    c = ref_y / scale * ref_pop
    d = ref_pop - c
    a = mean / scale * total - c
    b = total - a - ref_pop
    with np.errstate(divide="ignore", invalid="ignore"):
        paf_se = np.sqrt(
            c * total * (a * d * (total - c) + b * c**2) / ((a + c) ** 3 * (c + d) ** 3)
        )
    par_se = np.abs(mean) * paf_se
    out = {}
    if "PAR" in measures:
        out["PAR"] = (par, par[:, None] - z * par_se[:, None], par[:, None] + z * par_se[:, None])
    if "PAF" in measures:
        paf = 100 * par / mean
        half = 100 * z * paf_se[:, None]
        out["PAF"] = (paf, paf[:, None] - half, paf[:, None] + half)
    return out


def _heat_regression(frame, value, n, group_by, levels, *, upper_bound):
    """SII and RII from the WHO HEAT preset of :func:`slope_index_of_inequality`.

    Polarity does not enter: HEAT ranks subgroups from the most disadvantaged (quantile 1)
    whatever the indicator, so the sign of the SII says which end is higher, as in HEAT
    (``polarity="favourable"`` keeps that unflipped slope). ``frame`` is sorted, with the
    subgroups' positions in ``_position``.
    """
    data = frame.copy()
    value_type = "normal"
    multiplier = 1.0
    if upper_bound is not None:
        data[value] = data[value] / upper_bound
        value_type, multiplier = "proportion", float(upper_bound)
    res = slope_index_of_inequality(
        data, "_position", n, value, polarity="favourable", group_by=group_by,
        value_type=value_type, confidence=levels, rii=True, method="who_heat",
        multiplier=multiplier, min_quantiles=2,
    )  # fmt: skip
    names = limit_column_names(levels)
    out = {}
    for measure in ("SII", "RII"):
        part = res[res["measure"] == measure]
        out[measure] = {
            "value": part["value"].to_numpy(),
            "lower": np.column_stack([part[lo].to_numpy() for lo, _ in names]),
            "upper": np.column_stack([part[hi].to_numpy() for _, hi in names]),
        }
    return out


_METHODS = {
    "D": "analytic (normal)",
    "R": "analytic (log scale)",
    "ACI": "regression (Kakwani 1997)",
    "RCI": "regression (Kakwani 1997)",
    "SII": "WHO HEAT regression, delta method",
    "RII": "WHO HEAT regression, delta method",
    "BGV": "analytic (HEAT)",
    "BGSD": "analytic (delta method)",
    "TI": "analytic (delta method), x 1000",
    "MLD": "analytic (delta method), x 1000",
    "PAR": "analytic (Walter 1978)",
    "PAF": "analytic (Walter 1978)",
}


def _tidy(keys, results, measures, levels, repetitions) -> pd.DataFrame:
    names = limit_column_names(levels)
    frames = []
    for measure in measures:
        store = results[measure]
        part = keys.copy()
        part["measure"] = measure
        part["statistic"] = STATISTIC_DESCRIPTIONS[measure]
        part["value"] = store["value"]
        for i, (lower, upper) in enumerate(names):
            part[lower] = store["lower"][:, i]
            part[upper] = store["upper"][:, i]
        part["confidence"] = confidence_label(levels)
        part["method"] = _METHODS.get(
            measure, f"simulation, {repetitions:,} repetitions (truncated normal)"
        )
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    order = np.argsort(np.tile(np.arange(len(keys)), len(frames)), kind="stable")
    return out.iloc[order].reset_index(drop=True)
