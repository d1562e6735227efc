"""Tests written to kill the mutation survivors of workbench/eval/stats.py (docs/testing.md).

The gate first: the fixed-mode verdict's fields and reasons, the gate's argument checks,
the session planner's numbers and warnings, and the report as the sum of its parts.
Everything is real stats code on seeded, hand-built votes; no mocks.
"""

from __future__ import annotations

import math

import pytest

from workbench.eval.stats import (
    SessionPlan,
    TagPlan,
    Vote,
    _jsonable,
    bootstrap_interval,
    bootstrap_lower_bound,
    clustered_mean,
    gate,
    gate_json,
    per_tag,
    plan_session,
    position_bias,
    position_bias_by_rater,
    prompts_to_detect,
    rater_agreement,
    report,
    win_rate,
)


def votes_from(outcomes: str, tags: tuple[str, ...] = (), start: int = 0, per_prompt: int = 1) -> list[Vote]:
    """One vote per letter (c=candidate, b=baseline, t=tie, x=both_bad), ``per_prompt``
    consecutive votes on each prompt, alternating sides so position is balanced."""
    names = {"c": "candidate", "b": "baseline", "t": "tie", "x": "both_bad"}
    return [Vote(f"p{start + i // per_prompt}", f"r{i % per_prompt}", names[letter], i % 2 == 0, tags)
            for i, letter in enumerate(outcomes)]


# ------------------------------------------------------------------- fixed gate


def test_fixed_gate_verdict_carries_n_prompts_p_value_and_exact_reasons():
    sample = votes_from("c" * 14 + "b" * 6) + votes_from("ccb", tags=("small",), start=20)
    verdict = gate(sample, target_n=23)
    mean = clustered_mean(sample)
    assert verdict.n == 23 and verdict.decided_at_n == 23 and verdict.prompts == 23
    assert verdict.mode == "fixed" and verdict.test == "superiority"
    assert verdict.p_value == mean.p_above(0.5)
    assert verdict.lower_bound == mean.lower_bound(0.95)
    lower = mean.lower_bound(0.95)
    assert verdict.reasons == [
        f"W={mean.rate:.3f} >= threshold 0.550",
        f"95% lower bound {lower:.3f} over 23 prompts {'>' if lower > 0.5 else '<='} 0.500",
        "not tested, fewer than 10 prompts: small (3)",
    ]
    assert gate_json(verdict)["p_value"] == mean.p_above(0.5)


def test_fixed_gate_below_threshold_says_less_than_and_lower_bound_not_above():
    sample = votes_from("c" * 10 + "b" * 10)
    verdict = gate(sample, target_n=20, alpha=0.1)
    assert verdict.decision == "hold"
    lower = clustered_mean(sample).lower_bound(0.9)
    assert verdict.reasons == ["W=0.500 < threshold 0.550",
                               f"90% lower bound {lower:.3f} over 20 prompts <= 0.500"]


def test_fixed_gate_promote_reason_says_greater_than():
    sample = votes_from("c" * 18 + "b" * 2)
    verdict = gate(sample, target_n=20)
    assert verdict.decision == "promote"
    assert verdict.reasons[1].endswith("over 20 prompts > 0.500")


def test_margin_test_drops_the_threshold_line_and_needs_the_bound_strictly_above():
    # Ten prompts, four votes each (3 wins, 1 tie): W = 0.875 on every prompt, so the
    # standard error is 0 and the lower bound is W minus half a vote, exactly.
    sample = votes_from("ccct" * 10, per_prompt=4)
    bar = 0.875 - 0.5 / 40
    verdict = gate(sample, target_n=40, threshold=bar, margin=True)
    assert verdict.lower_bound == bar
    assert verdict.decision == "hold"  # equal is not above
    assert verdict.test == "margin"
    assert verdict.reasons == [f"95% lower bound {bar:.3f} over 10 prompts <= {bar:.3f} (margin test)"]
    below = gate(sample, target_n=40, threshold=0.8, margin=True)
    assert below.decision == "promote"
    assert below.reasons == [f"95% lower bound {bar:.3f} over 10 prompts > 0.800 (margin test)"]


