r"""Segmenting people by their long-term conditions, age and sex with latent class analysis.

Latent class analysis (LCA) is the standard model-based clustering method for binary and
categorical data (Goodman 1974; Linzer and Lewis 2011, J Stat Softw 42(10)) and has been
used to find multimorbidity clusters in England (e.g. Zhu et al. 2020, Br J Gen Pract
70:e466). Each segment is a latent class with its own prevalence of every condition and
its own age and sex mix; a person is assigned to the segment with the highest posterior
probability. The number of segments is chosen by the Bayesian information criterion
(Schwarz 1978; Nylund, Asparouhov and Muthén 2007, Struct Equ Modeling 14:535-569 found
BIC the best of the information criteria for LCA). Numeric covariates such as age enter as
groups.

It scales because people with the same answers are interchangeable: the model is fitted on
the distinct response patterns with the number of people giving each, and the EM algorithm
weighted by those counts is the person-level EM term for term (same likelihood, same
estimates). :func:`segment_patterns` fits on pattern counts made where the data live (a
``GROUP BY`` in DuckDB, Spark or a SQL database, so person rows never leave it), and
:meth:`PeopleSegmentation.pattern_classes` gives the table of patterns and their segments to
assign everyone there by a join; :func:`segment_people` collapses person rows in pandas (on
all of them, or on a random sample of ``sample_size``). Segments are numbered canonically
from the fewest to the most conditions, so results do not depend on the order of the rows.

>>> from analysis.segmentation.simulate import simulate_condition_groups
>>> people, truth = simulate_condition_groups(n_people=3000, seed=4)
>>> seg = segment_people(people, conditions=["diabetes", "chd", "copd", "asthma",
...                      "depression", "dementia"], covariates=["age"],
...                      bins={"age": [40, 65]}, max_segments=5, seed=1)
>>> seg.n_segments
3
>>> seg.segments[["segment", "segment_label"]].to_string(index=False)
' segment                  segment_label\n       1                 Generally well\n       2         Respiratory conditions\n       3 Cardiometabolic multimorbidity'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.segmentation.features import (
    CategoricalEncoding,
    build_encoding,
    group_column,
    handle_missing,
    response_patterns,
)
from analysis.segmentation.latent_class import (
    LatentClassFit,
    fit_latent_classes,
    log_joint,
    one_hot,
    posterior,
)
from analysis.segmentation.profiles import MULTIMORBIDITY, label_segments
from analysis.segmentation.selection import elbow
from analysis.segmentation.stability import adjusted_rand_index, best_jaccard, contingency_tables
from analysis.validation import InputError, check_counts, require_columns


@dataclass(frozen=True)
class PeopleSegmentation:
    """A fitted segmentation: assign people, profile and label segments, check stability.

    ``selection_curve`` has one row per number of segments tried (``n_segments``,
    ``log_likelihood``, ``n_parameters``, ``bic``, ``aic``, ``entropy``, ``chosen``);
    ``dropped_rows`` lists the index labels dropped for missing values when fitting (of
    person rows, or of pattern rows for :func:`segment_patterns`). Only aggregate information
    is kept: the distinct response ``patterns`` (encoded) fitted and the ``counts`` of people
    giving each, no person rows.
    """

    encoding: CategoricalEncoding
    class_shares: np.ndarray
    item_probabilities: np.ndarray
    labels: tuple[str, ...]
    selection_curve: pd.DataFrame
    patterns: np.ndarray
    counts: np.ndarray
    n_people: int
    dropped_rows: pd.Index
    seed: int | None

    @property
    def n_segments(self) -> int:
        """Number of segments in the chosen model."""
        return len(self.class_shares)

    @property
    def sample_size(self) -> int:
        """Number of people the model was fitted on (everyone, or the random sample)."""
        return int(self.counts.sum())

    def _probabilities(self, variable: str) -> np.ndarray:
        """``P(category | segment)`` for one variable: ``(K, C)``."""
        j = self.encoding.variables.index(variable)
        start = int(np.sum(self.encoding.n_categories[:j]))
        return self.item_probabilities[:, start : start + self.encoding.n_categories[j]]

    def condition_prevalence(self) -> pd.DataFrame:
        """Estimated prevalence of each condition (columns) in each segment (rows 1..K)."""
        return pd.DataFrame(
            {c: self._probabilities(c)[:, 1] for c in self.encoding.conditions},
            index=pd.RangeIndex(1, self.n_segments + 1, name="segment"),
        )

    @property
    def segments(self) -> pd.DataFrame:
        """One row per segment: ``segment``, ``segment_label``, estimated ``share`` of people, ``expected_conditions`` (mean number of conditions) and ``high_need``."""
        expected = self.condition_prevalence().sum(axis=1).to_numpy()
        return pd.DataFrame(
            {
                "segment": np.arange(1, self.n_segments + 1),
                "segment_label": list(self.labels),
                "share": self.class_shares,
                "expected_conditions": expected,
                "high_need": expected >= MULTIMORBIDITY,
            }
        )

    @property
    def high_need_segments(self) -> list[int]:
        """Segments whose members have two or more conditions on average (multimorbidity)."""
        table = self.segments
        return table.loc[table["high_need"], "segment"].tolist()

    def profile(self) -> pd.DataFrame:
        """Tidy profile: ``segment``, ``segment_label``, ``variable``, ``kind`` (condition/covariate), ``category``, ``value`` = P(category | segment) and ``overall`` = its share in the whole (fitted) population."""
        frames = []
        for variable in self.encoding.variables:
            probs = self._probabilities(variable)
            is_condition = variable in self.encoding.conditions
            labels = self.encoding.category_labels(variable)
            keep = [1] if is_condition else list(range(len(labels)))
            frames.append(
                pd.DataFrame(
                    {
                        "segment": np.repeat(np.arange(1, self.n_segments + 1), len(keep)),
                        "segment_label": np.repeat(list(self.labels), len(keep)),
                        "variable": variable,
                        "kind": "condition" if is_condition else "covariate",
                        "category": np.tile([labels[i] for i in keep], self.n_segments),
                        "value": probs[:, keep].ravel(),
                        "overall": np.tile((self.class_shares @ probs)[keep], self.n_segments),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def posterior_for_codes(self, patterns: np.ndarray) -> np.ndarray:
        """Posterior probability of each segment (columns) for ``patterns``, rows of encoded features."""
        onehot = one_hot(patterns, self.encoding.n_categories)
        joint = log_joint(onehot, self.class_shares[None], self.item_probabilities[None])
        return posterior(joint)[0][:, 0, :]

    def pattern_classes(self, patterns: pd.DataFrame) -> pd.DataFrame:
        """Return the segment of each response pattern: the table that assigns people in an engine.

        ``patterns`` has one row per response pattern with the feature columns as
        :func:`segment_patterns` reads them (a grouped covariate as its group number, e.g.
        ``age_group``), in the engine's own values. Returns those columns and ``class``, the
        modal segment (1..K; Linzer & Lewis 2011), ready for
        :func:`analysis.data.chapter_aggregates.class_counts`, which joins it to the people
        in the engine and counts them by segment.
        """
        codes = self.encoding.encode(patterns, grouped=True)
        modal = self.posterior_for_codes(codes).argmax(axis=1) + 1
        columns = self.encoding.columns(grouped=True)
        return patterns[columns].assign(**{"class": modal}).reset_index(drop=True)

    def assign(self, people: pd.DataFrame, *, missing: str = "raise") -> pd.DataFrame:
        """Assign people to segments (modal posterior probability).

        Returns a frame with the index of ``people`` and columns ``segment`` (1..K),
        ``segment_label`` (ordered categorical) and ``probability`` (posterior probability
        of the assigned segment). ``missing="raise"`` (default) refuses a missing feature,
        naming the rows; with ``missing="exclude"`` rows with a missing feature are left
        out, listed in ``result.attrs["dropped_rows"]`` and counted in a warning.
        """
        kept, dropped = handle_missing(people, self.encoding.variables, missing)
        codes = self.encoding.encode(kept)
        patterns, inverse, _ = response_patterns(codes, self.encoding.n_categories)
        probs = self.posterior_for_codes(patterns)
        best = probs.argmax(axis=1)
        segment = best[inverse]
        out = pd.DataFrame(
            {
                "segment": segment + 1,
                "segment_label": pd.Categorical.from_codes(
                    segment, categories=list(self.labels), ordered=True
                ),
                "probability": probs[np.arange(len(patterns)), best][inverse],
            },
            index=kept.index,
        )
        out.attrs["dropped_rows"] = list(dropped)
        return out

    def predict(self, people: pd.DataFrame) -> np.ndarray:
        """Segment numbers (1..K) of ``people``, like scikit-learn's ``predict``."""
        return self.assign(people)["segment"].to_numpy()

    def stability(
        self, *, repetitions: int = 50, n_init: int = 5, seed: int | None = None
    ) -> pd.DataFrame:
        """Bootstrap stability of the segments (Hennig 2007, *Comput Stat Data Anal* 52:258-271).

        Method: the nonparametric bootstrap (Efron 1979, *Ann Stat* 7:1-26) draws the ``n``
        people fitted with replacement. Collapsed to response patterns, a resample is a
        multinomial draw of ``n`` people over the patterns with probabilities
        ``counts / n``, so all ``repetitions`` resamples are one ``multinomial`` call on the
        pattern counts (no person rows, no loop over resamples). The model is refitted to
        each resample (all refits in one batched computation), each refit assigns the
        people fitted, and its assignment is compared with this segmentation's: the adjusted
        Rand index overall and, per segment, the Jaccard coefficient with the best-matching
        refitted segment. Each refit keeps the best of ``n_init`` random starts; ``seed``
        makes the resamples and starts reproducible. Returns ``measure``, ``segment``, ``segment_label``, ``value``
        (mean), ``lowercl``/``uppercl`` (2.5th and 97.5th percentiles) and ``repetitions``.
        """
        rng = np.random.default_rng(seed)
        n = self.sample_size
        weights = rng.multinomial(n, self.counts / n, size=repetitions).astype(float)
        refit = fit_latent_classes(
            self.patterns,
            self.encoding.n_categories,
            weights,
            n_classes=self.n_segments,
            n_init=n_init,
            seed=rng,
        )
        onehot = one_hot(self.patterns, self.encoding.n_categories)
        replicate = posterior(log_joint(onehot, refit.class_shares, refit.item_probabilities))[0]
        reference = self.posterior_for_codes(self.patterns).argmax(axis=1)
        tables = contingency_tables(
            reference, replicate.argmax(axis=2).T, self.counts, self.n_segments
        )
        values = np.column_stack([adjusted_rand_index(tables), best_jaccard(tables)])
        return pd.DataFrame(
            {
                "measure": ["adjusted Rand index"] + ["Jaccard"] * self.n_segments,
                "segment": [pd.NA, *range(1, self.n_segments + 1)],
                "segment_label": ["All segments", *self.labels],
                "value": values.mean(axis=0),
                "lowercl": np.quantile(values, 0.025, axis=0),
                "uppercl": np.quantile(values, 0.975, axis=0),
                "repetitions": repetitions,
            }
        )


