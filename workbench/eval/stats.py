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
    "GateVerdict",
    "PositionBias",
    "Rate",
    "TagResult",
    "Vote",
    "WinRate",
    "bootstrap_interval",
    "bootstrap_lower_bound",
    "bootstrap_rates",
    "bradley_terry",
    "bradley_terry_bootstrap",
    "fit_prior_strength",
    "gate",
    "krippendorff_alpha_nominal",
    "picked_left",
    "per_tag",
    "position_bias",
    "position_bias_by_rater",
    "rater_agreement",
    "report",
    "shrink",
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


# ------------------------------------------------------------------------------ gate


@dataclass(frozen=True)
class GateVerdict:
    """The promotion decision: ``verdict`` is promote, block, continue or hold."""

    verdict: str
    reasons: list[str]
    n: int
    target_n: int
    rate: float | None = None
    lower_bound: float | None = None
    blocking_tags: list[str] = field(default_factory=list)


def harmful_tags(tags: Iterable[TagResult], tag_block_n: int = 100) -> list[TagResult]:
    """Tags big enough to trust whose whole Wilson interval is below 0.5."""
    return [tag for tag in tags if tag.n >= tag_block_n and tag.high < 0.5]


def _harm_reason(tag: TagResult) -> str:
    return (f"tag {tag.tag!r}: W={tag.rate:.3f} (95% CI {tag.low:.3f}-{tag.high:.3f}) "
            f"over {tag.n} votes is below 0.5: the candidate is worse there")


def gate(votes: Sequence[Vote], target_n: int, threshold: float = 0.55, tag_block_n: int = 100,
         resamples: int = 2000, seed: int = 0) -> GateVerdict:
    """Decide whether to promote the candidate.

    * block: a tag with at least ``tag_block_n`` votes has its Wilson upper bound
      below 0.5. Checked before the planned n too: stopping early for harm is
      deliberate (docs/statistics.md), and block wins over promote.
    * continue: fewer than ``target_n`` votes; looking early must not promote.
    * promote: W >= threshold and the prompt-bootstrap lower bound > 0.5.
    * hold: the planned n is reached but the evidence is not enough.
    """
    if target_n < 1:
        raise ValueError(f"target_n must be at least 1, got {target_n}")
    votes = list(votes)
    n = len(votes)
    harmed = harmful_tags(per_tag(votes), tag_block_n)
    if harmed:
        reasons = [_harm_reason(tag) for tag in harmed]
        if n < target_n:
            reasons.append(f"early block at n={n} of planned {target_n}: harm on a large tag does not wait")
        return GateVerdict("block", reasons, n, target_n, blocking_tags=[tag.tag for tag in harmed])
    if n < target_n:
        return GateVerdict("continue", [f"n={n} of planned {target_n}: keep rating; peeking does not decide"],
                           n, target_n)
    rate = win_rate(votes).score / n
    lower = bootstrap_lower_bound(votes, resamples, seed)
    assert lower is not None
    reasons = [
        f"W={rate:.3f} {'>=' if rate >= threshold else '<'} threshold {threshold:.3f}",
        f"bootstrap 95% lower bound {lower:.3f} {'>' if lower > 0.5 else '<='} 0.5",
    ]
    verdict = "promote" if rate >= threshold and lower > 0.5 else "hold"
    return GateVerdict(verdict, reasons, n, target_n, rate=rate, lower_bound=lower)


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


def report(votes: Sequence[Vote], target_n: int, threshold: float = 0.55, tag_block_n: int = 100,
           min_tag_n: int = 30, resamples: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Everything above as a JSON-ready dict (``workbench rate report --json``)."""
    votes = list(votes)
    interval = bootstrap_interval(votes, resamples, seed)
    return _jsonable({
        "n": len(votes),
        "prompts": len({vote.prompt_id for vote in votes}),
        "target_n": target_n,
        "threshold": threshold,
        "win_rate": win_rate(votes),
        "bootstrap": {
            "resamples": resamples,
            "seed": seed,
            "lower_bound": bootstrap_lower_bound(votes, resamples, seed),
            "interval": interval,
        },
        "tags": per_tag(votes, min_tag_n),
        "position_bias": {"overall": position_bias(votes), "by_rater": position_bias_by_rater(votes)},
        "agreement": rater_agreement(votes),
        "gate": gate(votes, target_n, threshold, tag_block_n, resamples, seed),
    })