def test_fixed_gate_passes_tag_alpha_to_the_tag_tests():
    # A tag that loses 7-3 on 10 prompts: sign test p = 0.17, blocks at tag_alpha 0.2 only.
    sample = votes_from("c" * 20) + votes_from("bbbbbbbccc", tags=("weak",), start=20)
    assert gate(sample, target_n=30).decision != "block"
    blocked = gate(sample, target_n=30, tag_alpha=0.2)
    assert blocked.decision == "block" and blocked.blocking_tags == ["weak"]


def test_hold_for_too_few_prompts_reports_n_and_untested_tags():
    sample = votes_from("cccccc", per_prompt=2) + votes_from("cc", tags=("t",), start=3)
    verdict = gate(sample, target_n=8)
    assert verdict.decision == "hold" and verdict.n == 8 and verdict.decided_at_n == 8
    assert verdict.reasons[-1] == "not tested, fewer than 10 prompts: t (2)"


# ------------------------------------------------------------------- gate arguments


def test_gate_accepts_one_vote_and_threshold_one_half_and_rejects_one():
    one = gate(votes_from("c"), target_n=1)
    assert one.decision == "hold" and one.n == 1
    assert gate(votes_from("c" * 20), target_n=20, threshold=0.5).threshold == 0.5
    with pytest.raises(ValueError, match=r"threshold must be in \[0.5, 1\), got 1.0"):
        gate(votes_from("c"), target_n=1, threshold=1.0)
    with pytest.raises(ValueError, match="got 1.5"):
        gate(votes_from("c"), target_n=1, threshold=1.5)
    with pytest.raises(ValueError, match="target_n must be at least 1, got 0"):
        gate(votes_from("c"), target_n=0)


def test_sequential_gate_tests_the_declared_tags_not_the_ones_seen():
    # The candidate wins everywhere except on tag "bad", where it loses every prompt.
    sample = []
    for i in range(60):
        sample += votes_from("c", start=2 * i) + votes_from("b", tags=("bad",), start=2 * i + 1)
    declared = gate(sample, target_n=200, sequential=True, declared_tags=[])
    seen = gate(sample, target_n=200, sequential=True)
    assert "bad" not in declared.blocking_tags
    assert seen.decision == "block" and seen.blocking_tags == ["bad"]
    assert declared.mode == "sequential" == seen.mode


# ------------------------------------------------------------------- planning


def test_plan_with_two_raters_halves_the_prompts_and_suggests_enough_votes():
    plan = plan_session({"a": 130, "b": 70}, total_prompts=200, target_n=100, raters=2)
    needed = prompts_to_detect(0.35, 0.80, 0.05, 2, 0.25)
    assert needed == 66
    assert plan == SessionPlan(66, 100, 378, [
        TagPlan("a", 130, 66, 32.5, False), TagPlan("b", 70, 66, 17.5, False)], [
        "tag 'a': about 32 of its prompts fall in the planned 100 votes, 66 are needed to catch a drop "
        "to W=0.35 with 80% power",
        "tag 'b': about 18 of its prompts fall in the planned 100 votes, 66 are needed to catch a drop "
        "to W=0.35 with 80% power",
        "plan about 378 votes so that every tag gets 66 prompts",
    ])


def test_plan_without_enough_prompts_in_the_set_suggests_nothing():
    plan = plan_session({"a": 60, "b": 40}, total_prompts=100, target_n=200, raters=2)
    assert plan.suggested_target_n is None
    assert [p.expected for p in plan.tags] == [60.0, 40.0]
    assert plan.warnings == [
        "tag 'a': the golden set has 60 prompts, the gate needs 66 to catch a drop to W=0.35 with 80% power; "
        "add prompts to the set",
        "tag 'b': the golden set has 40 prompts, the gate needs 66 to catch a drop to W=0.35 with 80% power; "
        "add prompts to the set",
    ]


def test_plan_exactly_enough_is_enough():
    # One tag, 55 prompts needed, half the set, 110 votes: expected exactly 55.
    plan = plan_session({"a": 55}, total_prompts=110, target_n=110)
    assert plan == SessionPlan(55, 110, None, [TagPlan("a", 55, 55, 55.0, True)], [])


def test_plan_one_rater_suggests_needed_over_share():
    plan = plan_session({"a": 55}, total_prompts=110, target_n=100)
    assert plan.tags == [TagPlan("a", 55, 55, 50.0, False)]
    assert plan.suggested_target_n == 110
    assert plan.warnings[-1] == "plan about 110 votes so that every tag gets 55 prompts"