def _canonical_order(fit: LatentClassFit, n_conditions: int) -> np.ndarray:
    """Segments from the fewest to the most expected conditions (ties: larger first)."""
    items = fit.item_probabilities[0]
    expected = items[:, 1 : 2 * n_conditions : 2].sum(axis=1)
    return np.lexsort((-fit.class_shares[0], np.round(expected, 12)))


def _selection_row(fit: LatentClassFit, n: int, patterns: np.ndarray, counts: np.ndarray):
    k = fit.class_shares.shape[1]
    onehot = one_hot(patterns, fit.n_categories)
    probs = posterior(log_joint(onehot, fit.class_shares, fit.item_probabilities))[0][:, 0, :]
    entropy = -(counts[:, None] * probs * np.log(np.clip(probs, 1e-300, 1))).sum()
    ll = float(fit.log_likelihood[0])
    return {
        "n_segments": k,
        "log_likelihood": ll,
        "n_parameters": fit.n_parameters,
        "bic": -2 * ll + fit.n_parameters * np.log(n),
        "aic": -2 * ll + 2 * fit.n_parameters,
        "entropy": 1 - entropy / (n * np.log(k)) if k > 1 else 1.0,
    }


def _descriptors(encoding: CategoricalEncoding, shares: np.ndarray, items: np.ndarray) -> list:
    """Each segment's most over-represented covariate category (e.g. ``"aged 65+"``)."""
    if not encoding.covariates:
        return [""] * len(shares)
    best: list[tuple[float, str]] = [(-np.inf, "")] * len(shares)
    start = 2 * len(encoding.conditions)
    for variable, n_cat in zip(
        encoding.covariates, encoding.n_categories[len(encoding.conditions) :], strict=True
    ):
        probs = items[:, start : start + n_cat]
        start += n_cat
        lift = probs / np.maximum(shares @ probs, 1e-12)
        labels = encoding.category_labels(variable)
        prefix = "aged " if variable in encoding.cut_points else ""
        for k in range(len(shares)):
            top = int(lift[k].argmax())
            if lift[k, top] > best[k][0]:
                best[k] = (lift[k, top], f"{prefix}{labels[top]}")
    return [text for _, text in best]


