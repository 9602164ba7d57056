"""How sure the evaluation is of a figure (pure): seeded bootstrap intervals for a median, a 90th
percentile and a difference of medians; score intervals for a percentage and a difference of
percentages; the sample sizes a suggestion needs; the "not enough data yet" entries.

Intervals are 90% ones (`CONFIDENCE`). The bootstrap is the percentile bootstrap with
`RESAMPLES` resamples drawn with `random.Random(seed)`: the same values give the same interval,
every time. It is fast because a resample's median need not be built: the k-th smallest of n
indices drawn uniformly from the sorted values is the value at floor(n U) where U is the k-th
smallest of n uniform numbers, which is Beta(k, n - k + 1) distributed (one `betavariate` per
resample, whatever n). For an even n the (k+1)-th follows from the k-th (the smallest of the
n - k uniform numbers above it). The draws are exactly those of resampling with replacement.

Percentages use the Wilson score interval; a difference of two percentages Newcombe's hybrid score
interval (method 10): both deterministic, and sound for small counts and for 0% or 100%."""
import math
import random
import statistics

CONFIDENCE = 0.9
Z = 1.6448536269514722  # the standard normal's 95th percentile: a two-sided 90% interval
RESAMPLES = 1000
SEED = 17

# Sample sizes: visits of a step before its time says anything (bottleneck, remove a step), visits
# judged against an SLA, items the daily review flagged for an owner, orders on each side of a
# version comparison.
MIN_VISITS = 20
MIN_JUDGED = 20
MIN_FLAGGED = 10
MIN_ORDERS = 20


def _order_statistic(n: int, k: int, rng: random.Random) -> tuple[float, float]:
    """(U_k, U_k+1): the k-th and (k+1)-th smallest of n uniform numbers (1 <= k <= n)."""
    u = rng.betavariate(k, n - k + 1)
    rest = n - k
    nxt = u + (1 - u) * (1 - rng.random() ** (1 / rest)) if rest else u
    return u, nxt


def _index(n: int, u: float) -> int:
    return min(n - 1, int(n * u))


