"""Measures how messages with two questions are answered (issue "Open world" point 4).

Parses, with the trained model, every question of the written dev set (tests/dev/questions.yml),
the real dev set (tests/real/dev.yml) and the two-topic probes (tests/dev/two_questions.yml), and
prints, for faq_choice.decide at its settings (or a grid with --grid):
  - spurious second answers: dev questions given a second answer that is not one of their labels;
  - both answered: probes whose two entries are both answered.
The model's parse data carries the parts (faq_parts), so this measures what users get.

    .venv/rasa/bin/python scripts/eval_two_questions.py [--grid] [model.tar.gz]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_threshold import DEV, ROOT, parse_all

import assistant_core.faq_choice as fc
from assistant_core.contract import faq

PROBES = ROOT / "tests" / "dev" / "two_questions.yml"
REAL_DEV = ROOT / "tests" / "real" / "dev.yml"


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model = Path(args[0]) if args else ROOT / "var" / "models" / "assistant.tar.gz"
    real = [(i["q"], i["accept"]) for i in yaml.safe_load(REAL_DEV.read_text()) if i["scope"] == "in"]
    written = [(e["text"], [e["expected"].split("/", 1)[-1]]) for e in yaml.safe_load(DEV.read_text())["examples"]]
    probes = [(i["q"], i["want"]) for i in yaml.safe_load(PROBES.read_text())]
    items = real + written + probes
    parsed = asyncio.run(parse_all([q for q, _ in items], model))
    pairs = list(zip(parsed, items, strict=True))
    dev, two = pairs[: len(real) + len(written)], pairs[len(real) + len(written) :]
    grid = (
        [(p, s) for s in (0.0, 0.01, 0.03, 0.1) for p in (0.5, 0.7, 0.9)]
        if "--grid" in sys.argv
        else [(fc.SECOND_PART, fc.SECOND_SUPPORT)]
    )
    multi = sum(1 for p, _ in dev if p.get(fc.PARTS))
    print(f"{len(dev)} dev questions ({multi} with two or more question parts), {len(two)} two-topic probes")
    for part, support in grid:
        fc.SECOND_PART, fc.SECOND_SUPPORT = part, support
        spurious = sum(
            1
            for p, (_, accept) in dev
            if (p.get("intent") or {}).get("name") == faq.INTENT
            and any(k not in accept for k in fc.decide(p).answers[1:])
        )
        both = sum(1 for p, (_, want) in two if set(want) <= set(fc.decide(p).answers))
        offered = sum(1 for p, (_, want) in two if set(want) <= set(fc.decide(p).answers) | set(fc.decide(p).offers))
        print(
            f"part >= {part:.2f}, support >= {support:.2f}: spurious second answers {spurious}/{len(dev)};"
            f" both answered {both}/{len(two)}; both answered or offered {offered}/{len(two)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
