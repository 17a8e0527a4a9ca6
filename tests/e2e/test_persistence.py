"""On PostgreSQL and Redis: the conversation survives a Rasa restart; Rasa's API needs its token."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from assistant_core.pseudonym import rest_conversation_id
from assistant_core.settings import load_settings
from supervisor.stack import Stack
from tests.e2e.conftest import MODEL, free_port

pytestmark = pytest.mark.e2e
API_TOKEN = "e2e-api-token-abcdef"


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database, redis = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
    if not database or not redis:
        pytest.skip("TEST_POSTGRES_URL and TEST_REDIS_URL not set (CI sets them)")
    env = {
        "VAR_DIR": str(tmp_path_factory.mktemp("pg")),
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "RASA_API_TOKEN": API_TOKEN,
        "PSEUDONYM_KEY": "e2e-pseudonym-key-0123456789",
    }
    stack = Stack(load_settings({**os.environ, **env}), extra_env=env, model=MODEL)
    try:
        stack.start_actions()
        stack.start_rasa()
        yield stack
    finally:
        stack.stop()


def call(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def test_conversation_survives_restart_on_postgresql(pg_stack: Stack) -> None:
    settings = pg_stack.settings
    sender = f"persist-{os.getpid()}"
    status, menu = call(settings.rest_webhook, {"sender": sender, "message": "halo"})
    assert status == 200
    payload = next(b["payload"] for r in menu for b in r.get("buttons", []) if b["title"] == "Iuran karyawan")

    # Public REST senders are kept in the REST namespace (issue 20 point 9).
    tracker_url = f"{settings.rasa_url}/conversations/{rest_conversation_id(settings.pseudonym_key, sender)}/tracker"
    assert call(tracker_url)[0] == 401, "Rasa's HTTP API must require the token"
    status, tracker = call(f"{tracker_url}?token={API_TOKEN}")
    assert status == 200 and any(e.get("text") == "halo" for e in tracker["events"])

    pg_stack.stop_one("rasa")
    pg_stack.start_rasa()

    status, tracker = call(f"{tracker_url}?token={API_TOKEN}")
    assert status == 200 and any(e.get("text") == "halo" for e in tracker["events"])
    # The button offered before the restart is still recognised as offered, so it is obeyed.
    status, answer = call(settings.rest_webhook, {"sender": sender, "message": payload})
    assert status == 200 and "JHT" in answer[0]["text"]
    status, tracker = call(f"{tracker_url}?token={API_TOKEN}")
    chosen = [e for e in tracker["events"] if e.get("event") == "user" and e.get("text") == payload]
    assert chosen and chosen[-1]["parse_data"]["intent"]["name"] == "choose_topic"


def test_real_conversation_reaches_the_metrics_on_postgresql(pg_stack: Stack) -> None:
    """Analytics on PostgreSQL from a conversation held with the running stack (not simulated events)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from assistant_core.analytics.ingest import Ingester
    from assistant_core.analytics.metrics import compute
    from assistant_core.clock import today_jakarta
    from assistant_core.db import Turn, create_tables, make_engine

    settings = pg_stack.settings
    sender = f"metrics-{os.getpid()}"
    status, menu = call(settings.rest_webhook, {"sender": sender, "message": "halo", "metadata": {"source": "pg_test"}})
    assert status == 200
    payload = next(b["payload"] for r in menu for b in r.get("buttons", []) if b["title"] == "Iuran karyawan")
    assert call(settings.rest_webhook, {"sender": sender, "message": payload})[0] == 200
    assert call(settings.rest_webhook, {"sender": sender, "message": "pajak umkm brp persen"})[0] == 200

    engine = make_engine(settings.database_url)
    create_tables(engine)
    Ingester(engine).run()
    with Session(engine) as session:
        turns = session.execute(
            select(Turn.outcome, Turn.topic, Turn.source)
            .where(Turn.conversation == rest_conversation_id(settings.pseudonym_key, sender))
            .order_by(Turn.event_id)
        ).all()
    assert [t.outcome for t in turns] == ["smalltalk", "answered", "out_of_scope"]
    assert turns[1].topic == "iuran_pu_ringkas" and {t.source for t in turns} == {"pg_test"}
    today = today_jakarta()
    assert compute(engine, today, today, source="pg_test").messages >= 3
    engine.dispose()