def test_plan_passes_the_tie_rate_on():
    plan = plan_session({"a": 100}, total_prompts=100, target_n=100, tie_rate=0.0)
    assert plan.prompts_per_tag == prompts_to_detect(0.35, 0.80, 0.05, 1, 0.0) == 69


def test_plan_on_an_empty_golden_set_expects_nothing_and_suggests_nothing():
    plan = plan_session({"a": 100}, total_prompts=0, target_n=10)
    assert plan.tags == [TagPlan("a", 100, 55, 0.0, False)]
    assert plan.suggested_target_n is None


# ------------------------------------------------------------------- report


def _expected_report(votes, target_n, threshold, tag_min_prompts, min_tag_n, resamples, seed, margin,
                     sequential, declared_tags):
    clustered = clustered_mean(votes)
    return _jsonable({
        "n": len(votes), "prompts": len({v.prompt_id for v in votes}), "target_n": target_n,
        "threshold": threshold, "win_rate": win_rate(votes),
        "clustered": None if clustered is None else {
            "prompts": clustered.prompts, "rate": clustered.rate,
            "se": None if math.isinf(clustered.se) else clustered.se,
            "lower_bound": clustered.lower_bound() if clustered.prompts >= 2 else None,
            "interval": clustered.interval() if clustered.prompts >= 2 else None,
        },
        "bootstrap": {"resamples": resamples, "seed": seed,
                      "lower_bound": bootstrap_lower_bound(votes, resamples, seed),
                      "interval": bootstrap_interval(votes, resamples, seed)},
        "tags": per_tag(votes, min_tag_n),
        "position_bias": {"overall": position_bias(votes), "by_rater": position_bias_by_rater(votes)},
        "agreement": rater_agreement(votes),
        "gate": gate_json(gate(votes, target_n, threshold, tag_min_prompts, margin=margin,
                               sequential=sequential, declared_tags=declared_tags)),
    })


def _mixed_votes() -> list[Vote]:
    return (votes_from("cbctcxcbcc" * 3, tags=("x",), per_prompt=2)
            + votes_from("bbbbbbbbcccc", tags=("y",), start=100)
            + votes_from("cb", start=200))


def test_report_with_defaults_is_its_parts_with_the_documented_defaults():
    votes = _mixed_votes()
    assert report(votes, 40) == _expected_report(votes, 40, 0.55, 10, 30, 2000, 0, False, False, None)


def test_report_passes_every_argument_on():
    votes = _mixed_votes()
    got = report(votes, 30, 0.6, 5, 10, 300, 7, margin=True, sequential=True, declared_tags=["x", "z"])
    assert got == _expected_report(votes, 30, 0.6, 5, 10, 300, 7, True, True, ["x", "z"])
    assert got["gate"]["mode"] == "sequential" and got["gate"]["test"] == "margin"
    fixed = report(votes, 30, 0.6, 3, seed=7, margin=True)
    assert fixed == _expected_report(votes, 30, 0.6, 3, 30, 2000, 7, True, False, None)


def test_report_on_one_prompt_has_no_clustered_bounds_and_no_se():
    votes = votes_from("cb", per_prompt=2)
    got = report(votes, 2)
    assert got["clustered"] == {"prompts": 1, "rate": 0.5, "se": None, "lower_bound": None, "interval": None}
    two = report(votes_from("cb"), 2)["clustered"]
    assert two["lower_bound"] is not None and two["interval"] is not None and two["se"] is not None


# ------------------------------------------------------------------- sequential gate

STOP = "you may stop now: more votes cannot change a final verdict"


def _fields(verdict) -> dict:
    return {name: getattr(verdict, name) for name in ("decision", "reasons", "n", "prompts", "final", "may_stop",
                                                      "decided_at_n", "rate", "lower_bound", "blocking_tags")}


def _alternating_tag_harm(prompts: int = 30) -> list[Vote]:
    """Two votes per prompt; every other prompt is tagged "bad" and lost twice."""
    sample = []
    for i in range(prompts):
        sample += votes_from("cc", start=2 * i, per_prompt=2) + votes_from("bb", tags=("bad",), start=2 * i + 1,
                                                                           per_prompt=2)
    return sample