def _check_n_segments(n_segments: int | str) -> None:
    if not isinstance(n_segments, int) and n_segments not in ("bic", "elbow"):
        raise InputError(f"n_segments must be 'bic', 'elbow' or a whole number, got {n_segments!r}")
    if isinstance(n_segments, int) and n_segments < 1:
        raise InputError(f"n_segments must be at least 1, got {n_segments}")


def _seeds(seed: int | None, max_segments: int) -> list[np.random.SeedSequence]:
    """Seed 0 draws a sample; seed ``k`` starts the ``k``-segment fit (the same either way)."""
    return np.random.SeedSequence(seed).spawn(max(max_segments, 1) + 1)


def _fit_segmentation(
    encoding: CategoricalEncoding,
    patterns: np.ndarray,
    counts: np.ndarray,
    *,
    n_segments: int | str,
    max_segments: int,
    elbow_tolerance: float,
    n_init: int,
    condition_groups: Mapping[str, str] | None,
    seeds: list[np.random.SeedSequence],
    n_people: int,
    dropped: pd.Index,
    seed: int | None,
) -> PeopleSegmentation:
    """Fit 1..``max_segments`` (or ``n_segments``) classes to counted patterns and choose."""
    candidates = [n_segments] if isinstance(n_segments, int) else list(range(1, max_segments + 1))
    if max(candidates) > len(patterns):
        raise InputError(
            f"cannot fit {max(candidates)} segments: the data have only {len(patterns)} "
            "distinct combinations of the features"
        )
    weights = counts[None, :].astype(float)
    n = int(counts.sum())
    fits = [
        fit_latent_classes(
            patterns, encoding.n_categories, weights, n_classes=k, n_init=n_init, seed=seeds[k]
        )
        for k in candidates  # one fit per number of segments (random starts are batched)
    ]
    curve = pd.DataFrame([_selection_row(f, n, patterns, counts) for f in fits])
    if n_segments == "elbow":
        best = candidates.index(elbow(curve, tolerance=elbow_tolerance))
    else:
        best = int(curve["bic"].idxmin())
    curve["chosen"] = curve.index == best
    conditions = list(encoding.conditions)
    order = _canonical_order(fits[best], len(conditions))
    shares = fits[best].class_shares[0][order]
    items = fits[best].item_probabilities[0][order]
    prevalence = pd.DataFrame(items[:, 1 : 2 * len(conditions) : 2], columns=conditions)
    labels = label_segments(
        prevalence,
        pd.Series(shares @ prevalence.to_numpy(), index=conditions),
        descriptors=_descriptors(encoding, shares, items),
        condition_groups=condition_groups,
    )
    return PeopleSegmentation(
        encoding=encoding,
        class_shares=shares,
        item_probabilities=items,
        labels=tuple(labels),
        selection_curve=curve,
        patterns=patterns,
        counts=counts,
        n_people=n_people,
        dropped_rows=dropped,
        seed=seed,
    )


