"""The grading table of a graded transcript (tests/real/GRADING.md).

.venv/app/bin/python scripts/real_grades.py var/real/transcript.yml [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

IN_SCOPE = ("right", "partial", "useful_offer", "bad_offer", "fallback", "wrong_topic", "wrong_fact")
OUT_OF_SCOPE = ("oos_right", "oos_wrong")
OFFERS = ("useful_offer", "bad_offer")


def table(items: list[dict[str, Any]]) -> dict[str, Any]:
    inside = [t for t in items if t.get("scope") == "in"]
    outside = [t for t in items if t.get("scope") != "in"]
    ungraded = [t["q"] for t in items if not t.get("grade")]
    misgraded = [
        t["q"]
        for t in items
        if t.get("grade") and t["grade"] not in (IN_SCOPE if t.get("scope") == "in" else OUT_OF_SCOPE)
    ]
    grades = Counter(t["grade"] for t in inside if t.get("grade"))
    graded = sum(grades.values())

    def share(*names: str) -> float:
        return sum(grades[n] for n in names) / graded if graded else 0.0

    offers = grades["useful_offer"] + grades["bad_offer"]
    by_kind: dict[str, Counter[str]] = {}
    for t in outside:
        if t.get("grade"):
            by_kind.setdefault(str(t.get("scope")), Counter())[t["grade"]] += 1
    return {
        "in_scope": len(inside),
        "in_scope_graded": graded,
        "grades": {g: grades[g] for g in IN_SCOPE},
        "right": share("right"),
        "right_or_useful_offer": share("right", "useful_offer"),
        "wrong_topic_or_fact": share("wrong_topic", "wrong_fact"),
        "offers": share(*OFFERS),
        "offers_with_a_right_topic": grades["useful_offer"] / offers if offers else None,
        "outside_scope": len(outside),
        "out_of_scope_right": sum(c["oos_right"] for c in by_kind.values())
        / max(1, sum(sum(c.values()) for c in by_kind.values())),
        "out_of_scope_by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "ungraded": len(ungraded),
        "grades_not_in_the_rule": misgraded,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("transcript", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = table(yaml.safe_load(args.transcript.read_text(encoding="utf-8")) or [])
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(f"in scope: {result['in_scope']} ({result['in_scope_graded']} graded)")
    for grade, count in result["grades"].items():
        share = count / result["in_scope_graded"] if result["in_scope_graded"] else 0.0
        print(f"  {grade:14} {count:4}  {share:6.1%}")
    print(f"right: {result['right']:.1%}; right or useful offer: {result['right_or_useful_offer']:.1%}")
    print(f"wrong topic or wrong fact: {result['wrong_topic_or_fact']:.1%}")
    with_right = result["offers_with_a_right_topic"]
    print(
        f"offers: {result['offers']:.1%} of in-scope; with a right topic: "
        + ("-" if with_right is None else f"{with_right:.1%}")
    )
    print(f"out of scope: {result['outside_scope']}, right referral {result['out_of_scope_right']:.1%}")
    for kind, counts in result["out_of_scope_by_kind"].items():
        print(f"  {kind:10} {counts}")
    if result["ungraded"] or result["grades_not_in_the_rule"]:
        print(f"ungraded: {result['ungraded']}; grades not in the rule: {result['grades_not_in_the_rule']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