def test_sequential_block_overall_names_all_prompts_but_lists_no_tag():
    verdict = gate(votes_from("b" * 40), 100, sequential=True)
    assert _fields(verdict) == {
        "decision": "block", "n": 40, "prompts": 40, "final": True, "may_stop": True, "decided_at_n": 9,
        "rate": 0.0, "lower_bound": 0.0, "blocking_tags": [],
        "reasons": ["harm shown on (all prompts) after 9 votes: an always-valid test puts W below 0.5", STOP]}


def test_sequential_block_on_a_tag_counts_votes_not_prompts():
    verdict = gate(_alternating_tag_harm(), 200, sequential=True)
    assert _fields(verdict) == {
        "decision": "block", "n": 120, "prompts": 60, "final": True, "may_stop": True, "decided_at_n": 43,
        "rate": 0.5, "lower_bound": 0.325, "blocking_tags": ["bad"],
        "reasons": ["harm shown on bad after 43 votes: an always-valid test puts W below 0.5", STOP]}


def test_sequential_tag_harm_waits_for_the_tag_floor_and_small_tags_do_not_stop_the_loop():
    assert gate(_alternating_tag_harm(), 200, sequential=True, tag_min_prompts=12).decided_at_n == 47
    small_first = _alternating_tag_harm() + votes_from("ccc", tags=("a",), start=500)
    verdict = gate(small_first, 200, sequential=True, declared_tags=["a", "bad"])
    assert verdict.decision == "block" and verdict.blocking_tags == ["bad"] and verdict.decided_at_n == 47
    # exactly tag_min_prompts members is enough to be tested
    exactly = gate(_alternating_tag_harm(12), 200, sequential=True, tag_min_prompts=12)
    assert exactly.decision == "block" and exactly.blocking_tags == ["bad"]


def test_sequential_promote_counts_votes_and_prompts():
    verdict = gate(votes_from("cc" * 20, per_prompt=2), 100, sequential=True)
    assert _fields(verdict) == {
        "decision": "promote", "n": 40, "prompts": 20, "final": True, "may_stop": True, "decided_at_n": 19,
        "rate": 1.0, "lower_bound": 0.735, "blocking_tags": [],
        "reasons": ["after 19 votes (10 prompts) the confidence sequence shows W > 0.500 and W=1.000 >= "
                    "threshold 0.550", STOP]}


def test_sequential_promote_waits_for_min_prompts_and_reports_the_last_rate():
    assert gate(votes_from("c" * 40), 100, sequential=True, min_prompts=20).decided_at_n == 20
    verdict = gate(votes_from("c" * 12 + "b"), 100, sequential=True)
    assert verdict.decided_at_n == 10 and verdict.rate == 12 / 13 and verdict.lower_bound == 0.61


def test_sequential_margin_promote_bets_against_the_threshold():
    verdict = gate(votes_from("c" * 40), 100, sequential=True, margin=True, threshold=0.6)
    assert verdict.decision == "promote" and verdict.decided_at_n == 12
    assert verdict.reasons == ["after 12 votes (12 prompts) the confidence sequence shows W > 0.600", STOP]


def test_sequential_hold_and_continue_are_spelled_out():
    hold = gate(votes_from("cb" * 10), 20, sequential=True)
    assert _fields(hold) == {
        "decision": "hold", "n": 20, "prompts": 20, "final": True, "may_stop": True, "decided_at_n": 20,
        "rate": 0.5, "lower_bound": 0.24, "blocking_tags": [],
        "reasons": ["budget of 20 votes spent without a decision: the evidence is not strong either way"]}
    assert gate(votes_from("cb" * 10), 20, sequential=True, alpha=0.2).lower_bound == 0.29
    going = gate(votes_from("cb" * 5), 20, sequential=True)
    assert _fields(going) == {
        "decision": "continue", "n": 10, "prompts": 10, "final": False, "may_stop": False, "decided_at_n": None,
        "rate": 0.5, "lower_bound": 0.155, "blocking_tags": [],
        "reasons": ["n=10 of at most 20: keep rating; the sequential test may decide at any vote"]}


def test_sequential_gate_without_votes_continues_with_no_rate():
    verdict = gate([], 20, sequential=True)
    assert _fields(verdict) == {
        "decision": "continue", "n": 0, "prompts": 0, "final": False, "may_stop": False, "decided_at_n": None,
        "rate": None, "lower_bound": None, "blocking_tags": [],
        "reasons": ["n=0 of at most 20: keep rating; the sequential test may decide at any vote"]}


