"""The evaluation as a measuring instrument, on a set of seeded histories (infra.history_generator):
how many planted effects `evaluation.judge` finds, and how many things it says that no planted
effect explains, over histories with one effect each, with all five at once, and with none.

The set: each effect alone on `SEEDS_PER_EFFECT` seeds, all five together on as many (with
estimates beside the installations, on their own map), and `NULL_SEEDS` null histories
(realistic noise, and a version 2 of the map that changes nothing but a label; half of them with
estimates). Each history is 13 weeks of about 25 installation orders a week (the generator's
defaults). Pure: no DynamoDB, nothing written.

`python bench/evaluation_planted.py` measures this module alone and merges its figures into
bench/results.json and bench/results.md (the other figures stay as they were).
"""
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.reviews import evaluation  # noqa: E402
from infra import history_generator as hg  # noqa: E402

SEEDS_PER_EFFECT = 5
NULL_SEEDS = 10
FIRST_SEED = 1000
ESTIMATES_PER_WEEK = 12

DESCRIPTION = (
    "`evaluation.judge` (chalicelib/reviews/evaluation.py) on seeded histories from infra/history_generator.py (13 "
    "weeks of about 25 installation orders a week through the demo's map, arrivals in opening hours, lognormal times "
    "per step, on hold, cancellations, orders open at the end): each planted effect (bottleneck, idle step, rework, "
    f"overloaded owner, map change) alone on {SEEDS_PER_EFFECT} seeds and all five at once on {SEEDS_PER_EFFECT} "
    f"more, with about {ESTIMATES_PER_WEEK} estimates a week beside them on their own map (`planted` effects in all), "
    f"and {NULL_SEEDS} null histories with no effect and a version 2 that changes only a label, half of them with "
    "estimates (`null_histories`). `found`: planted effects the evaluation named (the suggestion of that kind on "
    "the planted step or owner; for the map change a `better` verdict on the step's median). `false_suggestions`: "
    "suggestions no planted effect explains, plus `better`/`worse` verdicts the change did not cause, over all the "
    "histories. Goal: found = planted, false_suggestions = 0."
)
DETAIL_DESCRIPTION = ("Per effect planted and found, the false findings by kind, the null histories with none, "
                      "suggestions whose words the figures do not hold (`untrue_texts`: \"orders wait longest in\" a "
                      "step another outlasts), the seeds and the seconds the whole set took.")


def _cases() -> list[tuple[tuple, int, bool, bool]]:
    """(effects, seed, a version 2 that changes nothing, estimates beside the installations)."""
    seed = FIRST_SEED
    cases = []
    for effect in hg.EFFECTS:
        for _ in range(SEEDS_PER_EFFECT):
            cases.append(((effect,), seed, False, False))
            seed += 1
    for _ in range(SEEDS_PER_EFFECT):
        cases.append((hg.EFFECTS, seed, False, True))
        seed += 1
    for i in range(NULL_SEEDS):
        cases.append(((), seed, True, i % 2 == 1))
        seed += 1
    return cases


def _kind(finding: str) -> str:
    """A false finding's kind: the suggestion's kind, or `experiment_<verdict>`."""
    parts = finding.split(":")
    return f"experiment_{parts[-1]}" if parts[0] == "experiment" else parts[0]


def measure() -> dict:
    started = time.perf_counter()
    planted = found = false_total = null_clean = untrue = 0
    per_effect = {e: {"planted": 0, "found": 0} for e in hg.EFFECTS}
    false_kinds: Counter = Counter()
    false_steps: Counter = Counter()
    cases = _cases()
    for effects, seed, noop, estimates in cases:
        history = hg.generate(seed, effects=effects, noop_change=noop,
                              estimates_per_week=ESTIMATES_PER_WEEK if estimates else 0)
        judged = evaluation.judge(history.orders, history.versions, history.window, history.now,
                                  owners=history.owners, calendar=history.calendar)
        result = hg.score(history, judged)
        planted += result["planted"]
        found += result["found"]
        for effect in history.effects:
            per_effect[effect.name]["planted"] += 1
            per_effect[effect.name]["found"] += 0 if effect.expected in result["missed"] else 1
        false_total += len(result["false"])
        false_kinds.update(_kind(f) for f in result["false"])
        false_steps.update(result["false"])
        null_clean += 1 if not effects and not result["false"] else 0
        untrue += len(hg.untrue_claims(judged))
    return {
        "evaluation_planted": {"planted": planted, "found": found, "false_suggestions": false_total,
                               "null_histories": NULL_SEEDS},
        "evaluation_planted_detail": {
            "per_effect": per_effect,
            "false_by_kind": dict(sorted(false_kinds.items())),
            "most_common_false": dict(false_steps.most_common(5)),
            "null_histories_with_no_false_finding": null_clean,
            "untrue_texts": untrue,
            "histories": len(cases),
            "seeds": [cases[0][1], cases[-1][1]],
            "seconds": round(time.perf_counter() - started, 1),
        },
    }


def main() -> None:
    figures = measure()
    results_path = ROOT / "bench" / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results.update(figures)
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path = ROOT / "bench" / "results.md"
    lines = md_path.read_text().splitlines() if md_path.exists() else ["| figure | value | how it was measured |",
                                                                        "| --- | --- | --- |"]
    for key, text in (("evaluation_planted", DESCRIPTION), ("evaluation_planted_detail", DETAIL_DESCRIPTION)):
        shown = json.dumps(figures[key], separators=(", ", ": "))
        row = f"| `{key}` | `{shown}` | {text} |"
        at = next((i for i, line in enumerate(lines) if line.startswith(f"| `{key}` |")), None)
        if at is None:
            lines.append(row)
        else:
            lines[at] = row
    md_path.write_text("\n".join(lines) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
