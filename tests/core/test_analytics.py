"""Ingesting Rasa's events (as Rasa writes them) into the analytics tables, and the metrics on top.

Runs on SQLite and, when TEST_POSTGRES_URL is set (make test, CI), on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from assistant_core.analytics.export import tables
from assistant_core.analytics.ingest import RASA_EVENTS, Ingester
from assistant_core.analytics.metrics import cluster_texts, compute
from assistant_core.db import create_tables, make_engine
from tests.core.pg import fresh_database

DAY = date(2026, 11, 20)
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc).timestamp()  # 10:00 WIB


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        created = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
        RASA_EVENTS.metadata.create_all(created)
        create_tables(created)
        yield created
        return
    with fresh_database("ana") as created:
        RASA_EVENTS.metadata.create_all(created)
        create_tables(created)
        yield created


class Events:
    """Writes events the way Rasa's SQLTrackerStore does (type_name, timestamp, names, JSON data)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = T0

    def _add(self, sender: str, kind: str, data: dict[str, Any], intent: str | None = None, action: str | None = None):  # type: ignore[no-untyped-def]
        self.clock += 0.2
        with self.engine.begin() as conn:
            conn.execute(
                insert(RASA_EVENTS).values(
                    sender_id=sender,
                    type_name=kind,
                    timestamp=self.clock,
                    intent_name=intent,
                    action_name=action,
                    data=json.dumps({"event": kind, "timestamp": self.clock, **data}),
                )
            )

    def turn(
        self,
        sender: str,
        said: str,
        intent: str,
        actions: list[str],
        bot: list[dict[str, Any]] | None = None,
        faq: str | None = None,
        entities: dict[str, str] | None = None,
        misses: float | None = None,
        source: str | None = None,
        listen: bool = True,
    ) -> None:
        parse: dict[str, Any] = {
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        }
        if faq:
            parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{faq}"}}}
        metadata = {"source": source} if source else {}
        self._add(sender, "user", {"text": said, "parse_data": parse, "metadata": metadata}, intent=intent)
        for action in actions:
            self._add(sender, "action", {"name": action}, action=action)
            for message in bot or []:
                self._add(
                    sender,
                    "bot",
                    {"text": message.get("text", ""), "data": message, "metadata": message.get("meta", {})},
                )
            bot = None
            if misses is not None:
                self._add(sender, "slot", {"name": "misses", "value": misses})
        if listen:
            self._add(sender, "action", {"name": "action_listen"}, action="action_listen")


def feedback_buttons(topic: str) -> dict[str, Any]:
    return {
        "text": "Iuran JKM 0,3%",
        "buttons": [{"title": "👍", "payload": f'/feedback{{"rating":"up","topic":"{topic}"}}'}],
    }


def conversations(events: Events) -> None:
    events.turn("a", "/greet", "greet", ["utter_greet"], [{"text": "Halo"}], source="perisai_1")
    events.turn(
        "a", "iuran jkm brp", "faq", ["action_answer_faq"], [feedback_buttons("iuran_jkm_pu")], faq="iuran_jkm_pu"
    )
    events.turn(
        "a",
        "/feedback",
        "feedback",
        ["action_feedback"],
        [{"text": "Maaf"}],
        entities={"rating": "down", "topic": "iuran_jkm_pu"},
    )
    events.turn("a", "/calc_iuran", "calc_iuran", ["action_calc_start", "calc_form"], [{"text": "Untuk siapa?"}])
    events.turn("a", "/registration_guide", "registration_guide", ["action_registration_guide"], [{"text": "Siapa?"}])
    events.turn("a", "/open_link", "open_link", ["action_open_link"], [{"text": "https://..."}])
    events.turn("b", "resep rendang gmn", "nlu_fallback", ["action_fallback"], [{"text": "Maaf"}], misses=1.0)
    events.turn(
        "b",
        "resep rendang padang gmn",
        "faq",
        ["action_answer_faq"],
        [{"text": "Hubungi 175", "meta": {"utter_action": "utter_handoff"}}],
        faq="jkm_apa",
        misses=0.0,
    )
    events.turn("c", "pajak umkm brp persen", "out_of_scope", ["utter_out_of_scope"], [{"text": "Di luar"}])