def test_sequential_declared_tag_without_votes_and_no_floor_is_harmless():
    verdict = gate(votes_from("cb" * 5), 20, sequential=True, declared_tags=["nope"], tag_min_prompts=0)
    assert verdict.decision == "continue"


# ------------------------------------------------------------------- betting wealth

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from workbench.eval.stats import betting_log_wealth, sequential_lower_bound  # noqa: E402


def _reference_log_wealth(x: list[float], value: float, direction: int, cap: float) -> list[float]:
    """The aGRAPA bettor written out one observation at a time, as docs/statistics.md states it."""
    out, log_wealth = [], 0.0
    for i, observation in enumerate(x):
        seen = [0.5] + x[:i]  # one pseudo-observation at 0.5
        mean = sum(seen) / len(seen)
        variance = max(sum((s - mean) ** 2 for s in seen) / len(seen), 1e-6)
        edge = direction * (mean - value)
        most = cap / (value if direction > 0 else 1.0 - value)
        bet = min(max(edge / (variance + edge * edge), 0.0), most)
        log_wealth += math.log1p(bet * direction * (observation - value))
        out.append(log_wealth)
    return out


@settings(max_examples=150, deadline=None, derandomize=True)
@given(x=st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=1, max_size=30),
       value=st.sampled_from([0.1, 0.3, 0.5, 0.55, 0.7, 0.9]), direction=st.sampled_from([1, -1]),
       cap=st.sampled_from([0.25, 0.5, 0.9]))
def test_betting_log_wealth_matches_the_bettor_written_out(x, value, direction, cap):
    got = betting_log_wealth(x, value, direction, cap)
    assert got.tolist() == pytest.approx(_reference_log_wealth(x, value, direction, cap), rel=1e-9, abs=1e-12)


def test_a_bettor_on_a_constant_series_stakes_the_cap():
    # Variance floored at 1e-6, edge positive: the bet is capped at cap / value.
    got = betting_log_wealth([1.0, 1.0, 1.0], 0.2, 1, 0.5)
    assert got.tolist() == pytest.approx(_reference_log_wealth([1.0, 1.0, 1.0], 0.2, 1, 0.5))
    below = betting_log_wealth([0.0, 0.0, 0.0], 0.8, -1, 0.5)
    assert below.tolist() == pytest.approx(_reference_log_wealth([0.0, 0.0, 0.0], 0.8, -1, 0.5))


def _reference_lower_bound(x: list[float], alpha: float) -> float:
    grid = [i / 200 for i in range(1, 200)]
    beaten = [v for v in grid if max(_reference_log_wealth(x, v, 1, 0.5)) >= math.log(1.0 / alpha)]
    return max(beaten) if beaten else 0.0


@settings(max_examples=40, deadline=None, derandomize=True)
@given(x=st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=1, max_size=25),
       alpha=st.sampled_from([0.05, 0.2, 0.5]))
def test_sequential_lower_bound_is_the_largest_grid_value_beaten(x, alpha):
    assert sequential_lower_bound(x, alpha) == pytest.approx(_reference_lower_bound(x, alpha), abs=1e-12)


def test_sequential_lower_bound_edges():
    assert sequential_lower_bound([], 0.05) == 0.0
    assert sequential_lower_bound([1.0], 0.05) == 0.0  # one vote beats nothing at 5%
    assert sequential_lower_bound([1.0] * 60, 0.05) == pytest.approx(_reference_lower_bound([1.0] * 60, 0.05))
    assert sequential_lower_bound([1.0] * 200, 0.5) == _reference_lower_bound([1.0] * 200, 0.5) < 1.0


# ------------------------------------------------------------------- smaller functions

import numpy as np  # noqa: E402

from workbench.eval.stats import (  # noqa: E402
    ClusteredMean,
    bootstrap_rates,
    fit_prior_strength,
    sign_test_p,
    tag_tests,
)


def test_clustered_mean_of_one_prompt_has_infinite_se_and_two_prompts_a_finite_one():
    assert clustered_mean(votes_from("cb", per_prompt=2)) == ClusteredMean(1, 2, 0.5, math.inf)
    two = clustered_mean(votes_from("cb"))
    assert two.prompts == 2 and two.votes == 2 and two.rate == 0.5 and two.se == pytest.approx(0.5)


