"""Answers use the fact in force on the question date, and switch by themselves at each boundary."""

from __future__ import annotations

from datetime import date

import pytest

from assistant_core.content import ContentRepository
from assistant_core.content.render import angka, persen, rupiah
from assistant_core.settings import ROOT


@pytest.fixture(scope="module")
def repo() -> ContentRepository:
    return ContentRepository(ROOT / "content")


def facts(repo: ContentRepository):  # type: ignore[no-untyped-def]
    return repo.snapshot().facts


def value(repo: ContentRepository, name: str, on: date) -> object:
    current = facts(repo)[name].in_force(on)
    return None if current is None else current.value


@pytest.mark.parametrize(
    ("name", "before", "after", "old", "new"),
    [
        ("jp_wage_cap", date(2025, 2, 28), date(2025, 3, 1), 10042300, 10547400),
        ("jkp_rate_total", date(2025, 2, 6), date(2025, 2, 7), 0.46, 0.36),
        ("jkp_claim_window_months", date(2025, 2, 6), date(2025, 2, 7), 3, 6),
        ("bpu_discount_other_pct", date(2026, 3, 31), date(2026, 4, 1), None, 50),
        ("bpu_discount_other_pct", date(2026, 12, 31), date(2027, 1, 1), 50, None),
        ("bpu_discount_transport_pct", date(2025, 12, 31), date(2026, 1, 1), None, 50),
        ("bpu_discount_transport_pct", date(2027, 3, 31), date(2027, 4, 1), 50, None),
        ("jp_retirement_age", date(2024, 12, 31), date(2025, 1, 1), 58, 59),
    ],
)
def test_value_switches_at_boundary(
    repo: ContentRepository, name: str, before: date, after: date, old: object, new: object
) -> None:
    assert value(repo, name, before) == old
    assert value(repo, name, after) == new


def test_last_known_jp_cap_still_served_after_expected_update(repo: ContentRepository) -> None:
    # No 2026 figure in the reference: the 2025 cap is served with its start date until an editor adds one.
    assert value(repo, "jp_wage_cap", date(2026, 11, 26)) == 10547400
    text = repo.render("batas_upah_jp", date(2026, 11, 26))
    assert text is not None and "Rp10.547.400" in text.text and "1 Maret 2025" in text.text


def test_discount_answer_for_traders_changes_after_2026(repo: ContentRepository) -> None:
    during = repo.render("diskon_bpu_2026", date(2026, 11, 26))
    after = repo.render("diskon_bpu_2026", date(2027, 1, 1))
    assert during is not None and after is not None
    assert "Rp8.400" in during.text
    assert "31 Desember 2026" in during.text
    # Transport workers still have it until March 2027; others no longer do.
    assert "31 Maret 2027" in after.text
    assert during.text != after.text


def test_bpu_minimum_contribution_before_and_during_discount(repo: ContentRepository) -> None:
    before = repo.render("iuran_bpu", date(2025, 12, 1))
    during = repo.render("iuran_bpu", date(2026, 11, 26))
    assert before is not None and during is not None
    assert "Rp16.800" in before.text and "Rp36.800" in before.text
    assert "Rp8.400" not in before.text
    assert "Rp8.400" in during.text


def test_reference_worked_figures(repo: ContentRepository) -> None:
    jp = repo.render("iuran_jp_pu", date(2025, 6, 1))
    jht = repo.render("iuran_jht_pu", date(2026, 11, 26))
    assert jp is not None and "Rp105.474" in jp.text and "Rp210.948" in jp.text
    assert jht is not None and "Rp570.000" in jht.text


def test_every_answer_cites_sources_and_review_date(repo: ContentRepository) -> None:
    snapshot = repo.snapshot()
    for key in snapshot.entries:
        answer = repo.render(key, date(2026, 11, 26))
        assert answer is not None
        assert "Sumber:" in answer.text, key
        assert "Diperbarui" in answer.text, key
        assert len(answer.related) >= 1, key


@pytest.mark.parametrize(
    ("amount", "text"), [(16800, "Rp16.800"), (105474.0, "Rp105.474"), (8400.5, "Rp8.401"), (0, "Rp0")]
)
def test_rupiah(amount: float, text: str) -> None:
    assert rupiah(amount) == text


@pytest.mark.parametrize(("number", "text"), [(0.24, "0,24%"), (5.7, "5,7%"), (2.0, "2%"), (0.30, "0,3%")])
def test_persen(number: float, text: str) -> None:
    assert persen(number) == text


def test_angka() -> None:
    assert angka(1000000) == "1.000.000"
    assert angka(0.5) == "0,5"