def test_ingest_and_metrics(engine: Engine) -> None:
    events = Events(engine)
    conversations(events)
    # A turn still in progress (no action_listen yet) is left for the next run.
    events.turn(
        "d",
        "iuran jht brp",
        "faq",
        ["action_answer_faq"],
        [feedback_buttons("iuran_jht_pu")],
        faq="iuran_jht_pu",
        listen=False,
    )
    now = datetime.fromtimestamp(events.clock + 1, tz=timezone.utc)
    assert Ingester(engine).run(now=now) == 9
    assert Ingester(engine).run(now=now) == 0, "nothing is counted twice"
    events._add("d", "action", {"name": "action_listen"}, action="action_listen")
    assert Ingester(engine).run(now=now) == 1

    m = compute(engine, DAY, DAY)
    assert (m.users, m.new_users, m.messages, m.sessions) == (4, 4, 10, 4)
    assert m.outcomes["answered"] == 2 and m.outcomes["miss"] == 1 and m.outcomes["handoff"] == 1
    assert m.outcomes["out_of_scope"] == 1 and m.outcomes["calculator"] == 1 and m.outcomes["guide"] == 2
    assert m.not_understood_share == pytest.approx(0.2) and m.handoffs == 1
    assert dict(m.topics) == {"iuran_jkm_pu": 1, "iuran_jht_pu": 1}
    assert m.ratings == {"iuran_jkm_pu": (0, 1)}
    assert m.funnel == [
        ("first_contact", 4),
        ("calculator_or_obligation", 1),
        ("registration_guide", 1),
        ("registration_link", 1),
    ]
    assert [(c.count, c.nearest_topic) for c in m.unanswered] == [(2, "jkm_apa"), (1, None)]
    assert m.response_p50_ms is not None and m.response_p50_ms <= 1000
    # Every source has fewer than 5 people: shown suppressed, never as the exact figure.
    assert {r.source for r in m.sources} == {"perisai_1", "(langsung)"}
    assert all(r.users is None for r in m.sources if r.source == "perisai_1")
    assert compute(engine, DAY, DAY, source="perisai_1").users == 1
    assert compute(engine, date(2026, 11, 21), date(2026, 11, 22)).messages == 0
    assert (m.reminders_active, m.reminders_new) == (0, 0)
    exported = tables(m, {})
    assert ["pesan", "10"] in exported["ringkasan"] and exported["sumber"][1][1] == "<5"


def test_returning_user_is_not_new_on_a_later_day(engine: Engine) -> None:
    events = Events(engine)
    events.turn("a", "halo", "greet", ["utter_greet"], [{"text": "Halo"}])
    events.clock += 3 * 86400
    events.turn("a", "iuran jkm", "faq", ["action_answer_faq"], [feedback_buttons("iuran_jkm_pu")], faq="iuran_jkm_pu")
    Ingester(engine).run(now=datetime.fromtimestamp(events.clock + 1, tz=timezone.utc))
    later = date(2026, 11, 23)
    assert compute(engine, later, later).new_users == 0 and compute(engine, later, later).users == 1
    assert compute(engine, DAY, later).funnel[0] == ("first_contact", 1)


def test_clusters_group_similar_questions() -> None:
    clusters = cluster_texts(
        [
            ("resep rendang gmn", None),
            ("Resep rendang padang?", "x"),
            ("harga emas hari ini", None),
            ("resep rendang", None),
        ]
    )
    assert [c.count for c in clusters] == [3, 1] and clusters[0].nearest_topic == "x"


def test_metrics_on_generated_volume_agree_with_the_raw_rows(engine: Engine) -> None:
    """20,000 generated messages: the pre-added figures equal counts taken straight from the turns."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from assistant_core.db import Turn
    from scripts.bench_metrics import DAYS, END, generate

    generate(engine, 20_000, 1_000)
    start = END - timedelta(days=DAYS - 1)
    m = compute(engine, start, END)
    with Session(engine) as session:
        messages = session.scalar(select(func.count()).select_from(Turn))
        users = session.scalar(select(func.count(func.distinct(Turn.conversation))))
        handoffs = session.scalar(select(func.count()).select_from(Turn).where(Turn.outcome == "handoff"))
        answered = dict(
            session.execute(
                select(Turn.topic, func.count()).where(Turn.outcome == "answered").group_by(Turn.topic)
            ).all()
        )
    assert (m.messages, m.users, m.handoffs) == (messages, users, handoffs)
    assert all(count == answered[key] for key, count in m.topics)
    assert [c for _, c in m.topics] == sorted(answered.values(), reverse=True)[: len(m.topics)]
    assert sum(d.messages for d in m.days) == messages and m.new_users == users


def test_quick_title_reader_agrees_with_the_content_loader() -> None:
    from assistant_core.analytics.export import read_titles
    from assistant_core.content.repository import build_snapshot
    from assistant_core.settings import ROOT

    assert read_titles(ROOT / "content") == build_snapshot(ROOT / "content").titles


@pytest.mark.parametrize(
    "typed", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "=cmd|' /C calc'!A0"]
)
def test_csv_cells_typed_by_users_never_run_as_formulas(typed: str) -> None:
    from assistant_core.analytics.export import to_csv

    row = next(csv.reader(io.StringIO(to_csv([[typed, "5", "-3", "12.5%"]]))))
    assert row[0] == "'" + typed
    assert row[1:] == ["5", "-3", "12.5%"]  # numbers stay numbers
