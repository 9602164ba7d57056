"""How sure the evaluation is (`reviews.evidence`): seeded bootstrap intervals for a median, a 90th
percentile and a difference of medians; score intervals for percentages; verdicts; the "not
enough data yet" entries. Pure and fast."""
import math
import random
import statistics
import time

import pytest

from chalicelib.reviews import evidence


def sample(seed: int, n: int, scale: float = 60.0) -> list[float]:
    rng = random.Random(seed)
    return [rng.expovariate(1 / scale) for _ in range(n)]


# --- the median's interval ----------------------------------------------------------------------------

def test_the_same_values_give_the_same_interval_every_time_and_in_any_order():
    values = sample(1, 50)
    first = evidence.median_interval(values)
    assert evidence.median_interval(list(reversed(values))) == first == evidence.median_interval(values)
    assert evidence.median_interval(values, seed=99) != first  # the seed is what makes it repeatable


def test_the_interval_holds_the_median_and_narrows_with_more_data():
    small, large = sample(2, 30), sample(2, 600)
    for values in (small, large):
        lo, hi = evidence.median_interval(values)
        assert lo <= statistics.median(values) <= hi
    width = [evidence.median_interval(v)[1] - evidence.median_interval(v)[0] for v in (small, large)]
    assert width[1] < width[0] / 2


def test_too_few_values_have_no_interval():
    assert evidence.median_interval([]) is None and evidence.median_interval([5]) is None
    assert evidence.median_interval([5, 5]) == [5, 5]


def test_the_resampled_medians_are_those_of_resampling_with_replacement():
    # The shortcut (one Beta draw per resample) against resampling n values, odd and even n.
    for values in ([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]):
        rng = random.Random(5)
        brute = [statistics.median(rng.choices(values, k=len(values))) for _ in range(4000)]
        quick = evidence.median_draws(values, seed=5, resamples=4000)
        assert statistics.mean(quick) == pytest.approx(statistics.mean(brute), abs=0.1)
        assert statistics.pstdev(quick) == pytest.approx(statistics.pstdev(brute), rel=0.08)
        assert set(quick) <= set(brute) | {v + 0.5 for v in values}


def test_nine_intervals_in_ten_hold_the_true_median():
    # Exponential with mean 1: the median is ln 2. 150 samples of 40, each its own seed.
    true = math.log(2)
    held = sum(lo <= true <= hi for lo, hi in (evidence.median_interval(sample(s, 40, 1.0), seed=s) for s in range(150)))
    assert 0.83 <= held / 150 <= 0.96


def test_the_90th_percentile_has_its_interval_too():
    values = sample(3, 200)
    lo, hi = evidence.p90_interval(values)
    ordered = sorted(values)
    assert lo <= ordered[math.ceil(0.9 * len(values)) - 1] <= hi
    assert lo > evidence.median_interval(values)[1]


def test_a_quarter_of_intervals_costs_little():
    # The bench budget: a quarter of ~1,000 orders evaluated in well under a second for the stats.
    values = [sample(s, 1000) for s in range(20)]
    evidence._CACHE.clear()
    started = time.process_time()
    for v in values:
        evidence.median_interval(v)
    assert time.process_time() - started < 1.0
    started = time.process_time()
    for v in values:  # the same visits, measured again (overall, per kind, per version): remembered
        evidence.median_interval(v)
    assert time.process_time() - started < 0.1


# --- differences of medians ---------------------------------------------------------------------------

def test_a_difference_of_medians_is_after_minus_before_with_its_interval():
    before, after = sample(4, 80, 100), sample(5, 80, 50)
    diff = evidence.median_difference(before, after)
    assert diff["value"] == round(statistics.median(after) - statistics.median(before), 1)
    lo, hi = diff["interval"]
    assert lo <= diff["value"] <= hi and hi < 0  # clearly shorter
    assert evidence.median_difference(before, after) == diff
    assert evidence.median_difference([], after) == {"value": None, "interval": None}


