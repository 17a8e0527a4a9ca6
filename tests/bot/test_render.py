"""Rendering Rasa replies for Telegram: safe HTML, splitting, button rows, callback ids."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from assistant_core.db import create_tables
from assistant_core.pseudonym import conversation_id
from bot.callbacks import CallbackStore
from bot.database import Database
from bot.render import Button, button_rows, from_rasa, sanitise_html, split_text, to_plain


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("<b>Iuran</b> 0,3%", "<b>Iuran</b> 0,3%"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("5 < 6 & 7 > 2", "5 &lt; 6 &amp; 7 &gt; 2"),
        ("<b>tidak ditutup", "<b>tidak ditutup</b>"),
        ("tutup saja</i>", "tutup saja"),
        ('<a href="https://x.go.id">situs</a>', '<a href="https://x.go.id">situs</a>'),
        ('<a href="javascript:alert(1)">x</a>', '&lt;a href="javascript:alert(1)"&gt;x'),
        ("&amp; sudah", "&amp; sudah"),
    ],
)
def test_sanitise(raw: str, safe: str) -> None:
    assert sanitise_html(raw) == safe


def test_split_at_paragraphs_and_keep_tags_balanced() -> None:
    text = "\n\n".join(f"<b>Paragraf {i}</b> " + "isi " * 200 for i in range(10))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_split_a_single_huge_line() -> None:
    parts = split_text("a" * 10000)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_buttons_stay_on_last_part() -> None:
    replies = [{"text": "x" * 5000, "buttons": [{"title": "Menu", "payload": "/help"}]}]
    out = from_rasa(replies)
    assert len(out) == 2 and not out[0].buttons and out[1].buttons == (Button("Menu", "/help"),)


def test_rows_one_per_row_when_long() -> None:
    short = tuple(Button(t, "/p") for t in ["A", "B", "C"])
    long = (*short, Button("Label yang sangat panjang sekali", "/p"))
    assert [len(r) for r in button_rows(short)] == [2, 1]
    assert [len(r) for r in button_rows(long)] == [1, 1, 1, 1]


def test_feedback_pair_shares_the_last_row() -> None:
    topics = (Button("Siapa yang wajib ikut program apa", "/choose_topic"), Button("Denda", "/choose_topic"))
    rating = (Button("👍 Membantu", '/feedback{"rating":"up"}'), Button("👎 Kurang", '/feedback{"rating":"down"}'))
    rows = button_rows(rating[:1] + topics + rating[1:])
    assert [[b.title for b in r] for r in rows][-1] == ["👍 Membantu", "👎 Kurang"]
    assert [len(r) for r in rows] == [1, 1, 2]


def test_plain_text_for_terminal() -> None:
    assert to_plain('<b>Halo</b> &amp; <a href="https://a.go.id">situs</a>') == "Halo & situs (https://a.go.id)"


def test_callback_ids_fit_and_survive_a_new_store(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'cb.db'}")
    create_tables(engine)
    payload = '/choose_topic{"topic":"wajib_program_ukuran_yang_sangat_panjang_sekali_hingga_lewat_64"}'
    db = Database(engine)
    data = db.run(CallbackStore().register, payload, "Wajib ikut apa?")
    assert len(data.encode()) <= 64
    assert db.run(CallbackStore().resolve, data) == (payload, "Wajib ikut apa?")
    assert db.run(CallbackStore().resolve, "p:nope") is None
    assert db.run(CallbackStore().resolve, "garbage") is None


def test_pseudonyms_are_keyed_and_per_user_in_groups() -> None:
    key = b"k" * 32
    private = conversation_id(key, 42, 42, private=True)
    assert "42" not in private and private == conversation_id(key, 42, 42, private=True)
    assert private != conversation_id(b"x" * 32, 42, 42, private=True)
    assert conversation_id(key, -100, 1, private=False) != conversation_id(key, -100, 2, private=False)


def test_callback_store_on_postgresql() -> None:
    """The same store on the real PostgreSQL server (CI sets TEST_POSTGRES_URL)."""
    import os

    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TEST_POSTGRES_URL not set (CI sets it)")
    engine = create_engine(url)
    create_tables(engine)
    store, db = CallbackStore(), Database(engine)
    data = db.run(store.register, "/help", "Menu utama")
    assert db.run(CallbackStore().resolve, data) == ("/help", "Menu utama")
    assert db.run(store.register, "/help", "Menu utama") == data
    engine.dispose()


class _Balance(HTMLParser):
    """Telegram's view of a part: every tag closed in order, every entity whole."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()


def test_a_long_text_with_many_tags_splits_only_between_tags_and_entities() -> None:
    unit = '<b>Iuran</b> JKK &amp; JKM <a href="https://www.bpjsketenagakerjaan.go.id">situs <i>resmi</i></a> '
    text = sanitise_html("<u>" + unit * 120 + "</u>")  # one line, no paragraph to cut at
    assert len(text) >= 10_000
    parts = split_text(text)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= 4096
        parser = _Balance()
        parser.feed(part)
        parser.close()
        assert parser.open == [], f"unclosed {parser.open} at {part[-40:]!r}"
        assert re.fullmatch(r"(?:[^&<>]|&(?:amp|lt|gt|quot|#\d+);|<[^<>]+>)*", part, re.DOTALL), part[-40:]
        assert part.startswith("<u>") and part.endswith("</u>")  # reopened and closed at every cut
    assert " ".join(to_plain(p) for p in parts).split() == to_plain(text).split(), "no word lost"


@pytest.mark.parametrize(
    ("title", "shown"),
    [("<b>Hitung</b> iuran", "Hitung iuran"), ("JKK & JKM", "JKK & JKM"), ("JHT &amp; JP", "JHT & JP")],
)
def test_button_titles_come_out_as_plain_text(title: str, shown: str) -> None:
    [message] = from_rasa([{"text": "Pilih:", "buttons": [{"title": title, "payload": "/menu"}]}])
    assert message.buttons == (Button(shown, "/menu"),)
