"""Send real questions to a running assistant and write the transcript to grade (tests/real/GRADING.md).

    make serve                                   # in another terminal
    .venv/app/bin/python scripts/real_transcript.py tests/real/heldout.yml var/real/transcript.yml

Each question goes to the REST channel in a fresh conversation, as a new user's first message
would. The transcript keeps, per question, the item as collected (question, source, scope,
answer_must), the date the assistant answered for, the whole reply (texts and button titles with
their payloads) and an empty `grade:` for the reader. An existing transcript's grades and notes are
kept for questions whose reply has not changed, so re-running after a change only asks the reader
to look at what changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.error
import urllib.request
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import yaml

DEFAULT_URL = "http://127.0.0.1:5005/webhooks/rest/webhook"


def ask(url: str, sender: str, text: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        replies = json.loads(response.read() or b"[]")
    return [
        {
            "text": str(r.get("text") or ""),
            "buttons": [
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in r.get("buttons") or []
            ],
        }
        for r in replies
        if isinstance(r, dict)
    ]


def default_run() -> str:
    """A new name per run, so every question starts a fresh conversation even on a store kept from an
    earlier run the same day (a date alone made a second run that day continue the first's conversations)."""
    return f"{date.today().isoformat()}-{uuid.uuid4().hex[:8]}"


def sender_for(question: str, run: str) -> str:
    return "real-" + hashlib.sha256(f"{run}\n{question}".encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path, help="a YAML list of collected items (tests/real/*.yml)")
    parser.add_argument("transcript", type=Path, help="where to write the transcript (YAML)")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument(
        "--run",
        default=default_run(),
        help="names the conversations of this run (default: new ones each run; reusing a name re-asks in the"
        " same conversations, where a repeated question after an offer gets a different reply)",
    )
    args = parser.parse_args(argv)

    items = yaml.safe_load(args.questions.read_text(encoding="utf-8")) or []
    earlier: dict[str, dict[str, Any]] = {}
    if args.transcript.exists():
        earlier = {t["q"]: t for t in yaml.safe_load(args.transcript.read_text(encoding="utf-8")) or []}
    out = []
    for number, item in enumerate(items, 1):
        try:
            reply = ask(args.url, sender_for(item["q"], args.run), item["q"])
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            print(f"{number}: no reply ({exc}); is `make serve` running at {args.url}?", file=sys.stderr)
            return 1
        before = earlier.get(item["q"], {})
        unchanged = before.get("reply") == reply
        out.append(
            {
                **{k: item.get(k) for k in ("q", "source", "who", "scope", "topic", "answer_must", "answer_source")},
                "answered_for": args.run,
                "reply": reply,
                "grade": before.get("grade") if unchanged else None,
                "note": before.get("note") if unchanged else None,
            }
        )
        print(f"\r{number}/{len(items)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    args.transcript.parent.mkdir(parents=True, exist_ok=True)
    args.transcript.write_text(yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8")
    kept = sum(1 for t in out if t["grade"])
    print(f"{len(out)} replies written to {args.transcript}; {kept} grades kept (reply unchanged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
