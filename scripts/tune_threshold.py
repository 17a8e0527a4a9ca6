"""Chooses the FAQ confidence rule on the DEV set (tests/dev), never on the frozen held-out set.

For each (minimum confidence, minimum margin) pair it prints how many dev questions would get the
right answer, a "Maksud Anda…?" offer, or a wrong answer. A wrong answer costs more than an offer:
people act on figures, so the rule should keep wrong answers rare. Runs in the Rasa environment.
"""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from pathlib import Path

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "dev" / "questions.yml"
sys.path.insert(0, str(ROOT))
from assistant_core.contract import fallback, faq, scope  # noqa: E402


async def parse_all(texts: list[str], model: Path) -> list[dict]:  # type: ignore[type-arg]
    import logging

    logging.disable(logging.WARNING)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def outcome(parsed: dict, expected: str, min_conf: float, min_margin: float) -> str:  # type: ignore[type-arg]
    intent = (parsed.get("intent") or {}).get("name") or fallback.NLU_FALLBACK
    if intent != faq.INTENT:
        if intent == expected:
            return "right"
        return "offer" if intent in {fallback.NLU_FALLBACK, scope.OUT_OF_SCOPE} else "wrong"
    selector = (parsed.get("response_selector") or {}).get(faq.INTENT) or {}
    ranking = selector.get("ranking") or []
    top = ranking[0] if ranking else {}
    second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
    confidence = float(top.get("confidence") or 0.0)
    if confidence >= min_conf and confidence - second >= min_margin:
        return "right" if top.get("intent_response_key") == expected else "wrong"
    offered = [r.get("intent_response_key") for r in ranking[:3]]
    return "offer_hit" if expected in offered else "offer"


def main() -> int:
    examples = yaml.safe_load(DEV.read_text())["examples"]
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "models" / "assistant.tar.gz"
    parsed = asyncio.run(parse_all([e["text"] for e in examples], model))
    n = len(examples)
    print(f"Dev set: {n} questions. right = answered correctly; offer = 'Maksud Anda…?' (hit: the right")
    print("topic is among the buttons); wrong = a wrong answer given confidently.")
    print("score = right + 0.5 x offer_hit - wrong (a wrong figure costs more than a question back).")
    print(f"{'min_conf':>9} {'margin':>7} {'right':>7} {'offer_hit':>9} {'offer':>6} {'wrong':>6} {'score':>6}")
    for min_conf in (0.0, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        for min_margin in (0.0, 0.05, 0.1, 0.15, 0.2):
            counts = {"right": 0, "offer_hit": 0, "offer": 0, "wrong": 0}
            for example, result in zip(examples, parsed, strict=True):
                counts[outcome(result, example["expected"], min_conf, min_margin)] += 1
            print(
                f"{min_conf:>9.2f} {min_margin:>7.2f} {counts['right'] / n:>7.1%} {counts['offer_hit'] / n:>9.1%}"
                f" {counts['offer'] / n:>6.1%} {counts['wrong'] / n:>6.1%}"
                f" {(counts['right'] + 0.5 * counts['offer_hit'] - counts['wrong']) / n:>6.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
