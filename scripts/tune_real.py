"""Chooses the FAQ answer/offer rule on the REAL dev set (tests/real/dev.yml), never on the real held-out.

The real dev set holds questions people typed (the pool's items not used as training phrasings),
each labelled with the entries that would answer it (`accept`). For each (minimum confidence,
minimum margin) pair of assistant_core/faq_choice.py this prints, over the in-scope items, the
share answered right, offered with a right button, offered without one, answered wrong, and
declined (nlu_fallback / out of scope), beside the same rule's score on the written dev set
(tests/dev), so a rule that wins on real questions but loses on the dev set is visible.

score = right + 0.5 x offer_hit - wrong. Runs in the Rasa environment:

    .venv/rasa/bin/python scripts/tune_real.py [model.tar.gz]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_threshold import DEV, ROOT, outcome, parse_all

from assistant_core.contract import faq

REAL_DEV = ROOT / "tests" / "real" / "dev.yml"
CONFIDENCES = (0.1, 0.15, 0.2, 0.25, 0.3)
MARGINS = (0.0, 0.03, 0.05, 0.08, 0.1, 0.15)


def real_outcome(parsed: dict[str, Any], accept: list[str], min_conf: float, min_margin: float) -> str:
    """right / offer_hit / offer / wrong / declined for one in-scope real question."""
    intent = (parsed.get("intent") or {}).get("name")
    if intent != faq.INTENT:
        return "declined"  # nlu_fallback, out_of_scope or a non-FAQ intent: no FAQ answer either way
    selector = (parsed.get("response_selector") or {}).get(faq.INTENT) or {}
    ranking = selector.get("ranking") or []
    keys = [str(r.get("intent_response_key", "")).split("/", 1)[-1] for r in ranking]
    top = float(ranking[0].get("confidence") or 0.0) if ranking else 0.0
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    if top >= min_conf and top - second >= min_margin:
        return "right" if keys and keys[0] in accept else "wrong"
    return "offer_hit" if set(keys[:3]) & set(accept) else "offer"


def main() -> int:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "models" / "assistant.tar.gz"
    items = [i for i in yaml.safe_load(REAL_DEV.read_text()) if i["scope"] == "in"]
    dev = yaml.safe_load(DEV.read_text())["examples"]
    parsed = asyncio.run(parse_all([i["q"] for i in items] + [e["text"] for e in dev], model))
    real, written = parsed[: len(items)], parsed[len(items) :]
    n, m = len(items), len(dev)
    print(f"Real dev: {n} in-scope questions people typed; written dev: {m} questions.")
    print("score = right + 0.5 x offer_hit - wrong; 'offers' = share of replies that are offers.")
    header = f"{'conf':>5} {'margin':>6} | {'right':>6} {'hit':>6} {'offer':>6} {'wrong':>6} {'decl':>6}"
    print(header + f" {'offers':>6} {'score':>6} | {'dev score':>9} {'dev right':>9} {'dev wrong':>9}")
    for min_conf in CONFIDENCES:
        for min_margin in MARGINS:
            c = dict.fromkeys(("right", "offer_hit", "offer", "wrong", "declined"), 0)
            for item, result in zip(items, real, strict=True):
                c[real_outcome(result, item["accept"], min_conf, min_margin)] += 1
            d = dict.fromkeys(("right", "offer_hit", "offer", "wrong"), 0)
            for example, result in zip(dev, written, strict=True):
                d[outcome(result, example["expected"], min_conf, min_margin)] += 1
            score = (c["right"] + 0.5 * c["offer_hit"] - c["wrong"]) / n
            dev_score = (d["right"] + 0.5 * d["offer_hit"] - d["wrong"]) / m
            offers = (c["offer_hit"] + c["offer"]) / n
            print(
                f"{min_conf:>5.2f} {min_margin:>6.2f} | {c['right'] / n:>6.1%} {c['offer_hit'] / n:>6.1%}"
                f" {c['offer'] / n:>6.1%} {c['wrong'] / n:>6.1%} {c['declined'] / n:>6.1%} {offers:>6.1%}"
                f" {score:>6.3f} | {dev_score:>9.3f} {d['right'] / m:>9.1%} {d['wrong'] / m:>9.1%}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
