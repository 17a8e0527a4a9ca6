"""Which FAQ entry does a phrasing reach, and how sure is the model? (runs in the Rasa environment)

Usage: make ask Q="iuran jkm brp"   (several questions: separate them with |)
"""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")  # Rasa's dependencies warn on import; editors need the answer only
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "var" / "models" / "assistant.tar.gz"
sys.path.insert(0, str(ROOT))
from assistant_core.contract import faq  # noqa: E402


async def main(questions: list[str]) -> int:
    import logging

    logging.disable(logging.WARNING)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.core.agent import Agent

    if not MODEL.exists():
        print("Belum ada model. Jalankan: make train", file=sys.stderr)
        return 1
    agent = Agent.load(str(MODEL))
    for question in questions:
        parsed = await agent.parse_message(question)
        intent = parsed.get("intent") or {}
        print(f"\n\u201c{question}\u201d")
        print(f"  intent: {intent.get('name')} (keyakinan {float(intent.get('confidence') or 0):.2f})")
        selector = (parsed.get("response_selector") or {}).get(faq.INTENT) or {}
        if intent.get("name") == faq.INTENT:
            for rank in (selector.get("ranking") or [])[:3]:
                key = str(rank.get("intent_response_key", "")).split("/", 1)[-1]
                print(f"  entri {key:28} keyakinan {float(rank.get('confidence') or 0):.2f}")
    return 0


if __name__ == "__main__":
    items = [q.strip() for q in " ".join(sys.argv[1:]).split("|") if q.strip()]
    if not items:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(items)))
