"""NLU evaluation on the frozen held-out set: what answer would each question get?

Runs in the Rasa environment: `make eval` (or `.venv/rasa/bin/python scripts/evaluate.py [--model M]`).
The predicted label is what the user receives: the FAQ entry when the ResponseSelector is sure
(the same rule action_answer_faq applies), "did_you_mean" when it is not, otherwise the intent.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")  # Rasa's dependencies warn on import; editors need the answer only
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from assistant_core.contract import fallback, faq, scope  # noqa: E402
from assistant_core.faq_choice import choose  # noqa: E402

HELDOUT = ROOT / "tests" / "heldout" / "questions.yml"
FROZEN_HASH = ROOT / "tests" / "heldout" / "questions.sha256"
NO_ANSWER = {scope.OUT_OF_SCOPE, fallback.NLU_FALLBACK, "did_you_mean"}
MISSED = {scope.OUT_OF_SCOPE, fallback.NLU_FALLBACK}


def label(parsed: dict) -> str:  # type: ignore[type-arg]
    intent = (parsed.get("intent") or {}).get("name") or fallback.NLU_FALLBACK
    if intent != faq.INTENT:
        return str(intent)
    choice = choose(parsed)
    return f"faq/{choice.key}" if choice.key else "did_you_mean"


def raw_label(parsed: dict) -> str:  # type: ignore[type-arg]
    """The top-ranked entry regardless of confidence (diagnostic: the ceiling of the threshold rule)."""
    intent = (parsed.get("intent") or {}).get("name") or fallback.NLU_FALLBACK
    if intent != faq.INTENT:
        return str(intent)
    selectors = parsed.get("response_selector") or {}
    top = (selectors.get(faq.INTENT) or selectors.get("default") or {}).get("response") or {}
    return str(top.get("intent_response_key") or "did_you_mean")


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {gold for gold, _ in pairs}
    scores = []
    for name in labels:
        tp = sum(1 for g, p in pairs if g == name and p == name)
        fp = sum(1 for g, p in pairs if g != name and p == name)
        fn = sum(1 for g, p in pairs if g == name and p != name)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


async def evaluate(model: Path, examples: list[dict]) -> dict:  # type: ignore[type-arg]
    import logging

    logging.disable(logging.WARNING)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    pairs: list[tuple[str, str]] = []
    raw: list[tuple[str, str]] = []
    offer_hits = 0  # "Maksud Anda…?" offers whose buttons include the right entry (one tap away)
    started = time.monotonic()
    for example in examples:
        parsed = await agent.parse_message(example["text"])
        pairs.append((example["expected"], label(parsed)))
        if pairs[-1][1] == "did_you_mean":
            offered = {f"faq/{key}" for key in choose(parsed).candidates}
            offer_hits += example["expected"] in offered
        raw.append((example["expected"], raw_label(parsed)))
    elapsed = time.monotonic() - started
    correct = sum(1 for g, p in pairs if g == p)
    oos_gold = [p for g, p in pairs if g == scope.OUT_OF_SCOPE]
    oos_pred = [g for g, p in pairs if p in MISSED]
    return {
        "n": len(pairs),
        "top1": correct / len(pairs),
        "raw_top1": _share(raw),
        "faq_top1": _share([(g, p) for g, p in pairs if g.startswith("faq/")]),
        "did_you_mean": sum(1 for _, p in pairs if p == "did_you_mean") / len(pairs),
        "wrong": sum(1 for g, p in pairs if p not in {g, "did_you_mean"}) / len(pairs),
        "right": [g == p for g, p in pairs],
        "offer_hit": offer_hits / len(pairs),
        "macro_f1": macro_f1(pairs),
        "oos_recall": sum(1 for p in oos_gold if p in MISSED) / max(1, len(oos_gold)),
        "oos_precision": sum(1 for g in oos_pred if g == scope.OUT_OF_SCOPE) / max(1, len(oos_pred)),
        "confused": Counter((g, p) for g, p in pairs if g != p).most_common(int(os.environ.get("EVAL_TOP", "10"))),
        "ms_per_parse": 1000 * elapsed / len(pairs),
    }


def _paired(names: list[str], right: list[list[bool]]) -> str:
    """McNemar's exact test on the questions where exactly one of the two models is right."""
    only_first = sum(1 for a, b in zip(*right, strict=True) if a and not b)
    only_second = sum(1 for a, b in zip(*right, strict=True) if b and not a)
    n = only_first + only_second
    tail = sum(math.comb(n, k) for k in range(min(only_first, only_second) + 1)) / 2**n if n else 0.5
    return (
        f"\n  paired: right only with {names[0]}: {only_first}, only with {names[1]}: {only_second}"
        f" (McNemar exact two-sided p = {min(1.0, 2 * tail):.2g})"
    )


def _share(pairs: list[tuple[str, str]]) -> float:
    return sum(1 for g, p in pairs if g == p) / max(1, len(pairs))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "assistant.tar.gz")
    parser.add_argument("--baseline", type=Path, default=None, help="a model trained with Rasa's defaults")
    parser.add_argument("--baseline-name", default="rasa init defaults", help="its column title (e.g. 'before')")
    parser.add_argument(
        "--set",
        choices=["heldout", "dev"],
        default="heldout",
        help="heldout: the frozen test set; dev: the set thresholds and data fixes are tuned on",
    )
    args = parser.parse_args()
    if args.set == "dev":
        raw = (ROOT / "tests" / "dev" / "questions.yml").read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
    else:
        raw = HELDOUT.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        frozen = FROZEN_HASH.read_text().split()[0]
        if digest != frozen:
            print(f"Held-out set changed (sha256 {digest} != frozen {frozen}); it must stay frozen.", file=sys.stderr)
            return 1
    examples = yaml.safe_load(raw)["examples"]
    models = {"ours (config.yml)": args.model}
    if args.baseline:
        models[args.baseline_name] = args.baseline
    results = {name: asyncio.run(evaluate(path, examples)) for name, path in models.items()}
    label_of_set = "Held-out set (frozen)" if args.set == "heldout" else "Dev set (for tuning)"
    print(f"{label_of_set}: {len(examples)} questions, sha256 {digest[:16]}…, never trained on")
    names = list(results)
    print(f"  {'':40}" + "".join(f"{n:>22}" for n in names))
    rows = [
        ("top-1 accuracy (answer the user gets)", "top1", "{:.1%}"),
        ("top-1 on FAQ questions only", "faq_top1", "{:.1%}"),
        ("top-ranked label right (no threshold)", "raw_top1", "{:.1%}"),
        ("'Maksud Anda…?' offered instead", "did_you_mean", "{:.1%}"),
        ("  of which the right topic is a button", "offer_hit", "{:.1%}"),
        ("wrong answer (not right, not an offer)", "wrong", "{:.1%}"),
        ("macro F1", "macro_f1", "{:.3f}"),
        ("out-of-scope precision", "oos_precision", "{:.1%}"),
        ("out-of-scope recall", "oos_recall", "{:.1%}"),
        ("parse time per question (ms)", "ms_per_parse", "{:.1f}"),
    ]
    for title, key, fmt in rows:
        print(f"  {title:40}" + "".join(f"{fmt.format(results[n][key]):>22}" for n in names))
    if len(names) == 2:
        print(_paired(names, [results[n]["right"] for n in names]))
    for name in names:
        print(f"\n  most confused, {name} (expected -> got, count):")
        for (gold, predicted), count in results[name]["confused"]:
            print(f"    {gold:32} -> {predicted:32} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