def test_a_stricter_confidence_widens_the_standard_error_interval():
    before, after = sample(6, 60), sample(7, 60)
    loose = evidence.median_difference_se(before, after, 0.9)
    strict = evidence.median_difference_se(before, after, 0.999)
    assert loose["value"] == strict["value"]
    assert strict["interval"][0] < loose["interval"][0] <= loose["interval"][1] < strict["interval"][1]
    assert strict["confidence"] == 0.999


# --- percentages ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("k, n", [(0, 20), (3, 30), (10, 20), (20, 20), (1, 1000)])
def test_a_percentage_s_interval_holds_it_and_stays_within_0_and_100(k, n):
    lo, hi = evidence.percent_interval(k, n)
    assert 0 <= lo <= 100 * k / n <= hi <= 100
    mirrored = evidence.percent_interval(n - k, n)
    assert (round(100 - hi, 1), round(100 - lo, 1)) == pytest.approx(tuple(mirrored), abs=0.11)


def test_the_wilson_interval_of_3_in_30():
    # p = 0.1, z = 1.645: centre (0.1 + z^2/60) / (1 + z^2/30), half-width as the formula gives
    assert evidence.percent_interval(3, 30) == [4.1, 22.6]
    assert evidence.percent_interval(0, 0) is None


def test_a_difference_of_percentages_uses_newcombe_s_interval():
    diff = evidence.percent_difference(10, 50, 20, 50)
    assert diff["value"] == 20.0 and diff["interval"] == [4.9, 33.9]
    same = evidence.percent_difference(10, 50, 10, 50)
    assert same["value"] == 0 and same["interval"][0] < 0 < same["interval"][1]
    assert evidence.percent_difference(0, 0, 1, 2)["interval"] is None


@pytest.mark.parametrize("interval, lower_is_better, verdict", [
    ([-5, -1], True, "better"), ([-5, -1], False, "worse"), ([1, 5], True, "worse"), ([1, 5], False, "better"),
    ([-1, 1], True, "cant_tell"), ([0, 3], True, "cant_tell"), (None, True, "cant_tell"),
])
def test_better_or_worse_only_when_the_interval_excludes_zero(interval, lower_is_better, verdict):
    assert evidence.verdict({"value": 1, "interval": interval}, lower_is_better) == verdict


# --- not enough data ------------------------------------------------------------------------------------

def test_not_enough_data_says_how_many_and_how_many_are_needed():
    entry = evidence.not_enough("installation", "requested", "Requested", "step_time", 7, 20)
    assert entry == {"work_kind": "installation", "step": "requested", "about": "step_time", "sample_size": 7,
                     "needed": 20, "text": "Not enough data yet for 'Requested' (7 orders; at least 20 needed)."}
    other = evidence.not_enough(None, None, None, "Dana's review record", 4, 10, "flagged items")
    assert other["text"] == "Not enough data yet for Dana's review record (4 flagged items; at least 10 needed)."


def test_a_suggestion_s_evidence_names_its_method_and_confidence():
    assert evidence.record(30, 20, "bootstrap", [1, 2]) == {
        "sample_size": 30, "needed": 20, "method": "bootstrap", "interval": [1, 2], "confidence": 0.9}


def test_the_order_statistics_error_of_a_median_is_the_textbook_one_and_guards_lumpy_times():
    # Uniform 1..100: the median's standard error is 1 / (2 f sqrt(n)) = 100 / 20 = 5
    assert evidence.median_se(list(range(1, 101))) == pytest.approx(5, abs=0.6)
    # Times in two lumps (paid the same day or the next) with the median between: a wide error
    lumpy = [60.0 + i % 3 for i in range(40)] + [1500.0 + i % 3 for i in range(41)]
    diff = evidence.median_difference_se(lumpy, lumpy, 0.99)
    assert diff["value"] == 0 and diff["interval"][1] - diff["interval"][0] > 1000