def median_draws(values: list[float], seed: int = SEED, resamples: int = RESAMPLES) -> list[float]:
    """The medians of `resamples` bootstrap resamples of `values` (seeded)."""
    ordered = sorted(values)
    n = len(ordered)
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples):
        if n % 2:
            u, _ = _order_statistic(n, (n + 1) // 2, rng)
            draws.append(ordered[_index(n, u)])
        else:
            u, nxt = _order_statistic(n, n // 2, rng)
            draws.append((ordered[_index(n, u)] + ordered[_index(n, nxt)]) / 2)
    return draws


def p90_draws(values: list[float], seed: int = SEED, resamples: int = RESAMPLES) -> list[float]:
    """The nearest-rank 90th percentiles of bootstrap resamples of `values` (seeded)."""
    ordered = sorted(values)
    n = len(ordered)
    k = math.ceil(0.9 * n)
    rng = random.Random(seed)
    return [ordered[_index(n, _order_statistic(n, k, rng)[0])] for _ in range(resamples)]


def percentile_interval(draws: list[float], confidence: float = CONFIDENCE) -> list[float]:
    """The central `confidence` interval of the draws, rounded to one decimal."""
    ordered = sorted(draws)
    tail = (1 - confidence) / 2
    lo = ordered[int(math.floor(tail * (len(ordered) - 1)))]
    hi = ordered[int(math.ceil((1 - tail) * (len(ordered) - 1)))]
    return [round(lo, 1), round(hi, 1)]


_CACHE: dict[tuple, list[float]] = {}
_CACHE_SIZE = 512


def _cached(kind: str, values: list[float], seed: int, draws) -> list[float]:
    """The interval of `draws` over `values`, remembered (the same visits are measured overall,
    per kind and per version: the answer is the same, the work needn't be)."""
    key = (kind, seed, tuple(sorted(values)))
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        found = _CACHE[key] = percentile_interval(draws(key[2], seed))
    return list(found)


def median_interval(values: list[float], seed: int = SEED) -> list[float] | None:
    """A 90% bootstrap interval for the median of `values`; None with fewer than two values."""
    if len(values) < 2:
        return None
    return _cached("median", values, seed, median_draws)


def p90_interval(values: list[float], seed: int = SEED) -> list[float] | None:
    """A 90% bootstrap interval for the (nearest-rank) 90th percentile of `values`."""
    if len(values) < 2:
        return None
    return _cached("p90", values, seed, p90_draws)


def median_difference(before: list[float], after: list[float], seed: int = SEED) -> dict:
    """median(after) - median(before), with a 90% bootstrap interval (independent resamples of the
    two groups); the interval is None when either group has fewer than two values."""
    if not before or not after:
        return {"value": None, "interval": None}
    value = round(_median(after) - _median(before), 1)
    if len(before) < 2 or len(after) < 2:
        return {"value": value, "interval": None}
    a, b = median_draws(before, seed), median_draws(after, seed + 1)
    return {"value": value, "interval": percentile_interval([y - x for x, y in zip(a, b)])}


def z_for(confidence: float) -> float:
    """The standard normal quantile of a two-sided `confidence` interval."""
    return statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def median_difference_se(before: list[float], after: list[float], confidence: float, seed: int = SEED) -> dict:
    """median(after) - median(before) with a `confidence` interval: the value plus or minus z times
    a standard error, the larger of the seeded bootstrap's (the standard deviation of the
    resampled differences) and the order statistics' (`median_se`, both sides). Usable for the
    high confidences a family of comparisons needs, where 1,000 resamples have too few draws in
    the tails for a percentile interval. None without two values on each side."""
    if not before or not after:
        return {"value": None, "interval": None, "confidence": confidence}
    value = _median(after) - _median(before)
    if len(before) < 2 or len(after) < 2:
        return {"value": round(value, 1), "interval": None, "confidence": confidence}
    a, b = median_draws(before, seed), median_draws(after, seed + 1)
    boot = statistics.pstdev([y - x for x, y in zip(a, b)])
    order = math.sqrt(median_se(before) ** 2 + median_se(after) ** 2)
    spread = max(boot, order) * z_for(confidence)
    return {"value": round(value, 1), "interval": [round(value - spread, 1), round(value + spread, 1)],
            "confidence": confidence}


def median_se(values: list[float]) -> float:
    """The distribution-free standard error of a median from its order statistics (McKean and
    Schrader; the one Price and Bonett's interval for a difference of medians uses): the spread of
    the values around the median, so times clustered in lumps (office hours, next-day payments)
    with gaps near the median get the wide error they have, where the bootstrap's can be too small."""
    ordered = sorted(values)
    n = len(ordered)
    z = 1.959963984540054
    c = max(1, int(round((n + 1) / 2 - z * math.sqrt(n / 4))))
    return (ordered[n - c] - ordered[c - 1]) / (2 * z)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _wilson(k: int, n: int, z: float = Z) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def percent(k: int, n: int) -> float | None:
    return round(100 * k / n, 1) if n else None


def percent_interval(k: int, n: int) -> list[float] | None:
    """A 90% Wilson score interval for the percentage k of n; None when n is 0."""
    if not n:
        return None
    lo, hi = _wilson(k, n)
    return [round(100 * lo, 1), round(100 * hi, 1)]


def percent_difference(k_before: int, n_before: int, k_after: int, n_after: int,
                       confidence: float = CONFIDENCE) -> dict:
    """after% - before%, in percentage points, with Newcombe's `confidence` interval (None when
    either side has nothing)."""
    if not n_before or not n_after:
        return {"value": None, "interval": None, "confidence": confidence}
    z = z_for(confidence)
    p1, p2 = k_before / n_before, k_after / n_after
    l1, u1 = _wilson(k_before, n_before, z)
    l2, u2 = _wilson(k_after, n_after, z)
    d = p2 - p1
    lo = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return {"value": round(100 * d, 1), "interval": [round(100 * lo, 1), round(100 * hi, 1)], "confidence": confidence}


def verdict(difference: dict, lower_is_better: bool) -> str:
    """better / worse only when the difference's interval excludes zero; cant_tell otherwise."""
    interval = difference.get("interval")
    if interval is None:
        return "cant_tell"
    lo, hi = interval
    if hi < 0:
        return "better" if lower_is_better else "worse"
    if lo > 0:
        return "worse" if lower_is_better else "better"
    return "cant_tell"


def record(sample_size: int, needed: int, method: str, interval: list | None) -> dict:
    """A suggestion's `evidence`."""
    return {"sample_size": sample_size, "needed": needed, "method": method, "interval": interval,
            "confidence": CONFIDENCE}


def not_enough(work_kind: str | None, step: str | None, label: str | None, about: str, sample_size: int,
               needed: int, unit: str = "orders", why: str | None = None) -> dict:
    """A `not_enough_data` entry: "Not enough data yet for 'Requested' (7 orders; at least 20
    needed)." (`why` replaces the parenthesis when the count is not the reason)."""
    name = f"'{label}'" if label else about
    reason = why or f"{sample_size} {unit}; at least {needed} needed"
    return {"work_kind": work_kind, "step": step, "about": about, "sample_size": sample_size, "needed": needed,
            "text": f"Not enough data yet for {name} ({reason})."}