def test_bootstrap_takes_one_resample_and_rejects_none():
    assert bootstrap_rates(votes_from("cb"), resamples=1).shape == (1,)
    with pytest.raises(ValueError, match="resamples must be at least 1, got 0"):
        bootstrap_rates(votes_from("cb"), resamples=0)


def test_bootstrap_draws_every_prompt():
    rates = bootstrap_rates(votes_from("cb"), resamples=200, seed=1)
    assert set(rates.tolist()) == {0.0, 0.5, 1.0}


def test_bootstrap_in_several_chunks_fills_every_resample():
    # 5,000 prompts: 800 resamples per chunk, so 1,000 resamples take two chunks.
    votes = votes_from("cbt" * 1667)[:5000]
    rates = bootstrap_rates(votes, resamples=1000, seed=2)
    assert rates.shape == (1000,) and np.all((rates > 0.3) & (rates < 0.7))


def test_bootstrap_interval_and_lower_bound_are_the_percentiles_of_the_seeded_rates():
    votes = votes_from("ccbtcbccxb" * 3)
    rates = bootstrap_rates(votes, 500, seed=3)
    assert bootstrap_interval(votes, 500, 3, 0.9) == tuple(np.quantile(rates, [0.05, 0.95]).tolist())
    assert bootstrap_lower_bound(votes, 500, 3, 0.8) == float(np.quantile(rates, 0.2))


def test_fit_prior_strength_needs_two_groups_and_a_mean_strictly_inside():
    assert fit_prior_strength([3], [10], 0.3) is None
    assert fit_prior_strength([0, 0], [10, 10], 0.0) is None
    assert fit_prior_strength([10, 10], [10, 10], 1.0) is None
    assert fit_prior_strength([3, 5], [10, 10], 1.5) is None


def test_fit_prior_strength_is_solved_to_the_stated_tolerance():
    # xatol 1e-6 on log strength; scipy's default (1e-5) lands about 1e-7 away.
    assert fit_prior_strength([2, 8, 4, 9], [10, 10, 10, 10], 23 / 40) == pytest.approx(3.47423096547864, rel=1e-8)


def test_tag_tests_interval_p_value_and_block_at_exactly_alpha():
    votes = votes_from("c", tags=("one",)) + votes_from("cb", tags=("two",), start=1) \
        + votes_from("bbbbbbbccc", tags=("weak",), start=10)
    by_tag = {t.tag: t for t in tag_tests(votes, min_prompts=10)}
    assert (by_tag["one"].low, by_tag["one"].high) == (0.0, 1.0)
    two = clustered_mean(votes_from("cb")).interval(0.95)
    assert (by_tag["two"].low, by_tag["two"].high) == two
    p = sign_test_p(3, 7)
    assert by_tag["weak"].p_value == p
    assert {t.tag: t for t in tag_tests(votes, min_prompts=10, alpha=p)}["weak"].blocks


# ------------------------------------------------------------------- argument checks and edges

from workbench.eval.stats import PositionBias, vote_variance, wilson_interval  # noqa: E402


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5])
def test_confidence_must_be_strictly_between_0_and_1(confidence):
    with pytest.raises(ValueError, match=f"confidence must be between 0 and 1, got {confidence}"):
        wilson_interval(3, 10, confidence)
    with pytest.raises(ValueError, match=f"confidence must be between 0 and 1, got {confidence}"):
        clustered_mean(votes_from("cbc")).lower_bound(confidence)


def test_vote_variance_bounds_are_inclusive_and_named():
    assert vote_variance(0.125, 0.25) == pytest.approx(0.0625 - 0.125 ** 2)  # no wins at all
    assert vote_variance(0.875, 0.25) == pytest.approx(0.75 + 0.0625 - 0.875 ** 2)  # no losses
    for rate in (0.1, 0.9):
        with pytest.raises(ValueError, match=f"W={rate} is impossible with a tie rate of 0.25"):
            vote_variance(rate, 0.25)
    with pytest.raises(ValueError, match="impossible"):
        vote_variance(1.2, 0.0)


