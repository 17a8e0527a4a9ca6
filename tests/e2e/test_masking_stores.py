"""Every personal-data format of the masking table, sent through REST and Telegram to a stack logging
at DEBUG, is found in no store afterwards: Rasa's events, our `asst_` tables, the logs of the bot,
the action server and Rasa (issue 20, point 2). What the calculator needs still reaches it as typed.

The stack is this module's own (a fresh database and logs, DEBUG from the start), so every row and
log line searched comes from these messages and nothing else.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from assistant_core.analytics.ingest import Ingester
from assistant_core.db import Base, make_engine
from assistant_core.masking import mask_personal_data
from supervisor.stack import Stack
from tests.core.test_masking_formats import FORMATS, KEPT
from tests.e2e.conftest import polling_bot, running_stack, stack_env
from tests.e2e.fake_telegram import FakeTelegram, text_update
from tests.e2e.hostile_inputs import squash, squash_needle
from tests.e2e.test_hostile import find_personal_data
from tests.e2e.test_privacy import texts_to

pytestmark = pytest.mark.e2e

FIRST_CHAT = 88_000  # chat ids of the Telegram senders: one chat per message
PARALLEL = 8  # messages in flight at once, each in its own conversation
SHORTEST = 7  # characters of a squashed needle: shorter ones turn up by chance in logs (times, ids)
# A number as typed: digits of any script with the separators people put between them.
_NUMBER = re.compile(r"\d(?:[\s.()/+\-\u200b]{0,3}\d)*")
_EMAIL = re.compile(
    r"[\w.+-]+ {0,2}(?:@|\[at\]|\(at\)) {0,2}[\w-]+(?: {0,2}(?:\.|\[dot\]|\(dot\)) {0,2}[\w-]+)+", re.IGNORECASE
)
DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
_DIGIT_WORDS = {word: str(digit) for digit, word in enumerate(DIGITS)} | {"kosong": "0"}
# Python's repr escapes ("\\u200b", "\\uff10") in a log line: decoded before searching, since
# "1902\\u200b3456789" in a log is the number 19023456789.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))")


def needles(text: str, hidden: str) -> set[str]:
    """What must not be found anywhere after `text` was sent: the table's own part, every number in
    the text as typed (its digits compared without separators), an e-mail address as written and
    as an address, a number spelled out as its digits."""
    found = {hidden} if len(squash_needle(hidden)) >= SHORTEST else set()
    found |= {m.group(0) for m in _NUMBER.finditer(text) if len(squash(m.group(0))) >= SHORTEST}
    for match in _EMAIL.finditer(text):
        written = match.group(0)
        found.add(written)
        address = re.sub(r"\s*(?:\[at\]|\(at\))\s*|\s*@\s*", "@", written, flags=re.IGNORECASE)
        found.add(re.sub(r"\s*(?:\[dot\]|\(dot\)|\.)\s*", ".", address, flags=re.IGNORECASE))
    spelled = "".join(_DIGIT_WORDS.get(word, " ") for word in re.findall(r"\w+", text.lower()))
    found |= {run for run in spelled.split() if len(run) >= SHORTEST}
    return found


def detectable(needle: str, text: str) -> bool:
    """Whether find_personal_data (tests/e2e/test_hostile.py) would see `needle` in `text`."""
    return needle.lower() in text.lower() if "@" in needle else squash_needle(needle) in squash(text)


def post(stack: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": text, "metadata": {"catatan": text}}).encode()
    request = urllib.request.Request(
        stack.settings.rest_webhook, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        replies: list[dict[str, Any]] = json.loads(response.read())
    assert replies, f"no answer to {text!r}"
    return replies


def rest_sender(index: int, text: str) -> str:
    # A client may use the number itself as its id ("0812-3456-7890"): that is stored nowhere either.
    return text if text.isprintable() else f"mask-rest-{index}"


def user_texts(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT data FROM events WHERE type_name = 'user'").fetchall()
    db.close()
    return [str(json.loads(raw).get("text") or "") for (raw,) in rows]


def decoded_logs(stack: Stack, into: Path) -> list[Path]:
    """Copies of the three logs with repr escapes decoded (the originals are searched too)."""
    copies = []
    for name in ("bot", "actions", "rasa"):
        text = (stack.log_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        copy = into / f"{name}.decoded.log"
        decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
        copy.write_text(decoded, encoding="utf-8", errors="replace")  # a lone surrogate (half an emoji) as "?"
        copies.append(copy)
    return copies


@pytest.fixture(scope="module")
def debug_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {**stack_env(tmp_path_factory.mktemp("masking")), "LOG_LEVEL": "DEBUG"}
    with running_stack(env) as running:
        yield running


@pytest.fixture(scope="module")
def debug_telegram(debug_stack: Stack) -> Iterator[FakeTelegram]:
    with polling_bot(debug_stack, {}) as fake:
        yield fake


def test_needles_find_every_format_and_nothing_kept() -> None:
    """The search below would see each format if it were stored unmasked, and sees none once masked."""
    for text, hidden in FORMATS:
        wanted = needles(text, hidden)
        assert wanted, f"nothing to search for in {text!r}"
        # The forms as typed are seen in the text; derived ones (the address, the digits of a number
        # in words) are only there if something rewrote it.
        assert any(detectable(n, text) for n in wanted), (text, wanted)
        assert not any(detectable(n, mask_personal_data(text)) for n in wanted), (text, mask_personal_data(text))
        for kept in KEPT:
            assert not any(detectable(n, kept) for n in wanted), (text, kept)


def test_no_personal_data_in_any_store(debug_stack: Stack, debug_telegram: FakeTelegram, tmp_path: Path) -> None:
    started = time.monotonic()
    texts = [text for text, _ in FORMATS] + KEPT
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda item: post(debug_stack, rest_sender(*item), item[1]), enumerate(texts)))
    since = debug_telegram.mark()
    chats = {FIRST_CHAT + i: text for i, text in enumerate(texts)}
    for chat, text in chats.items():
        debug_telegram.push(text_update(chat, text))
    # Each first message gets the privacy notice, then the answer.
    debug_telegram.wait_for(lambda calls: all(len(texts_to(calls, c)) >= 2 for c in chats), timeout=120, since=since)
    sent = time.monotonic() - started

    database = debug_stack.settings.var_dir / "assistant.db"
    engine = make_engine(debug_stack.settings.database_url)
    try:
        assert Ingester(engine).run() > 0  # Rasa's events folded into asst_turns and the daily tables
    finally:
        engine.dispose()
    with sqlite3.connect(database) as db:
        stored = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    ours = {name for name in Base.metadata.tables if name.startswith("asst_")}
    assert ours and ours | {"events"} <= stored, f"tables missing from the database: {ours - stored}"

    # Every store logged at DEBUG and held the messages, masked.
    logs = [debug_stack.log_dir / f"{name}.log" for name in ("bot", "actions", "rasa")]
    for log in logs:
        assert re.search(r"\bDEBUG\b", log.read_text(encoding="utf-8", errors="replace")), f"{log.name} not at DEBUG"
    for log in (logs[0], logs[2]):
        assert "[nomor KPJ]" in log.read_text(encoding="utf-8", errors="replace"), f"{log.name} has no message text"
    stored_texts = user_texts(database)
    assert sum("[nomor KPJ]" in t for t in stored_texts) >= 2  # through both channels

    wanted = {n for text, hidden in FORMATS for n in needles(text, hidden)}
    places = find_personal_data(database, logs + decoded_logs(debug_stack, tmp_path), wanted)
    assert places == [], "personal data found:\n" + "\n".join(places)

    # What the calculator needs reached Rasa as typed, through both channels.
    for kept in KEPT:
        assert stored_texts.count(kept) >= 2, f"{kept!r} was changed on its way to Rasa"
    print(f"{len(texts)} messages x 2 channels sent and answered in {sent:.1f}s; {len(wanted)} needles")


class Chat:
    def __init__(self, stack: Stack, sender: str) -> None:
        self.stack, self.sender = stack, sender

    def say(self, text: str) -> str:
        return "\n".join(r.get("text", "") for r in post(self.stack, self.sender, text))


def test_calculator_gets_what_it_needs_unmasked(debug_stack: Stack) -> None:
    chat = Chat(debug_stack, "mask-calc-1")
    assert "Berapa orang" in chat.say("tolong hitung iuran buat karyawan saya")
    assert "gaji" in chat.say("12 orang").lower()
    assert "kelompok risiko" in chat.say("gaji 3.500.000")
    chat.say("Rendah")
    reply = chat.say("Kecil")
    assert "untuk 12 karyawan" in reply and "3.500.000" in reply

    first = Chat(debug_stack, "mask-calc-2")
    assert "kelompok risiko" in first.say("3 karyawan gaji 2,5 jt")  # count and wage from one message
    first.say("Rendah")
    reply = first.say("Kecil")
    assert "untuk 3 karyawan" in reply and "2.500.000" in reply