def segment_people(
    people: pd.DataFrame,
    conditions: Sequence[str],
    covariates: Sequence[str] = (),
    *,
    n_segments: int | str = "bic",
    max_segments: int = 8,
    elbow_tolerance: float = 0.02,
    bins: Mapping[str, Sequence[float]] | None = None,
    n_bins: int = 5,
    sample_size: int | None = 200_000,
    n_init: int = 20,
    missing: str = "raise",
    condition_groups: Mapping[str, str] | None = None,
    seed: int | None = None,
) -> PeopleSegmentation:
    """Segment people by long-term conditions (binary flags) and covariates with LCA.

    Method: latent class analysis (Goodman 1974; Linzer & Lewis 2011, *J Stat Softw* 42(10))
    fitted by EM (Dempster, Laird & Rubin 1977) on the people's response patterns weighted
    by their counts, the number of segments by BIC (Schwarz 1978; Nylund, Asparouhov &
    Muthén 2007, *Struct Equ Modeling* 14:535-569), everyone assigned to their most probable
    segment. For data in a database engine use :func:`segment_patterns` on pattern counts
    made there.

    Parameters
    ----------
    people
        one row per person.
    conditions
        the long-term-condition columns, binary flags.
    covariates
        further columns (e.g. ``age``, ``sex``); numeric ones with many values are cut into
        groups.
    n_segments
        ``"bic"`` (default) fits 1..``max_segments`` segments and keeps the one with the
        lowest BIC (the curve is in ``selection_curve``); ``"elbow"`` fits the same and keeps
        the number at the elbow of the BIC curve (:func:`analysis.segmentation.selection.elbow`
        with ``elbow_tolerance``), for large samples where the strict minimum over-splits; a
        whole number fits exactly that many (the same fit as in the sweep: each number has
        its own seed).
    max_segments
        the most segments tried (default 8).
    elbow_tolerance
        the tolerance of the elbow rule (default 0.02).
    bins
        inner cut points for numeric covariates (e.g. ``{"age": [18, 40, 65, 80]}``).
    n_bins
        otherwise numeric covariates are cut into this many quantile groups (default 5).
    sample_size
        how many people are drawn at random (without replacement) to fit the model (default
        200,000); None fits on everyone.
    n_init
        random starts of each fit (default 20).
    missing
        ``"raise"`` (default) refuses missing values; ``"exclude"`` drops those rows and
        reports them (``dropped_rows``).
    condition_groups
        maps conditions to groups used in the segments' labels.
    seed
        the random seed (default None).

    Returns
    -------
    PeopleSegmentation
        The fitted segmentation: segments, their profiles and labels, the selection curve;
        assign people with :meth:`PeopleSegmentation.assign`.

    Raises
    ------
    InputError
        For ``n_segments`` neither ``"bic"``, ``"elbow"`` nor a whole number of at least 1,
        missing values (with ``missing="raise"``) and the bad features of
        :func:`~analysis.segmentation.features.build_encoding`.
    """
    features = [*conditions, *covariates]
    _check_n_segments(n_segments)
    kept, dropped = handle_missing(people, [c for c in features if c in people], missing)
    encoding = build_encoding(kept, conditions, covariates, bins=bins, n_bins=n_bins)
    patterns, _, counts = response_patterns(encoding.encode(kept), encoding.n_categories)
    seeds = _seeds(seed, max_segments)
    if sample_size is not None and sample_size < len(kept):
        sampled = np.random.default_rng(seeds[0]).multivariate_hypergeometric(counts, sample_size)
        patterns, counts = patterns[sampled > 0], sampled[sampled > 0]
    return _fit_segmentation(
        encoding,
        patterns,
        counts,
        n_segments=n_segments,
        max_segments=max_segments,
        elbow_tolerance=elbow_tolerance,
        n_init=n_init,
        condition_groups=condition_groups,
        seeds=seeds,
        n_people=len(kept),
        dropped=dropped,
        seed=seed,
    )


