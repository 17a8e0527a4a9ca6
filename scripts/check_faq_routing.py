"""Fails when a conversation test's user message does not reach its FAQ entry.

`rasa test core --fail-on-prediction-errors` compares base intents only: a question expected to
reach `faq/iuran_jkm_pu` passes even if the ResponseSelector picks `faq/jkm_apa`. This parses every
user step of tests/conversations/ with the trained model and applies the same confidence rule as
action_answer_faq. Runs in the Rasa environment.
"""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from pathlib import Path

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")  # Rasa's dependencies warn on import; editors need the answer only
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from assistant_core.contract import faq  # noqa: E402
from assistant_core.faq_choice import choose  # noqa: E402


async def main() -> int:
    import logging

    logging.disable(logging.WARNING)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.core.agent import Agent

    agent = Agent.load(str(ROOT / "var" / "models" / "assistant.tar.gz"))
    failures, checked = [], 0
    for path in sorted((ROOT / "tests" / "conversations").glob("*.yml")):
        for story in yaml.safe_load(path.read_text()).get("stories") or []:
            for step in story.get("steps") or []:
                text, expected = str(step.get("user", "")).strip(), step.get("intent")
                if not text or not expected or text.startswith("/"):
                    continue
                parsed = await agent.parse_message(text)
                intent = (parsed.get("intent") or {}).get("name")
                got = f"faq/{choose(parsed).key}" if intent == faq.INTENT else intent
                checked += 1
                if got != expected:
                    failures.append(f"{path.name}: {text!r} expected {expected}, got {got}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"FAQ routing: {checked - len(failures)} of {checked} user messages reach their expected answer.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
