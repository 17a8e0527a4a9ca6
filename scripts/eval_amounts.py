"""Measures issue "Open world" point 6 against a running assistant (`make serve`): a message that
states a wage or income and asks what it costs or pays must start the right tool with that amount
already filled in.

For each question of tests/dev/amounts.yml (a fresh REST conversation each):
  - employee / bpu: the contribution calculator must start and reach its result without ever
    asking for the wage (calc_wages) or the income (calc_income); the other questions it asks are
    answered with their first button or "3" for the number of employees. A `bpu` question may
    instead get the iuran_bpu entry computed for that income.
  - jkp / jkk: the benefit entry (jkp_manfaat / jkk_manfaat, read from its rating button) with the
    amount itself in the answer, i.e. computed for that wage.
  - jkm: the JKM entry (jkm_apa): the benefit is flat, so the wage does not change it.

    .venv/app/bin/python scripts/eval_amounts.py [--url URL] [-v]
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_transcript import DEFAULT_URL, ask

from assistant_core.contract import calculator, feedback

ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "tests" / "dev" / "amounts.yml"
TOPIC = re.compile(r'"topic":\s*"([a-z0-9_]+)"')
ENTRIES = {"jkp": {"jkp_manfaat"}, "jkk": {"jkk_manfaat"}, "jkm": {"jkm_apa"}, "bpu": {"iuran_bpu"}}
MAX_TURNS = 8


def rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def prompts() -> dict[str, str]:
    """Each calculator question's fixed opening words (before any template), by slot."""
    questions = yaml.safe_load((ROOT / "content" / "calculator.yml").read_text(encoding="utf-8"))["questions"]
    return {slot: q["text"].split("{{", 1)[0][:40] for slot, q in questions.items()}


def rated(replies: list[dict[str, Any]]) -> set[str]:
    return {
        m.group(1)
        for r in replies
        for b in r.get("buttons") or []
        if str(b.get("payload", "")).startswith(f"/{feedback.INTENT}") and (m := TOPIC.search(b["payload"]))
    }


def run_calculator(url: str, sender: str, replies: list[dict[str, Any]], opening: dict[str, str]) -> str:
    """Answers the calculator until its result; 'asked_amount' if it asks for the wage or income."""
    questions = yaml.safe_load((ROOT / "content" / "calculator.yml").read_text(encoding="utf-8"))["questions"]
    again = yaml.safe_load((ROOT / "content" / "calculator.yml").read_text(encoding="utf-8"))["texts"]["again_button"]
    for _ in range(MAX_TURNS):
        text = "\n".join(r.get("text", "") for r in replies)
        if any(b.get("title") == again for r in replies for b in r.get("buttons") or []):
            return "result"
        slot = next((s for s, start in opening.items() if start and start in text), None)
        if slot is None:
            return "no_calculator"
        if slot in {calculator.WAGES, calculator.INCOME}:
            return "asked_amount"
        answer = "3" if slot == calculator.WORKERS else questions[slot]["buttons"][0]
        replies = ask(url, sender, answer)
    return "no_result"


def judge(url: str, item: dict[str, Any], opening: dict[str, str]) -> str:
    sender = f"amounts-{uuid.uuid4().hex[:10]}"
    replies = ask(url, sender, item["q"])
    text = "\n".join(r.get("text", "") for r in replies)
    kind, amount = item["kind"], int(item["amount"])
    if kind in {"employee", "bpu"}:
        if kind == "bpu" and rated(replies) & ENTRIES["bpu"]:
            return "ok" if rupiah(amount) in text else "entry_without_amount"
        outcome = run_calculator(url, sender, replies, opening)
        return "ok" if outcome == "result" else outcome
    if not rated(replies) & ENTRIES[kind]:
        return f"other_reply:{','.join(sorted(rated(replies))) or 'none'}"
    if kind == "jkm":
        return "ok"
    return "ok" if rupiah(amount) in text else "entry_without_amount"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("-v", action="store_true", help="print every question's outcome")
    args = parser.parse_args()
    items = yaml.safe_load(PROBES.read_text(encoding="utf-8"))
    opening = prompts()
    by_kind: dict[str, list[str]] = {}
    for item in items:
        outcome = judge(args.url, item, opening)
        by_kind.setdefault(item["kind"], []).append(outcome)
        if args.v or outcome != "ok":
            print(f"{outcome:>22}  [{item['kind']}] {item['q']}")
    total = sum(o == "ok" for outcomes in by_kind.values() for o in outcomes)
    for kind, outcomes in by_kind.items():
        print(f"{kind:>9}: {sum(o == 'ok' for o in outcomes)}/{len(outcomes)}")
    print(f"right tool with the amount filled in: {total}/{len(items)} = {total / len(items):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