def segment_patterns(
    patterns: pd.DataFrame,
    conditions: Sequence[str],
    covariates: Sequence[str] = (),
    *,
    n: str = "n",
    bins: Mapping[str, Sequence[float]] | None = None,
    n_segments: int | str = "bic",
    max_segments: int = 8,
    elbow_tolerance: float = 0.02,
    n_init: int = 20,
    missing: str = "raise",
    condition_groups: Mapping[str, str] | None = None,
    seed: int | None = None,
) -> PeopleSegmentation:
    """Segment people with LCA from the counts of their response patterns, fitted on everyone.

    Method: as :func:`segment_people` (Goodman 1974; Linzer & Lewis 2011; BIC, Schwarz 1978),
    on all the people counted. People with the same response pattern contribute identical
    terms to the likelihood and to every EM step, so EM on the patterns weighted by their
    counts is exactly the EM on the person rows (Linzer & Lewis 2011, section 2): the same
    estimates, log-likelihood and BIC, with ``n`` the number of people. With the same
    ``seed`` it gives the fit of ``segment_people(people, ..., sample_size=None)``.

    Parameters
    ----------
    patterns
        One row per response pattern with the ``conditions`` (binary flags), the
        ``covariates`` and the number of people giving it in column ``n``; a covariate named in
        ``bins`` is its group number in column ``<name>_group`` (``age_group``), as
        ``strata_counts(source, [*conditions, "sex"], age_groups=bins["age"])``
        (:mod:`analysis.data.chapter_aggregates`) counts them in a database engine. A pattern
        repeated on several rows is counted once with their counts added.
    conditions, covariates, n_segments, max_segments, elbow_tolerance, n_init, condition_groups, seed
        As :func:`segment_people`.
    n
        Column of people per pattern: whole numbers, at least 0.
    bins
        Cut points of the grouped covariates (``{"age": [18, 40, 65, 80]}``): the group
        numbers in ``<name>_group`` are 0 below the first cut point up to ``len(cut points)``.
    missing
        ``"raise"`` refuses a pattern with a missing feature; ``"exclude"`` drops such
        patterns, with their people, and reports them (``dropped_rows`` lists the pattern
        rows).

    Returns
    -------
    PeopleSegmentation
        Assign people in the engine with :meth:`PeopleSegmentation.pattern_classes`.

    Examples
    --------
    >>> from analysis.segmentation.simulate import simulate_condition_groups
    >>> people, _ = simulate_condition_groups(n_people=3000, seed=4)
    >>> flags = ["diabetes", "chd", "copd", "asthma", "depression", "dementia"]
    >>> counted = people.groupby(flags).size().rename("n").reset_index()
    >>> segment_patterns(counted, flags, max_segments=4, seed=1).n_segments
    3
    """
    _check_n_segments(n_segments)
    bins = dict(bins or {})
    features = [*conditions, *covariates]
    columns = [group_column(c) if c in bins else c for c in features]
    require_columns(patterns, [*columns, n], what="patterns")
    people = check_counts(patterns, n)
    kept, dropped = handle_missing(patterns.loc[people > 0], columns, missing)
    encoding = build_encoding(kept, conditions, covariates, bins=bins, grouped=True)
    codes = encoding.encode(kept, grouped=True)
    distinct, inverse, _ = response_patterns(codes, encoding.n_categories)
    counts = np.bincount(inverse, weights=kept[n].to_numpy(dtype=float)).astype("int64")
    return _fit_segmentation(
        encoding,
        distinct,
        counts,
        n_segments=n_segments,
        max_segments=max_segments,
        elbow_tolerance=elbow_tolerance,
        n_init=n_init,
        condition_groups=condition_groups,
        seeds=_seeds(seed, max_segments),
        n_people=int(counts.sum()),
        dropped=dropped,
        seed=seed,
    )
