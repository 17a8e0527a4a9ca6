"""The hostile-input generator and the checks of test_hostile.py, without servers (fast, not e2e).

A check that cannot fail proves nothing: each is shown a database holding what it looks for.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

from tests.e2e.hostile_inputs import (
    BOT_ONLY,
    FULL,
    REDUCED,
    REST_ONLY,
    SENTINEL,
    TEXT_CATEGORIES,
    bot_cases,
    hostile_size,
    payload_injections,
    rest_cases,
)
from tests.e2e.test_hostile import check_conversations, find_personal_data


def test_size_comes_from_the_environment() -> None:
    assert hostile_size({}) == REDUCED
    assert hostile_size({"HOSTILE_FULL": "1"}) == FULL
    assert hostile_size({"HOSTILE_COUNT": "400"}) == 400


def test_generation_is_deterministic_and_every_category_is_in_the_reduced_run() -> None:
    for size in (REDUCED, FULL):
        texts, raw = rest_cases(size)
        assert (texts, raw) == rest_cases(size)
        assert bot_cases(size) == bot_cases(size)
        rest = Counter(c.category for c in [*texts, *raw])
        bot = Counter(c.category for c in bot_cases(size))
        assert set(rest) == {*TEXT_CATEGORIES, *REST_ONLY}
        assert set(bot) == {*TEXT_CATEGORIES, *BOT_ONLY}
        assert min(rest.values()) >= 4 and min(bot.values()) >= 4
    assert len(texts) + len(raw) >= 1000 and len(bot_cases(FULL)) >= 1000


def test_payload_syntax_covers_every_slot_and_intent_of_the_domain() -> None:
    injections = "\n".join(payload_injections())
    for slot in ("calc_workers", "calc_target", "calc_sector", "misses", "requested_slot"):
        assert f'"{slot}": "{SENTINEL}"' in injections
    for intent in ("calc_iuran", "choose_topic", "feedback", "registration_guide", "check_obligation"):
        assert f"/{intent}{{" in injections


def _database(tmp_path: Path, events: list[tuple[str, str, str | None, str | None, dict[str, object]]]) -> Path:
    path = tmp_path / "assistant.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, action_name TEXT,"
            " intent_name TEXT, data TEXT)"
        )
        db.executemany(
            "INSERT INTO events (sender_id, type_name, action_name, intent_name, data) VALUES (?, ?, ?, ?, ?)",
            [(s, t, a, i, json.dumps(d)) for s, t, a, i, d in events],
        )
        db.execute("CREATE TABLE asst_turns (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO asst_turns (text) VALUES ('hp 0812 3456 7890')")
    db.close()
    return path


def test_personal_data_is_found_however_it_is_written(tmp_path: Path) -> None:
    database = _database(
        tmp_path,
        [
            ("u", "user", None, "greet", {"text": "nik 3174\u200b0123\u200b4567\u200b8901"}),  # JSON-escaped
            ("u", "user", None, "greet", {"text": "[NIK/KK] and [nomor telepon] are fine", "metadata": {"n": 6281299}}),
        ],
    )
    log = tmp_path / "bot.log"
    log.write_text("update text='mail BUDI.X@Gmail.com'\n")
    found = find_personal_data(database, [log], {"3174012345678901", "81234567890", "budi.x@gmail.com", "99999999"})
    assert found == [
        "asst_turns.text: 81234567890",
        "bot.log:1: budi.x@gmail.com",
        "events.data: 3174012345678901",
    ]


def test_typed_payloads_that_reached_rasa_are_reported(tmp_path: Path) -> None:
    offered = {"data": {"buttons": [{"title": "Iuran", "payload": '/choose_topic{"topic":"iuran_bpu"}'}]}}
    database = _database(
        tmp_path,
        [
            ("ok", "session_started", None, None, {}),
            ("ok", "user", None, "calc_iuran", {"text": "/calc_iuran"}),  # always allowed
            ("ok", "bot", None, None, offered),
            ("ok", "user", None, "choose_topic", {"text": '/choose_topic{"topic":"iuran_bpu"}'}),  # offered
            ("bad", "session_started", None, None, {}),
            ("bad", "user", None, "restart", {"text": "/restart"}),
            ("bad", "action", "action_restart", None, {}),
            ("bad", "restart", None, None, {}),
            ("bad", "session_started", None, None, {}),
            ("bad", "slot", None, None, {"name": "calc_workers", "value": SENTINEL}),
            ("bad", "user", None, "choose_topic", {"text": '/choose_topic{"topic":"iuran_bpu"}'}),  # not offered here
            ("other", "user", None, "restart", {"text": "/restart"}),  # not a conversation of this test
        ],
    )
    problems = check_conversations(database, {"ok", "bad"})
    assert not [p for p in problems if p.startswith("ok")]
    assert len(problems) == 7, problems
