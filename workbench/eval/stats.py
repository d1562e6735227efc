"""Statistics for side-by-side ratings: is the candidate better, where, and how sure.

This module owns the maths behind ``workbench rate report`` and the promotion gate:
win rate with Wilson intervals, a prompt-clustered bootstrap, per-tag results with
empirical-Bayes shrinkage, position bias, inter-rater agreement (Krippendorff's
alpha), Bradley-Terry strengths for more than two models, and the gate verdict.

Everything here is a pure function over plain Python data (:class:`Vote` and
tuples); no I/O, no SQL. Rates are ``None`` rather than exceptions when there is
nothing to measure, so a half-rated golden set still gets a report.
docs/statistics.md explains each choice for the people who read the numbers.

Conventions used throughout:

* A vote's *score* for the candidate is 1 (candidate), 0 (baseline) or 0.5 (tie,
  both_bad). ``W`` is the mean score. "Both bad" counts half like a tie because
  neither answer was preferred; its own rate is reported so W cannot hide it.
* ``n`` counts votes (rated pairs), so two raters on one prompt count twice; the
  bootstrap resamples prompts so that this double counting does not make us
  overconfident.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
from scipy import optimize, special, stats

__all__ = [
    "OUTCOMES",
    "SCORES",
    "Agreement",
    "ClusteredMean",
    "GateVerdict",
    "SessionPlan",
    "TagPlan",
    "TagTest",
    "PositionBias",
    "Rate",
    "TagResult",
    "Vote",
    "WinRate",
    "bootstrap_interval",
    "bootstrap_lower_bound",
    "bootstrap_rates",
    "bradley_terry",
    "betting_log_wealth",
    "bradley_terry_bootstrap",
    "clustered_mean",
    "first_votes",
    "fit_prior_strength",
    "gate",
    "gate_json",
    "holm",
    "screened_holm",
    "sign_test_p",
    "sign_test_power",
    "tag_block_power",
    "krippendorff_alpha_nominal",
    "picked_left",
    "per_tag",
    "plan_session",
    "prompts_to_detect",
    "position_bias",
    "position_bias_by_rater",
    "rater_agreement",
    "report",
    "sequential_lower_bound",
    "shrink",
    "tag_tests",
    "verdict_from_json",
    "wilson_interval",
    "win_rate",
]

OUTCOMES = ("candidate", "baseline", "tie", "both_bad")
#: The candidate's score per outcome; W is the mean of these.
SCORES: dict[str, float] = {"candidate": 1.0, "baseline": 0.0, "tie": 0.5, "both_bad": 0.5}

# Bounds on the beta-binomial prior strength alpha+beta. The lower end means "tags
# are unrelated" (no shrinkage); the upper end means "tags do not differ beyond
# binomial noise" (full pooling). Bounding keeps the 1-D optimiser away from 0 and inf.
PRIOR_STRENGTH_BOUNDS = (1e-3, 1e6)
# Index matrices for the bootstrap are drawn in chunks of at most this many cells, so
# a 100k-prompt golden set does not allocate gigabytes.
_BOOTSTRAP_CHUNK_CELLS = 4_000_000


# ----------------------------------------------------------------------------- votes


@dataclass(frozen=True)
class Vote:
    """One unblinded side-by-side rating of one prompt by one rater."""

    prompt_id: str
    rater: str
    outcome: str
    candidate_left: bool
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.outcome not in SCORES:
            raise ValueError(
                f"vote on prompt {self.prompt_id!r} by {self.rater!r} has outcome "
                f"{self.outcome!r}; expected one of {', '.join(OUTCOMES)}"
            )
        # Callers read tags from JSON (lists); a tuple keeps the vote hashable.
        if not isinstance(self.tags, tuple):
            object.__setattr__(self, "tags", tuple(self.tags))

    @property
    def score(self) -> float:
        return SCORES[self.outcome]


@dataclass(frozen=True)
class Rate:
    """A proportion with its confidence interval."""

    value: float
    low: float
    high: float


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for successes/n; ``None`` when n is 0.

    successes may be fractional (W counts ties as half): the interval then treats W
    as if it came from n Bernoulli votes, which overstates the variance of a tie and
    so errs on the wide side.
    """
    if n <= 0:
        return None
    z = _z(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    # Rounding can push an endpoint a hair outside [0, 1] at p = 0 or 1.
    return max(0.0, centre - half), min(1.0, centre + half)


def _rate(successes: float, n: int, confidence: float) -> Rate | None:
    interval = wilson_interval(successes, n, confidence)
    if interval is None:
        return None
    return Rate(value=successes / n, low=interval[0], high=interval[1])


# -------------------------------------------------------------------------- win rate


@dataclass(frozen=True)
class WinRate:
    """Counts and rates of a set of votes, from the candidate's side.

    ``rate`` is W with ties and both_bad counted half; ``decisive`` is
    wins/(wins+losses); ``both_bad_rate`` is both_bad/n. Each is ``None`` when its
    denominator is 0.
    """

    n: int
    wins: int
    losses: int
    ties: int
    both_bad: int
    rate: Rate | None
    decisive: Rate | None
    both_bad_rate: Rate | None

    @property
    def score(self) -> float:
        return self.wins + 0.5 * (self.ties + self.both_bad)


def win_rate(votes: Iterable[Vote], confidence: float = 0.95) -> WinRate:
    counts = Counter(vote.outcome for vote in votes)
    wins, losses = counts["candidate"], counts["baseline"]
    ties, both_bad = counts["tie"], counts["both_bad"]
    n = wins + losses + ties + both_bad
    score = wins + 0.5 * (ties + both_bad)
    return WinRate(
        n=n,
        wins=wins,
        losses=losses,
        ties=ties,
        both_bad=both_bad,
        rate=_rate(score, n, confidence),
        decisive=_rate(wins, wins + losses, confidence),
        both_bad_rate=_rate(both_bad, n, confidence),
    )


# ------------------------------------------------------------------------- bootstrap


def _prompt_clusters(votes: Iterable[Vote]) -> tuple[np.ndarray, np.ndarray]:
    """Per-prompt score sums and vote counts: the units the bootstrap resamples."""
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for vote in votes:
        sums[vote.prompt_id] += vote.score
        counts[vote.prompt_id] += 1
    order = sorted(sums)  # input order must not change a seeded result
    return (np.array([sums[p] for p in order], dtype=float),
            np.array([counts[p] for p in order], dtype=float))


def bootstrap_rates(votes: Iterable[Vote], resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """W in each of ``resamples`` cluster-bootstrap samples (empty array without votes).

    Prompts are drawn with replacement and bring all their votes along: raters who
    saw the same prompt are not independent evidence, and a vote-level bootstrap
    would pretend they are.
    """
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    sums, counts = _prompt_clusters(votes)
    prompts = len(sums)
    if prompts == 0:
        return np.empty(0)
    rng = np.random.Generator(np.random.PCG64(seed))
    rows = max(1, _BOOTSTRAP_CHUNK_CELLS // prompts)
    rates = np.empty(resamples)
    for start in range(0, resamples, rows):
        stop = min(resamples, start + rows)
        drawn = rng.integers(0, prompts, size=(stop - start, prompts))
        rates[start:stop] = sums[drawn].sum(axis=1) / counts[drawn].sum(axis=1)
    return rates


def bootstrap_lower_bound(votes: Iterable[Vote], resamples: int = 2000, seed: int = 0,
                          confidence: float = 0.95) -> float | None:
    """One-sided lower bound on W: the (1-confidence) percentile of the bootstrap."""
    rates = bootstrap_rates(votes, resamples, seed)
    if rates.size == 0:
        return None
    return float(np.quantile(rates, 1.0 - confidence))


def bootstrap_interval(votes: Iterable[Vote], resamples: int = 2000, seed: int = 0,
                       confidence: float = 0.95) -> tuple[float, float] | None:
    """Two-sided percentile interval on W from the same cluster bootstrap."""
    rates = bootstrap_rates(votes, resamples, seed)
    if rates.size == 0:
        return None
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(rates, [tail, 1.0 - tail])
    return float(low), float(high)


# --------------------------------------------------------------------------- per tag


@dataclass(frozen=True)
class TagResult:
    """W on the votes of one tag, raw (with its Wilson interval) and shrunk."""

    tag: str
    n: int
    wins: int
    losses: int
    ties: int
    both_bad: int
    rate: float
    low: float
    high: float
    shrunk: float
    insufficient: bool


def group_by_tag(votes: Iterable[Vote]) -> dict[str, list[Vote]]:
    """Votes per tag; a vote with several tags is in several groups, untagged in none."""
    groups: dict[str, list[Vote]] = defaultdict(list)
    for vote in votes:
        for tag in dict.fromkeys(vote.tags):  # a repeated tag must not count twice
            groups[tag].append(vote)
    return dict(groups)


def _beta_binomial_loglik(strength: float, successes: np.ndarray, trials: np.ndarray, mean: float) -> float:
    # The binomial coefficient does not depend on the prior, so it is left out; betaln
    # accepts the half successes that ties produce, where scipy's betabinom does not.
    alpha, beta = strength * mean, strength * (1.0 - mean)
    return float(np.sum(special.betaln(successes + alpha, trials - successes + beta)
                        - special.betaln(alpha, beta)))


def fit_prior_strength(successes: Sequence[float], trials: Sequence[int], mean: float) -> float | None:
    """Maximum-likelihood strength alpha+beta of a beta prior with the given mean.

    The mean is fixed (to the overall W) so that shrinkage pulls toward the headline
    rate and only one number is fitted, which stays stable with a handful of tags.
    Returns ``None`` when it cannot be estimated: fewer than two groups, or a mean
    of exactly 0 or 1 (every vote the same, nothing to shrink).
    """
    if len(successes) < 2 or not 0.0 < mean < 1.0:
        return None
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    low, high = (math.log(bound) for bound in PRIOR_STRENGTH_BOUNDS)
    fit = optimize.minimize_scalar(
        lambda log_strength: -_beta_binomial_loglik(math.exp(log_strength), s, n, mean),
        bounds=(low, high), method="bounded", options={"xatol": 1e-6},
    )
    return math.exp(float(fit.x))


def shrink(successes: float, n: int, mean: float, strength: float | None) -> float:
    """Posterior mean (alpha+s)/(alpha+beta+n); the raw rate when there is no prior."""
    if strength is None:
        return successes / n
    return (strength * mean + successes) / (strength + n)


def per_tag(votes: Sequence[Vote], min_n: int = 30, confidence: float = 0.95) -> list[TagResult]:
    """One result per tag, sorted by tag; ``insufficient`` when n < min_n.

    ``shrunk`` is the empirical-Bayes estimate toward the overall W: small tags move
    most. Tags overlap (a vote can carry several), which the beta-binomial model
    ignores; it is a ranking aid, not a test.
    """
    votes = list(votes)
    groups = group_by_tag(votes)
    if not groups:
        return []
    overall = win_rate(votes)
    mean = overall.score / overall.n
    tallies = {tag: win_rate(group, confidence) for tag, group in sorted(groups.items())}
    strength = fit_prior_strength([t.score for t in tallies.values()],
                                  [t.n for t in tallies.values()], mean)
    results = []
    for tag, tally in tallies.items():
        assert tally.rate is not None  # every group holds at least one vote
        results.append(TagResult(
            tag=tag, n=tally.n, wins=tally.wins, losses=tally.losses, ties=tally.ties,
            both_bad=tally.both_bad, rate=tally.rate.value, low=tally.rate.low,
            high=tally.rate.high, shrunk=shrink(tally.score, tally.n, mean, strength),
            insufficient=tally.n < min_n,
        ))
    return results


# --------------------------------------------------------------------- position bias


@dataclass(frozen=True)
class PositionBias:
    """How often raters picked the left answer among decisive votes.

    ``rater`` is ``None`` for all raters together. ``warning`` is set when the
    interval excludes 0.5 and there are at least ``min_decisive`` decisive votes.
    """

    rater: str | None
    decisive: int
    left_picks: int
    left_rate: float | None
    low: float | None
    high: float | None
    p_value: float | None
    warning: bool


def picked_left(vote: Vote) -> bool | None:
    """Whether the picked answer was on the left; ``None`` for ties and both_bad."""
    if vote.outcome == "candidate":
        return vote.candidate_left
    if vote.outcome == "baseline":
        return not vote.candidate_left
    return None


def position_bias(votes: Iterable[Vote], min_decisive: int = 100, confidence: float = 0.95) -> PositionBias:
    picks = [left for left in map(picked_left, votes) if left is not None]
    decisive, left = len(picks), sum(picks)
    if decisive == 0:
        return PositionBias(None, 0, 0, None, None, None, None, False)
    rate = _rate(left, decisive, confidence)
    assert rate is not None
    p_value = float(stats.binomtest(left, decisive, 0.5, alternative="two-sided").pvalue)
    excludes_half = rate.high < 0.5 or rate.low > 0.5
    return PositionBias(
        rater=None, decisive=decisive, left_picks=left, left_rate=rate.value, low=rate.low,
        high=rate.high, p_value=p_value, warning=excludes_half and decisive >= min_decisive,
    )


def position_bias_by_rater(votes: Iterable[Vote], min_decisive: int = 100,
                           confidence: float = 0.95) -> list[PositionBias]:
    """One result per rater, sorted by rater. p-values are not corrected for the
    number of raters: with many raters expect an occasional false alarm."""
    by_rater: dict[str, list[Vote]] = defaultdict(list)
    for vote in votes:
        by_rater[vote.rater].append(vote)
    return [replace(position_bias(group, min_decisive, confidence), rater=rater)
            for rater, group in sorted(by_rater.items())]


# ------------------------------------------------------------------------- agreement


def _coincidences(units: Mapping[Hashable, Mapping[Hashable, Hashable]]) -> Counter:
    """Krippendorff's coincidence matrix o[c, k] over pairable values.

    Each unit with m >= 2 values adds its ordered pairs of values from different
    raters, weighted 1/(m-1) so every value counts once in total.
    """
    matrix: Counter = Counter()
    for ratings in units.values():
        values = [label for label in ratings.values() if label is not None]
        m = len(values)
        if m < 2:
            continue  # a lone value has nobody to agree with
        counts = Counter(values)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    matrix[c, k] += pairs / (m - 1)
    return matrix


def krippendorff_alpha_nominal(units: Mapping[Hashable, Mapping[Hashable, Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal labels, missing values allowed.

    ``units`` maps each unit to {rater: label}; an absent rater or a ``None`` label is
    missing. Units with fewer than two values are dropped. Returns ``None`` when
    alpha is undefined: no pairable values, or every value the same label (no
    variation, so expected disagreement is 0 and reliability cannot be judged).
    """
    matrix = _coincidences(units)
    marginals: Counter = Counter()
    for (c, _k), weight in matrix.items():
        marginals[c] += weight
    total = sum(marginals.values())
    observed = sum(weight for (c, k), weight in matrix.items() if c != k)
    expected = total * total - sum(n_c * n_c for n_c in marginals.values())
    if total == 0 or expected <= 1e-12:
        return None
    return 1.0 - (total - 1.0) * observed / expected


@dataclass(frozen=True)
class Agreement:
    """Alpha over prompts rated by at least two raters; ``alpha`` None without any."""

    alpha: float | None
    units: int
    warning: bool


def outcome_units(votes: Iterable[Vote]) -> dict[str, dict[str, str]]:
    """{prompt: {rater: outcome}}; a rater's later vote on a prompt replaces an earlier one."""
    units: dict[str, dict[str, str]] = defaultdict(dict)
    for vote in votes:
        units[vote.prompt_id][vote.rater] = vote.outcome
    return dict(units)


def rater_agreement(votes: Iterable[Vote], warn_below: float = 0.4) -> Agreement:
    shared = {prompt: ratings for prompt, ratings in outcome_units(votes).items() if len(ratings) >= 2}
    alpha = krippendorff_alpha_nominal(shared) if shared else None
    return Agreement(alpha=alpha, units=len(shared), warning=alpha is not None and alpha < warn_below)


# ------------------------------------------------------------------- Bradley-Terry


def _index_comparisons(
    comparisons: Sequence[tuple[str, str, float]],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Models (sorted) and arrays of (index a, index b, score for a), validated."""
    models = sorted({name for a, b, _ in comparisons for name in (a, b)})
    index = {name: i for i, name in enumerate(models)}
    for number, (a, b, score) in enumerate(comparisons, start=1):
        if a == b:
            raise ValueError(f"comparison {number} pits {a!r} against itself")
        if score not in (0, 0.5, 1):
            raise ValueError(f"comparison {number} ({a!r} vs {b!r}) has score {score!r}; expected 1, 0.5 or 0")
    first = np.array([index[a] for a, _, _ in comparisons], dtype=np.intp)
    second = np.array([index[b] for _, b, _ in comparisons], dtype=np.intp)
    scores = np.array([float(s) for _, _, s in comparisons])
    return models, first, second, scores


def _aggregate(k: int, first: np.ndarray, second: np.ndarray, scores: np.ndarray,
               weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Games matrix N[i, j] and total score w[i]; weights repeat comparisons (bootstrap)."""
    if weights is None:
        weights = np.ones(len(first))
    games = np.zeros((k, k))
    np.add.at(games, (first, second), weights)
    games = games + games.T
    wins = (np.bincount(first, weights * scores, minlength=k)
            + np.bincount(second, weights * (1.0 - scores), minlength=k))
    return games, wins


def _fit_strengths(games: np.ndarray, wins: np.ndarray, prior: float, tol: float, max_iter: int) -> np.ndarray:
    """Hunter's (2004) MM iteration, normalised to geometric mean 1 each step."""
    k = len(wins)
    # The prior is `prior` virtual games between every pair, each a tie. It keeps a
    # model that never wins at a finite strength and joins disconnected groups of
    # models, while staying scale-free (it favours equal strengths, not any level).
    games = games + prior * (1.0 - np.eye(k))
    wins = wins + prior * (k - 1) / 2.0
    if np.any(wins <= 0):
        raise ValueError("a model never wins or ties; use prior > 0 to estimate it")
    strengths = np.ones(k)
    for _ in range(max_iter):
        denominators = (games / (strengths[:, None] + strengths[None, :])).sum(axis=1)
        updated = wins / denominators
        updated /= math.exp(float(np.mean(np.log(updated))))
        change = float(np.max(np.abs(np.log(updated) - np.log(strengths))))
        strengths = updated
        if change < tol:
            break
    return strengths


def bradley_terry(comparisons: Sequence[tuple[str, str, float]], prior: float = 0.1,
                  tol: float = 1e-9, max_iter: int = 10_000) -> dict[str, float]:
    """Bradley-Terry strengths {model: strength} with geometric mean 1.

    Each comparison is (model_a, model_b, score_for_a) with score 1, 0.5 (tie: half a
    win each) or 0. P(a beats b) = s_a / (s_a + s_b). Stops when no log-strength
    moves more than ``tol`` or after ``max_iter`` iterations.
    """
    if not comparisons:
        return {}
    models, first, second, scores = _index_comparisons(comparisons)
    games, wins = _aggregate(len(models), first, second, scores)
    strengths = _fit_strengths(games, wins, prior, tol, max_iter)
    return {model: float(s) for model, s in zip(models, strengths)}


def bradley_terry_bootstrap(comparisons: Sequence[tuple[str, str, float]], resamples: int = 1000,
                            seed: int = 0, confidence: float = 0.95, prior: float = 0.1,
                            tol: float = 1e-9, max_iter: int = 10_000) -> dict[str, tuple[float, float]]:
    """Percentile intervals {model: (low, high)} of strengths over resampled comparisons."""
    if not comparisons:
        return {}
    models, first, second, scores = _index_comparisons(comparisons)
    rng = np.random.Generator(np.random.PCG64(seed))
    # Drawing m comparisons with replacement is a multinomial count per comparison.
    repeats = rng.multinomial(len(scores), np.full(len(scores), 1.0 / len(scores)), size=resamples)
    fits = np.array([
        _fit_strengths(*_aggregate(len(models), first, second, scores, weights.astype(float)),
                       prior, tol, max_iter)
        for weights in repeats
    ])
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(fits, [tail, 1.0 - tail], axis=0)
    return {model: (float(lo), float(hi)) for model, lo, hi in zip(models, low, high)}


# ------------------------------------------------------------------ clustered tests


@dataclass(frozen=True)
class ClusteredMean:
    """W over votes, with a standard error that treats the prompt as the unit.

    The estimate is the vote-weighted W (score sum / votes). Its variance is the
    cluster-robust (CR1) sandwich over prompts, and every bound and test uses Student's
    t with prompts - 1 degrees of freedom, after a continuity correction of half a
    vote. Several raters on one prompt are therefore
    one piece of evidence, not several, and the t quantile is the small-sample
    correction that keeps a 10-prompt gate honest where the percentile bootstrap is
    not (docs/statistics.md has the simulated rates).

    ``skew`` is Johnson's (1978) correction of the t statistic for a skewed population:
    mu3 / (6 sigma^2 n) over the prompt residuals, added to the estimate in every bound
    and test. Prompt means are bounded by 0 and 1, so with strong prompt effects and few
    prompts they are skewed (W = 0.6: a long tail towards 0), and the plain t lower bound
    covered 93.4% instead of 95% at 10 prompts; the term moves the centre of the interval
    the way the skew says, and vanishes when the prompts are symmetric or many.
    """

    prompts: int
    votes: int
    rate: float
    se: float
    skew: float = 0.0

    @property
    def df(self) -> int:
        return max(self.prompts - 1, 1)

    def _t(self, confidence: float) -> float:
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
        return float(stats.t.ppf(confidence, self.df))

    @property
    def continuity(self) -> float:
        """Half a vote, in units of W: the score sum moves in steps of 0.5 or 1, and a
        normal quantile on a lattice errs on the liberal side (200 coin flips pass a
        plain one-sided 5% test 5.2% of the time) without it."""
        return 0.5 / self.votes

    def lower_bound(self, confidence: float = 0.95) -> float:
        """One-sided lower confidence bound on W."""
        return max(0.0, self.rate + self.skew - self.continuity - self._t(confidence) * self.se)

    def upper_bound(self, confidence: float = 0.95) -> float:
        return min(1.0, self.rate + self.skew + self.continuity + self._t(confidence) * self.se)

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        tail = (1.0 + confidence) / 2.0
        return self.lower_bound(tail), self.upper_bound(tail)

    def p_above(self, value: float) -> float:
        """One-sided p-value of "W <= value": small when W is clearly above it."""
        return self._p(self.rate + self.skew - value)

    def p_below(self, value: float) -> float:
        """One-sided p-value of "W >= value": small when W is clearly below it."""
        return self._p(value - self.rate - self.skew)

    def _p(self, excess: float) -> float:
        if self.prompts < 2:
            return 1.0  # one prompt says nothing about the next one
        excess -= self.continuity
        if self.se == 0.0:
            # Every prompt scored the same: no spread to test with. Only the sign is known.
            return 0.0 if excess > 0 else 1.0
        return float(stats.t.sf(excess / self.se, self.df))


def clustered_mean(votes: Iterable[Vote]) -> ClusteredMean | None:
    """W with its prompt-clustered standard error; ``None`` without votes."""
    sums, counts = _prompt_clusters(votes)
    prompts = len(sums)
    if prompts == 0:
        return None
    total = float(counts.sum())
    rate = float(sums.sum()) / total
    if prompts < 2:
        return ClusteredMean(prompts, int(total), rate, math.inf)
    residuals = sums - rate * counts
    variance = prompts / (prompts - 1) * float(np.sum(residuals * residuals)) / (total * total)
    # Residuals that cancel exactly can leave a variance of -0.0 or 1e-33: treat as none.
    se = math.sqrt(variance) if variance > 1e-24 else 0.0
    return ClusteredMean(prompts, int(total), rate, se, _johnson_skew(residuals * prompts / total) if se else 0.0)


def _johnson_skew(d: np.ndarray) -> float:
    """Johnson's (1978) skewness term mu3 / (6 s^2 n) for the mean of ``d``.

    ``d`` are the prompts' linearised residuals (the score sum less W times the votes, in
    units of an average prompt), whose mean is 0 and whose spread gives the clustered
    standard error."""
    n = len(d)
    second = float(np.sum(d * d)) / (n - 1)
    third = float(np.sum(d * d * d)) / n
    return third / (6.0 * second * n)


# --------------------------------------------------------------------- tag tests


@dataclass(frozen=True)
class TagTest:
    """The gate's test of one tag: is the candidate worse than the baseline there?

    One-sided, prompts as the unit: the exact sign test when every prompt of the tag has
    one vote (``test`` "sign"), else the clustered t of :class:`ClusteredMean` ("t").
    Across the tags that reach the floor of ``min_prompts`` the p-values are corrected
    by the screened Holm procedure (:func:`screened_holm`). ``p_value`` and
    ``adjusted_p`` are ``None`` for a tag below the floor (it is shown but never blocks).
    """

    tag: str
    prompts: int
    votes: int
    rate: float
    low: float
    high: float
    p_value: float | None
    adjusted_p: float | None
    tested: bool
    blocks: bool
    test: str = "t"


#: A tested tag whose raw p-value is above this is "screened out": it cannot block and
#: does not count in the multiple-comparison correction. A tag where the candidate is
#: clearly better (W = 0.65 over 40 prompts) has p near 1 and no longer costs the tags that
#: are worse their power. The average blocking power is flat from 0.7 to 0.9 (20-100
#: prompts per tag, drops to W = 0.30 and 0.35, 0 and 25% ties: 76.3% at 0.85, 76.4% at
#: 0.8); 0.85 is taken because at the issue's design point, five tags of 40 prompts with
#: one vote each, 0.85 * 5% = 4.25% admits the sign test's "<= 14 wins of 40" (size 4.03%)
#: and 0.8 does not. docs/statistics.md has the table, and what 0.85 costs at 30 prompts.
TAG_SCREEN = 0.85


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the input order (family-wise error control)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def screened_holm(p_values: Sequence[float], screen: float = TAG_SCREEN) -> list[float]:
    """Holm on conditional p-values p/screen of the hypotheses with p <= screen; 1 for the rest.

    This is Zhao, Small & Su's (2019) conditional procedure for one-sided tests whose
    nulls are composite: a tag where the candidate is better than the baseline is a true
    null whose p-value sits near 1, and Holm would still charge for it. Only the R tags
    that pass the screen are corrected for, each at screen * alpha / R at Holm's first
    step. A single hypothesis needs no correction and is returned as it is (the number
    of tested tags is fixed by the design, not by the votes, so this stays valid).
    """
    if not 0.0 < screen <= 1.0:
        raise ValueError(f"screen must be in (0, 1], got {screen}")
    if len(p_values) <= 1:
        return [min(1.0, p) for p in p_values]
    kept = [i for i, p in enumerate(p_values) if p <= screen]
    adjusted = [1.0] * len(p_values)
    for index, value in zip(kept, holm([p_values[i] / screen for i in kept])):
        adjusted[index] = value
    return adjusted


def sign_test_p(wins: int, losses: int) -> float:
    """Exact one-sided p-value of "W >= 0.5" from one vote per prompt (small when the
    candidate loses clearly more often than it wins).

    With one vote per prompt, W >= 0.5 is P(win) >= P(loss) whatever the share of ties,
    so conditioning on the decisive votes gives an exact binomial test (the UMP unbiased
    test of the trinomial; ties and both-bad carry no evidence either way).
    """
    decisive = wins + losses
    if decisive == 0:
        return 1.0
    return float(stats.binom.cdf(wins, decisive, 0.5))


def _tag_p_value(group: Sequence[Vote], mean: ClusteredMean) -> tuple[float, str]:
    """The tag's one-sided p-value and the test that gave it (see :class:`TagTest`)."""
    if mean.votes == mean.prompts:  # one vote per prompt: the exact test is valid
        tally = win_rate(group)
        return sign_test_p(tally.wins, tally.losses), "sign"
    return mean.p_below(0.5), "t"


def tag_tests(votes: Sequence[Vote], min_prompts: int = 10, alpha: float = 0.05,
              confidence: float = 0.95, screen: float = TAG_SCREEN) -> list[TagTest]:
    """One test per tag, sorted by tag: blocks when the screened-Holm adjusted p <= alpha."""
    groups = group_by_tag(votes)
    means = {tag: clustered_mean(group) for tag, group in sorted(groups.items())}
    tested = [tag for tag, mean in means.items() if mean is not None and mean.prompts >= min_prompts]
    raw = {tag: _tag_p_value(groups[tag], means[tag]) for tag in tested}  # type: ignore[arg-type]
    adjusted = dict(zip(tested, screened_holm([raw[tag][0] for tag in tested], screen)))
    results = []
    for tag, mean in means.items():
        assert mean is not None  # every group holds at least one vote
        low, high = mean.interval(confidence) if mean.prompts >= 2 else (0.0, 1.0)
        p_value, test = raw.get(tag, (None, "sign" if mean.votes == mean.prompts else "t"))
        results.append(TagTest(
            tag=tag, prompts=mean.prompts, votes=mean.votes, rate=mean.rate, low=low, high=high,
            p_value=p_value, adjusted_p=adjusted.get(tag), tested=tag in adjusted,
            blocks=tag in adjusted and adjusted[tag] <= alpha, test=test,
        ))
    return results


# ----------------------------------------------------------------------- planning


@dataclass(frozen=True)
class TagPlan:
    """How many prompts one tag needs in the planned sample, and whether it gets them."""

    tag: str
    available: int
    needed: int
    expected: float
    enough: bool


@dataclass(frozen=True)
class SessionPlan:
    """What the planner says about a session before anyone rates."""

    prompts_per_tag: int
    target_n: int
    suggested_target_n: int | None
    tags: list[TagPlan]
    warnings: list[str]


def vote_variance(rate: float, tie_rate: float) -> float:
    """Variance of one vote's score when a share ``tie_rate`` of votes scores 0.5."""
    wins = rate - tie_rate / 2.0
    if wins < 0 or wins > 1 - tie_rate:
        raise ValueError(f"W={rate} is impossible with a tie rate of {tie_rate}")
    return wins + tie_rate / 4.0 - rate * rate


def sign_test_power(prompts: int, rate: float, level: float, tie_rate: float = 0.25) -> float:
    """Chance that :func:`sign_test_p` is <= ``level`` on ``prompts`` single votes when
    the true W is ``rate`` (exact: a sum over the number of decisive votes)."""
    win = rate - tie_rate / 2.0
    loss = 1.0 - rate - tie_rate / 2.0
    if win < 0 or loss < 0:
        raise ValueError(f"W={rate} is impossible with a tie rate of {tie_rate}")
    decisive = np.arange(prompts + 1)
    weight = stats.binom.pmf(decisive, prompts, win + loss)
    # Largest win count whose p-value is <= level, per number of decisive votes (-1: none).
    critical = stats.binom.ppf(level, decisive, 0.5)
    critical = np.where(stats.binom.cdf(critical, decisive, 0.5) > level, critical - 1, critical)
    hit = stats.binom.cdf(critical, decisive, win / (win + loss) if win + loss else 0.0)
    return float(np.sum(weight * np.where(critical >= 0, hit, 0.0)))


def tag_block_power(prompts: int, drop_to: float = 0.35, alpha: float = 0.05, tags: int = 1,
                    tie_rate: float = 0.25, screen: float = TAG_SCREEN, others_rate: float = 0.55) -> float:
    """Chance that one tag at W = ``drop_to`` with ``prompts`` single votes blocks the gate.

    The other ``tags - 1`` tags (as many prompts each) are at W = ``others_rate``: the
    default 0.55 is the default threshold, a candidate good enough to be promoted were
    it not for the bad tag, which is the case a block is for. Each other tag passes the
    screen of :func:`screened_holm` with the chance its own sign test has of p <= screen,
    and then costs the bad tag its share of the correction. At ``others_rate`` 0.5 this
    is the least favourable case.
    """
    if tags <= 1:
        return sign_test_power(prompts, drop_to, alpha, tie_rate)
    passes = sign_test_power(prompts, others_rate, screen, tie_rate)
    others = stats.binom.pmf(np.arange(tags), tags - 1, passes)
    return float(sum(weight * sign_test_power(prompts, drop_to, min(screen, screen * alpha / (1 + r)), tie_rate)
                     for r, weight in enumerate(others)))


@functools.lru_cache(maxsize=256)  # the planner asks again on every session it plans
def prompts_to_detect(drop_to: float = 0.35, power: float = 0.80, alpha: float = 0.05, tags: int = 1,
                      tie_rate: float = 0.25, most: int = 100_000) -> int:
    """Prompts a tag needs so that a true W of ``drop_to`` blocks with the given power.

    The power is the gate's own test, computed exactly (:func:`tag_block_power`: the sign
    test under the screened Holm correction, the other tags at W = 0.55). One vote per
    prompt is assumed: extra raters on a prompt help only as far as they disagree, so
    this errs on the safe side. The smallest such number is returned; the sign test's
    lattice makes power wobble by a point or two from one n to the next.
    """
    if not 0 < drop_to < 0.5:
        raise ValueError(f"drop_to must be between 0 and 0.5, got {drop_to}")
    vote_variance(drop_to, tie_rate)  # rejects an impossible W / tie rate pair
    for prompts in range(3, most + 1):
        if tag_block_power(prompts, drop_to, alpha, tags, tie_rate) >= power:
            return prompts
    return most


def plan_session(tag_prompts: Mapping[str, int], total_prompts: int, target_n: int, raters: int = 1,
                 drop_to: float = 0.35, power: float = 0.80, alpha: float = 0.05,
                 tie_rate: float = 0.25) -> SessionPlan:
    """Per-tag prompt needs for a session of ``target_n`` votes on a golden set.

    ``tag_prompts`` counts the golden set's prompts per tag. Sessions take prompts in a
    seeded random order, so a tag expects its share of the ``target_n / raters``
    prompts in the planned sample.
    """
    needed = prompts_to_detect(drop_to, power, alpha, len(tag_prompts), tie_rate)
    prompts_in_sample = min(total_prompts, target_n / max(raters, 1))
    plans, warnings, suggested = [], [], 0.0
    for tag, available in sorted(tag_prompts.items()):
        share = available / total_prompts if total_prompts else 0.0
        expected = share * prompts_in_sample
        plans.append(TagPlan(tag, available, needed, expected, expected >= needed))
        if available < needed:
            warnings.append(f"tag {tag!r}: the golden set has {available} prompts, the gate needs {needed} "
                            f"to catch a drop to W={drop_to} with {power:.0%} power; add prompts to the set")
        elif expected < needed:
            warnings.append(f"tag {tag!r}: about {expected:.0f} of its prompts fall in the planned {target_n} "
                            f"votes, {needed} are needed to catch a drop to W={drop_to} with {power:.0%} power")
        if share:
            suggested = max(suggested, needed / share * max(raters, 1))
    fits = all(p.available >= p.needed for p in plans)
    suggestion = math.ceil(suggested) if plans and fits and suggested > target_n else None
    if suggestion:
        warnings.append(f"plan about {suggestion} votes so that every tag gets {needed} prompts")
    return SessionPlan(needed, target_n, suggestion, plans, warnings)


# ---------------------------------------------------------------- sequential mode

#: Grid on which the always-valid lower bound is reported (decisions never use it).
_SEQUENTIAL_GRID = np.linspace(0.0, 1.0, 201)


def betting_log_wealth(x: np.ndarray, value: float | np.ndarray, direction: int = 1,
                       cap: float = 0.5) -> np.ndarray:
    """log K_t of a bettor who wagers that the mean of ``x`` (in [0, 1]) is above
    ``value`` (direction 1) or below it (direction -1), after each observation.

    K_t = prod(1 + lambda_i * direction * (x_i - value)) is a nonnegative supermartingale
    when the mean is on the other side, so by Ville's inequality P(ever K_t >= 1/alpha)
    <= alpha, however often one looks. The bet lambda_i uses only x_1..x_{i-1} (the
    aGRAPA rule of Waudby-Smith & Ramdas 2023, from running mean and variance with one
    pseudo-observation at 0.5), capped at ``cap`` of the stake that could be lost.
    Works along the last axis, so a bench can pass many sessions at once.
    """
    x = np.asarray(x, dtype=float)
    steps = np.arange(1, x.shape[-1] + 1, dtype=float)
    before = np.concatenate([np.zeros(x.shape[:-1] + (1,)), np.cumsum(x, axis=-1)[..., :-1]], axis=-1)
    squares = np.concatenate([np.zeros(x.shape[:-1] + (1,)), np.cumsum(x * x, axis=-1)[..., :-1]], axis=-1)
    mean = (0.5 + before) / steps
    # sum over earlier x_i of (x_i - mean)^2, plus the pseudo-observation's (0.5 - mean)^2
    variance = (squares - 2.0 * mean * before + (steps - 1.0) * mean * mean + (0.5 - mean) ** 2) / steps
    variance = np.maximum(variance, 1e-6)
    edge = direction * (mean - value)
    most = cap / (value if direction > 0 else 1.0 - value)
    bet = np.clip(edge / (variance + edge * edge), 0.0, most)
    return np.cumsum(np.log1p(bet * direction * (x - value)), axis=-1)


def first_crossing(log_wealth: np.ndarray, alpha: float, eligible: np.ndarray | None = None) -> int | None:
    """Index of the first observation at which the wealth reaches 1/alpha (and
    ``eligible`` holds), or ``None``."""
    hits = log_wealth >= math.log(1.0 / alpha)
    if eligible is not None:
        hits &= eligible
    where = np.flatnonzero(hits)
    return int(where[0]) if where.size else None


def sequential_lower_bound(x: np.ndarray, alpha: float = 0.05) -> float:
    """Always-valid lower confidence bound on the mean of ``x`` after all of it: the
    largest grid value the bettor has beaten at some time (0 when none)."""
    if len(x) == 0:
        return 0.0
    values = _SEQUENTIAL_GRID[1:-1, None]  # one bettor per grid value, all at once
    wealth = betting_log_wealth(np.broadcast_to(np.asarray(x, dtype=float), (len(values), len(x))), values)
    beaten = values[wealth.max(axis=1) >= math.log(1.0 / alpha), 0]
    return float(beaten.max()) if beaten.size else 0.0


# ------------------------------------------------------------------------------ gate

DECISIONS = ("promote", "block", "hold", "continue")
MODES = ("fixed", "sequential")


@dataclass(frozen=True)
class GateVerdict:
    """The promotion decision and its evidence.

    ``decision`` is promote, block, hold or continue. ``final`` is true for the first
    three: the gate decided on the planned sample (the first ``target_n`` votes) and
    nothing rated afterwards changes it. ``may_stop`` tells the rater that more votes
    cannot change the outcome. ``decided_at`` is filled in by whoever records the
    verdict (workbench.eval.rating stores it with the session). ``votes_after`` counts
    votes beyond the planned sample, which the gate never reads.
    """

    decision: str
    reasons: list[str]
    n: int
    target_n: int
    prompts: int = 0
    final: bool = False
    may_stop: bool = False
    decided_at: str | None = None
    decided_at_n: int | None = None
    mode: str = "fixed"
    test: str = "superiority"
    threshold: float = 0.55
    rate: float | None = None
    lower_bound: float | None = None
    p_value: float | None = None
    tags: list[TagTest] = field(default_factory=list)
    blocking_tags: list[str] = field(default_factory=list)
    votes_after: int = 0

    @property
    def verdict(self) -> str:
        """The decision (the name older callers used)."""
        return self.decision


def _block_reason(tag: TagTest) -> str:
    return (f"tag {tag.tag!r}: W={tag.rate:.3f} (95% CI {tag.low:.3f}-{tag.high:.3f}) over {tag.prompts} "
            f"prompts ({tag.votes} votes) is below 0.5, {'sign' if tag.test == 'sign' else 't'} test, "
            f"screened-Holm adjusted p={tag.adjusted_p:.4f}: "
            f"the candidate is worse there")


def _untested_reason(tags: Sequence[TagTest], min_prompts: int) -> list[str]:
    small = [f"{t.tag} ({t.prompts})" for t in tags if not t.tested]
    if not small:
        return []
    return [f"not tested, fewer than {min_prompts} prompts: {', '.join(small)}"]


def gate(votes: Sequence[Vote], target_n: int, threshold: float = 0.55, tag_min_prompts: int = 10, *,
         min_prompts: int = 10, margin: bool = False, sequential: bool = False, alpha: float = 0.05,
         tag_alpha: float = 0.05, declared_tags: Iterable[str] | None = None) -> GateVerdict:
    """Decide whether to promote the candidate, once, on the planned sample.

    ``votes`` in the order they were made; only the first ``target_n`` are read, so a
    session that goes on after the verdict cannot change it.

    Fixed mode (default), when the planned n is in:

    * block: a tag with at least ``tag_min_prompts`` prompts is worse than 0.5
      (one-sided test on prompts, screened Holm across tags at ``tag_alpha``; see
      :func:`tag_tests`).
    * promote: at least ``min_prompts`` prompts, W >= threshold (a practical bar), and
      the prompt-clustered one-sided (1-alpha) lower bound > 0.5; with ``margin`` the
      lower bound must clear the threshold itself.
    * hold: neither. Before the planned n: continue (peeking does not decide).

    Sequential mode stops at the first vote where a betting confidence sequence
    clears the bar (promote) or shows harm overall or on a tag (block); see
    :func:`betting_log_wealth`. ``target_n`` is then the budget: hold when it is spent.
    """
    if target_n < 1:
        raise ValueError(f"target_n must be at least 1, got {target_n}")
    if not 0.5 <= threshold < 1.0:
        raise ValueError(f"threshold must be in [0.5, 1), got {threshold}")
    votes = list(votes)
    sample = votes[:target_n]
    after = max(0, len(votes) - target_n)
    settings = dict(target_n=target_n, threshold=threshold, votes_after=after,
                    mode="sequential" if sequential else "fixed", test="margin" if margin else "superiority")
    if sequential:
        tags = sorted(set(declared_tags) if declared_tags is not None else {t for v in sample for t in v.tags})
        return _sequential_gate(sample, settings, tags, tag_min_prompts, min_prompts, margin, alpha, tag_alpha)
    if len(sample) < target_n:
        return GateVerdict("continue", [f"n={len(sample)} of planned {target_n}: keep rating; peeking does "
                                        f"not decide"], len(sample), **settings)
    return _fixed_gate(sample, settings, tag_min_prompts, min_prompts, margin, alpha, tag_alpha)


def _fixed_gate(sample: list[Vote], settings: dict, tag_min_prompts: int, min_prompts: int, margin: bool,
                alpha: float, tag_alpha: float) -> GateVerdict:
    threshold = settings["threshold"]
    tags = tag_tests(sample, tag_min_prompts, tag_alpha)
    mean = clustered_mean(sample)
    assert mean is not None  # target_n >= 1 votes are in
    common = dict(prompts=mean.prompts, final=True, may_stop=True, decided_at_n=len(sample), rate=mean.rate,
                  tags=tags, **settings)
    blocking = [t for t in tags if t.blocks]
    if blocking:
        return GateVerdict("block", [_block_reason(t) for t in blocking], len(sample),
                           blocking_tags=[t.tag for t in blocking], **common)
    untested = _untested_reason(tags, tag_min_prompts)
    if mean.prompts < min_prompts:
        return GateVerdict("hold", [f"only {mean.prompts} distinct prompts in the planned {len(sample)} votes; "
                                    f"the gate needs at least {min_prompts} (plan more prompts, not more raters)"]
                           + untested, len(sample), **common)
    bar = threshold if margin else 0.5
    lower = mean.lower_bound(1.0 - alpha)
    p_value = mean.p_above(bar)
    clears_bar = margin or mean.rate >= threshold
    reasons = [] if margin else [f"W={mean.rate:.3f} {'>=' if clears_bar else '<'} threshold {threshold:.3f}"]
    reasons.append(f"{1 - alpha:.0%} lower bound {lower:.3f} over {mean.prompts} prompts "
                   f"{'>' if lower > bar else '<='} {bar:.3f}" + (" (margin test)" if margin else ""))
    decision = "promote" if clears_bar and lower > bar else "hold"
    return GateVerdict(decision, reasons + untested, len(sample), lower_bound=lower, p_value=p_value, **common)


def first_votes(votes: Sequence[Vote]) -> tuple[list[int], list[Vote]]:
    """The first vote on each prompt, with its position among ``votes``.

    Sequential mode bets on these only: later raters on a prompt that has already
    paid out would be correlated evidence, which the martingale cannot absorb.
    """
    seen: set[str] = set()
    positions, firsts = [], []
    for position, vote in enumerate(votes):
        if vote.prompt_id not in seen:
            seen.add(vote.prompt_id)
            positions.append(position)
            firsts.append(vote)
    return positions, firsts


def _sequential_gate(sample: list[Vote], settings: dict, tags: list[str], tag_min_prompts: int,
                     min_prompts: int, margin: bool, alpha: float, tag_alpha: float) -> GateVerdict:
    threshold, target_n = settings["threshold"], settings["target_n"]
    positions, firsts = first_votes(sample)
    x = np.array([vote.score for vote in firsts], dtype=float)
    count = np.arange(1, len(x) + 1)
    running = np.cumsum(x) / count if len(x) else x
    bar = threshold if margin else 0.5
    eligible = (count >= min_prompts) & (margin | (running >= threshold))
    promote_at = first_crossing(betting_log_wealth(x, bar, 1), alpha, eligible) if len(x) else None
    # Harm: overall and on every declared tag, Bonferroni over them at tag_alpha.
    block_level = tag_alpha / (len(tags) + 1)
    harms: list[tuple[int, str]] = []
    overall_harm = first_crossing(betting_log_wealth(x, 0.5, -1), block_level) if len(x) else None
    if overall_harm is not None:
        harms.append((overall_harm, "(all prompts)"))
    for tag in tags:
        members = np.array([i for i, vote in enumerate(firsts) if tag in vote.tags], dtype=int)
        if len(members) < tag_min_prompts:
            continue
        eligible_tag = np.arange(1, len(members) + 1) >= tag_min_prompts
        hit = first_crossing(betting_log_wealth(x[members], 0.5, -1), block_level, eligible_tag)
        if hit is not None:
            harms.append((int(members[hit]), tag))
    block_at = min(at for at, _ in harms) if harms else None
    lower = sequential_lower_bound(x, alpha) if len(x) else None
    common = dict(prompts=len(x), rate=float(running[-1]) if len(x) else None, lower_bound=lower, **settings)
    if block_at is not None and (promote_at is None or block_at <= promote_at):
        blocking = sorted(name for at, name in harms if at == block_at)
        decided = positions[block_at] + 1
        return GateVerdict("block", [f"harm shown on {name} after {decided} votes: an always-valid test "
                                     f"puts W below 0.5" for name in blocking]
                           + ["you may stop now: more votes cannot change a final verdict"], len(sample),
                           final=True, may_stop=True, decided_at_n=decided,
                           blocking_tags=[b for b in blocking if b != "(all prompts)"], **common)
    if promote_at is not None:
        decided = positions[promote_at] + 1
        what = f"W > {bar:.3f}" + ("" if margin else f" and W={running[promote_at]:.3f} >= threshold {threshold:.3f}")
        return GateVerdict("promote", [f"after {decided} votes ({promote_at + 1} prompts) the confidence "
                                       f"sequence shows {what}",
                                       "you may stop now: more votes cannot change a final verdict"],
                           len(sample), final=True, may_stop=True, decided_at_n=decided, **common)
    if len(sample) >= target_n:
        return GateVerdict("hold", [f"budget of {target_n} votes spent without a decision: the evidence is "
                                    f"not strong either way"], len(sample), final=True, may_stop=True,
                           decided_at_n=len(sample), **common)
    return GateVerdict("continue", [f"n={len(sample)} of at most {target_n}: keep rating; the sequential test "
                                    f"may decide at any vote"], len(sample), **common)


# ---------------------------------------------------------------------------- report


def _jsonable(value: Any) -> Any:
    """Dataclasses, tuples and numpy scalars as JSON types; NaN as None."""
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def gate_json(verdict: GateVerdict) -> dict[str, Any]:
    """A verdict as JSON types, with ``verdict`` kept as a synonym of ``decision``."""
    return {**_jsonable(verdict), "verdict": verdict.decision}


def verdict_from_json(data: Mapping[str, Any]) -> GateVerdict:
    """Rebuild a stored verdict (the inverse of :func:`gate_json`)."""
    fields = {key: value for key, value in data.items() if key in GateVerdict.__dataclass_fields__}
    fields["tags"] = [TagTest(**tag) for tag in fields.get("tags", [])]
    return GateVerdict(**fields)


def report(votes: Sequence[Vote], target_n: int, threshold: float = 0.55, tag_min_prompts: int = 10,
           min_tag_n: int = 30, resamples: int = 2000, seed: int = 0, *, margin: bool = False,
           sequential: bool = False, declared_tags: Iterable[str] | None = None) -> dict[str, Any]:
    """Everything above as a JSON-ready dict (``workbench rate report --json``).

    The descriptive numbers use every vote; the gate reads only the planned sample.
    """
    votes = list(votes)
    interval = bootstrap_interval(votes, resamples, seed)
    clustered = clustered_mean(votes)
    return _jsonable({
        "n": len(votes),
        "prompts": len({vote.prompt_id for vote in votes}),
        "target_n": target_n,
        "threshold": threshold,
        "win_rate": win_rate(votes),
        "clustered": None if clustered is None else {
            "prompts": clustered.prompts, "rate": clustered.rate,
            "se": None if math.isinf(clustered.se) else clustered.se,
            "lower_bound": clustered.lower_bound() if clustered.prompts >= 2 else None,
            "interval": clustered.interval() if clustered.prompts >= 2 else None,
        },
        "bootstrap": {
            "resamples": resamples,
            "seed": seed,
            "lower_bound": bootstrap_lower_bound(votes, resamples, seed),
            "interval": interval,
        },
        "tags": per_tag(votes, min_tag_n),
        "position_bias": {"overall": position_bias(votes), "by_rater": position_bias_by_rater(votes)},
        "agreement": rater_agreement(votes),
        "gate": gate_json(gate(votes, target_n, threshold, tag_min_prompts, margin=margin,
                               sequential=sequential, declared_tags=declared_tags)),
    })
