"""The tracker store's cache and window change nothing a user or the database can see.

Two stacks with the same trained model and pseudonym key: one reads conversations Rasa's own way
(TRACKER_WINDOW_TURNS=0: every event of the session replayed for every message), the other with
the smallest window (1 user message kept in full, a summary of the rest, once a session holds
more than 2). The same long conversations go to both: calculators interrupted by questions and
resumed, an obligation check, a button payload typed long after it was offered, and a deleted
conversation that starts again. Every reply and every stored event must be the same.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from assistant_core.pseudonym import FORGET_TOKEN_HEADER, forget_token
from assistant_core.settings import load_settings
from supervisor.stack import Stack
from tests.e2e.conftest import MODEL, free_port

pytestmark = pytest.mark.e2e

KEY = "long-conversations-key-0123456789"
SCRIPT = [
    "halo",
    "iuran jkm brp persen",
    "hitung iuran dong, 3 karyawan gaji 4 juta",
    "apa itu jkp",  # the calculator is open: answered, then the calculator asks again
    "Rendah",
    "jht bisa dicairin kapan aja",
    "Kecil",
    "sy punya warung, pegawai 2 org, wajib daftar ga?",
    "oke makasih",
    "bpu tuh apa",
    "Gaji karyawan saya 3,5 juta, 4 orang, berapa iurannya sebulan?",
    "Rendah",
    "nomor cs bpjs tk berapa",
    "Kecil",
    "kalo telat bayar iuran ada dendanya gak",
    "jp itu pensiun ya? nanti dapet brp",
    "cuaca hari ini gimana",
    "kamu bot ya?",
    "hitung iuran dong, 2 karyawan gaji 5 juta",
    "Sedang",
    "Mikro",
    "sip thx",
]


def start(tmp: Path, name: str, window: int) -> Stack:
    var = tmp / name
    env = {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'assistant.db'}",
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "PSEUDONYM_KEY": KEY,
        "TRACKER_WINDOW_TURNS": str(window),
        "ASSISTANT_TODAY": "2026-12-01",
        "RASA_TIMEOUT": "20",
    }
    stack = Stack(load_settings({**os.environ, **env}), extra_env=env, model=MODEL)
    stack.start_actions()
    stack.start_rasa()
    return stack


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Stack]]:
    tmp = tmp_path_factory.mktemp("long")
    stacks: list[Stack] = []
    try:
        stacks.append(start(tmp, "rasa-own", 0))
        stacks.append(start(tmp, "windowed", 1))
        yield stacks[0], stacks[1]
    finally:
        for stack in stacks:
            stack.stop()


def send(stack: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        stack.settings.rest_webhook, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        replies = json.loads(response.read())
    assert replies, f"no reply to {text!r}"
    return [{"text": r.get("text"), "buttons": r.get("buttons")} for r in replies]


def forget(stack: Stack, sender: str) -> None:
    url = stack.settings.rest_webhook.rsplit("/", 1)[0] + "/forget"
    request = urllib.request.Request(
        url,
        data=json.dumps({"sender": sender}).encode(),
        headers={"Content-Type": "application/json", FORGET_TOKEN_HEADER: forget_token(stack.settings.pseudonym_key)},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def rounded(value: Any) -> Any:
    """Confidences to 9 places: two processes may differ in the last bit of a float sum."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def stored(stack: Stack) -> list[tuple[Any, ...]]:
    """Every stored event, without what legitimately differs between two runs (times, ids)."""
    engine = sa.create_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    result = []
    for sender, kind, intent, action, data in rows:
        event = json.loads(data)
        event.pop("timestamp", None)
        for drop in ("input_channel", "message_id"):  # random per message
            event.pop(drop, None)
            (event.get("parse_data") or {}).pop(drop, None)
        result.append((sender, kind, intent, action, json.dumps(rounded(event), sort_keys=True)))
    return result


def test_long_conversations_are_answered_and_stored_as_with_rasas_own_store(pair: tuple[Stack, Stack]) -> None:
    own, windowed = pair
    conversations = {"long-a": SCRIPT * 2, "long-b": SCRIPT[5:] + SCRIPT}
    early_payload: str | None = None
    for sender, script in conversations.items():
        for turn, text in enumerate(script):
            expected, got = send(own, sender, text), send(windowed, sender, text)
            assert got == expected, f"{sender}, message {turn + 1} {text!r}: replies differ"
            if early_payload is None:
                early_payload = next(
                    (b["payload"] for r in expected for b in r["buttons"] or [] if b["payload"].startswith("/")), None
                )
    # A button payload offered in the first turns, typed long after: both accept it the same way.
    assert early_payload is not None
    assert send(windowed, "long-a", early_payload) == send(own, "long-a", early_payload)
    # A deleted conversation starts again from nothing on both (/hapusdata goes through /forget).
    for stack in pair:
        forget(stack, "long-a")
    for text in ["Rendah", "halo", "hitung iuran dong, 3 karyawan gaji 4 juta", "Rendah", "Kecil"]:
        assert send(windowed, "long-a", text) == send(own, "long-a", text), f"after deletion, {text!r}"
    own_events, windowed_events = stored(own), stored(windowed)
    assert len(own_events) > 400, "the conversations were long"
    # The comparison is not Rasa against itself: the windowed stack read short trackers.
    # (tests/core/test_tracker_window.py checks the window on the store directly.)
    assert len(windowed_events) == len(own_events)
    for index, (mine, theirs) in enumerate(zip(windowed_events, own_events, strict=True)):
        assert mine == theirs, f"stored event {index} differs:\n{mine}\n{theirs}"
