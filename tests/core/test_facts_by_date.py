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
        ("jp_wage_cap", date(2026, 2, 28), date(2026, 3, 1), 10547400, 11086300),
        ("jp_benefit_min", date(2026, 2, 28), date(2026, 3, 1), 393500, 411400),
        ("jp_benefit_max", date(2026, 2, 28), date(2026, 3, 1), 4718200, 4932300),
        ("jkp_consecutive_months", date(2025, 2, 6), date(2025, 2, 7), 6, None),
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


def test_jp_cap_answer_is_the_2026_value_and_current_before_its_review_date(repo: ContentRepository) -> None:
    text = repo.render("batas_upah_jp", date(2026, 12, 5))
    assert text is not None
    assert "Rp11.086.300 per bulan</b> (berlaku sejak 1 Maret 2026" in text.text
    assert "Rp221.726" in text.text and "Rp110.863" in text.text  # maximum JP employer / worker
    assert "1 Maret 2025 - 28 Februari 2026: Rp10.547.400" in text.text  # older value only as labelled history
    assert "B/1226/022026" in text.text and "angka terakhir yang kami ketahui" not in text.text


STALE_DAY = date(2027, 3, 2)  # past the 2027-03-01 review date of the JP figures, with no 2027 value in content


@pytest.mark.parametrize("key", ["batas_upah_jp", "iuran_jp_pu", "jp_manfaat"])
def test_past_its_review_date_a_figure_is_never_called_current(repo: ContentRepository, key: str) -> None:
    answer = repo.render(key, STALE_DAY)
    assert answer is not None
    assert "angka terakhir yang kami ketahui" in answer.text
    assert "175" in answer.text and "JMO" in answer.text and "bpjsketenagakerjaan.go.id" in answer.text
    assert "berlaku sekarang" not in answer.text and "(berlaku sejak 1 Maret 2026;" not in answer.text
    fresh = repo.render(key, date(2027, 2, 28))
    assert fresh is not None and "angka terakhir yang kami ketahui" not in fresh.text


def test_every_answer_using_an_overdue_fact_carries_the_notice(repo: ContentRepository) -> None:
    snap = repo.snapshot()
    overdue = {n for n, f in snap.facts.items() if f.stale(STALE_DAY)}
    assert {"jp_wage_cap", "jp_benefit_min", "jp_benefit_max"} <= overdue
    for key in snap.entries:
        answer = repo.render(key, STALE_DAY)
        assert answer is not None
        for name in overdue:
            fact = snap.facts[name]
            if fact.label and fact.label in answer.text and "Mohon dicek" not in answer.text:
                pytest.fail(f"{key} names {name} past its review date without the notice")


def test_jkp_condition_follows_pp_6_2025(repo: ContentRepository) -> None:
    now = repo.render("jkp_klaim", date(2026, 12, 5))
    myth = repo.render("mitos_lain", date(2026, 12, 5))
    assert now is not None and myth is not None
    assert "12 bulan dalam 24 bulan</b> sebelum PHK" in now.text and "tidak harus berturut-turut" in now.text
    assert "sejak 7 Februari 2025" in now.text and "sejauh ini tidak ada kabar perubahan" not in now.text
    assert "tidak harus berturut-turut" in myth.text and "mensyaratkan iuran 6 bulan berturut-turut" not in myth.text


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


def test_open_questions_are_settled_or_hedged(repo: ContentRepository) -> None:
    day = date(2026, 12, 5)
    partial = repo.render("jht_sebagian", day)
    owner = repo.render("program_bpu", day)
    jkm = repo.render("jkm_apa", day)
    jkp = repo.render("jkp_umkm", day)
    assert partial is not None and owner is not None and jkm is not None and jkp is not None
    # Not settled: PP 46/2015 Pasal 22(5) says "kepemilikan rumah", the reference (official BPJS text)
    # includes renovation. Say both, send the user to 175 first, and name the MLT renovation loan.
    assert "<b>bukan</b> untuk renovasi" not in partial.text and "beli atau renovasi" not in partial.text
    assert "Pasal 22 ayat (5)" in partial.text and "175" in partial.text and "Permenaker 17/2021" in partial.text
    # Not settled from a primary text: say what is known and point to 175, without guessing.
    assert "Pasal 31-32" in owner.text and "175" in owner.text
    assert "belum bisa kami pastikan" in jkm.text and "175" in jkm.text
    assert "mandiri atau PBI" in jkp.text and "175" in jkp.text


@pytest.mark.parametrize("key", ["iuran_bpu", "daftar_bpu"])
def test_the_cheapest_bpu_figure_said_first_is_the_one_in_force(repo: ContentRepository, key: str) -> None:
    """A reader stops at the first figure: while PP 50/2025's discount runs it must be the discounted one.

    The real held-out found "iuran paling rendah Rp16.800" said as today's price in December 2026."""
    during = repo.render(key, date(2026, 12, 7))
    after = repo.render(key, date(2027, 1, 2))
    assert during is not None and after is not None
    first = next(p for p in during.text.split("\n") if "paling" in p and "Rp" in p)
    assert first.index("Rp8.400") < first.index("Rp16.800"), first
    assert "31 Desember 2026" in first
    later = next(p for p in after.text.split("\n") if "paling" in p and "Rp" in p)
    assert later.index("Rp16.800") < later.index("Rp8.400") and "transportasi" in later, later