def test_clustered_p_values_on_one_two_and_constant_prompts():
    one = clustered_mean(votes_from("cc", per_prompt=2))
    assert one.p_above(0.5) == 1.0 and one.p_below(0.5) == 1.0
    two = clustered_mean(votes_from("cb"))
    expected = float(__import__("scipy").stats.t.sf((0.0 - 0.25) / two.se, 1))  # excess minus half a vote
    assert two.p_above(0.5) == pytest.approx(expected)
    # ten prompts at W = 0.875 exactly: se 0, the sign of (W - value - half a vote) decides
    flat = clustered_mean(votes_from("ccct" * 10, per_prompt=4))
    assert flat.se == 0.0
    assert flat.p_above(0.875 - 0.5 / 40) == 1.0  # excess exactly 0 is not above
    assert flat.p_above(0.8) == 0.0 and flat.p_below(0.5) == 1.0


def test_position_bias_without_decisive_votes_and_at_the_edges():
    assert position_bias(votes_from("tt")) == PositionBias(None, 0, 0, None, None, None, None, False)
    # 60 left picks of 100: two-sided exact binomial p against 0.5
    votes = [Vote(f"p{i}", "r", "candidate", i < 60) for i in range(100)]
    result = position_bias(votes)
    from scipy import stats as scipy_stats
    assert result.p_value == pytest.approx(float(scipy_stats.binomtest(60, 100, 0.5).pvalue))
    left_only = position_bias(votes_from("c") * 1)
    assert left_only.left_picks == 1 and left_only.p_value == 1.0


def test_report_gate_uses_the_tag_floor_and_the_declared_tags_it_is_given():
    votes = votes_from("c" * 20) + votes_from("b" * 10, tags=("weak",), start=20)
    assert report(votes, 30, 0.55, 10, resamples=50)["gate"]["decision"] == "block"
    floor_11 = report(votes, 30, 0.55, 11, resamples=50)["gate"]
    assert floor_11["decision"] != "block" and floor_11["tags"][0]["tested"] is False
    harm = _alternating_tag_harm()
    assert report(harm, 200, resamples=50, sequential=True)["gate"]["blocking_tags"] == ["bad"]
    declared = report(harm, 200, resamples=50, sequential=True, declared_tags=[])["gate"]
    assert declared["blocking_tags"] == []


def test_block_reason_names_the_t_test_when_a_tag_has_several_votes_per_prompt():
    votes = votes_from("c" * 20) + votes_from("b" * 20, tags=("weak",), start=20, per_prompt=2)
    verdict = gate(votes, 40)
    assert verdict.decision == "block"
    assert ", t test, screened-Holm adjusted p=" in verdict.reasons[0]


# ------------------------------------------------------- session 5: Johnson's skew term (f9a937b)


def test_prompts_that_score_alike_have_no_spread_even_when_rounding_leaves_a_trace():
    """Two prompts with the same 11 votes each: their residuals cancel up to rounding
    (a variance of 6.5e-33); that is no spread, so no standard error and no skew term."""
    mean = clustered_mean(votes_from("cccccccbbbt" * 2, per_prompt=11))
    assert (mean.prompts, mean.votes, mean.rate) == (2, 22, pytest.approx(7.5 / 11))
    assert mean.se == 0.0 and mean.skew == 0.0
    assert mean.p_above(0.5) == 0.0 and mean.p_below(0.5) == 1.0


def test_the_upper_bound_and_p_below_move_with_the_skew_term_and_the_bound_stops_at_one():
    from scipy import stats as scipy_stats

    skewed = ClusteredMean(prompts=10, votes=40, rate=0.6, se=0.05, skew=-0.01)
    t95 = scipy_stats.t.ppf(0.95, 9)
    assert skewed.upper_bound(0.95) == pytest.approx(0.6 - 0.01 + 0.5 / 40 + t95 * 0.05)
    assert skewed.upper_bound() == skewed.upper_bound(0.95)  # one-sided 95% unless told
    assert skewed.lower_bound(0.95) == pytest.approx(0.6 - 0.01 - 0.5 / 40 - t95 * 0.05)
    assert skewed.p_below(0.7) == pytest.approx(scipy_stats.t.sf((0.7 - 0.6 + 0.01 - 0.5 / 40) / 0.05, 9))
    assert skewed.p_above(0.5) == pytest.approx(scipy_stats.t.sf((0.6 - 0.01 - 0.5 - 0.5 / 40) / 0.05, 9))
    assert ClusteredMean(prompts=10, votes=40, rate=0.97, se=0.05, skew=0.002).upper_bound(0.95) == 1.0
