"""A wage stated in a free question reaches the entry, which computes the user's own figure from facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant_core.content import ContentRepository
from assistant_core.content.render import rupiah
from assistant_core.parsing import stated_wage
from assistant_core.settings import ROOT

ON = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("text", "wage"),
    [
        ("gaji saya 4 juta, kena phk dapat jkp berapa?", 4_000_000),
        ("sy punya 3 pegawai gaji 2,5 jt brp iurannya", 2_500_000),
        ("upahnya Rp3.500.000 per bulan, kalau kecelakaan dapat apa", 3_500_000),
        ("penghasilan 2.000.000, bayar bpu brp", 2_000_000),
        ("kerja 5 tahun gaji 4jt jp nya brp", 4_000_000),
        ("gaji saya 4 juta dan istri 3 juta", 4_000_000),
        ("gaji 3,5 jt. anak 2", 3_500_000),
    ],
)
def test_a_stated_wage_is_read(text: str, wage: int) -> None:
    assert stated_wage(text) == wage


@pytest.mark.parametrize(
    "text",
    [
        "jkp berapa",  # no wage
        "gaji umr jkp brp",  # a minimum wage is not a figure
        "gaji 3-4 juta",  # a range
        "gaji saya 12 juta tahun 2024",  # two numbers: which one?
        "3 pegawai, iurannya brp",  # a head count, not a wage
        "pesangon 40 juta kena pajak?",  # an amount, but not a wage
    ],
)
def test_no_wage_is_guessed(text: str) -> None:
    assert stated_wage(text) is None


@pytest.fixture(scope="module")
def repo() -> ContentRepository:
    return ContentRepository(ROOT / "content")


def fact(repo: ContentRepository, name: str) -> Decimal:
    value = repo.snapshot().facts[name].in_force(ON)
    assert value is not None
    return Decimal(str(value.value))


@pytest.mark.parametrize("wage", [4_000_000, 7_000_000])
def test_jkp_benefit_for_the_stated_wage(repo: ContentRepository, wage: int) -> None:
    pct, months, cap = (fact(repo, n) for n in ("jkp_benefit_pct", "jkp_benefit_months", "jkp_wage_cap"))
    monthly = min(Decimal(wage), cap) * pct / 100
    answer = repo.render("jkp_manfaat", ON, upah=wage)
    assert answer is not None
    assert f"{rupiah(monthly)} per bulan" in answer.text
    assert rupiah(monthly * months) in answer.text
    general = repo.render("jkp_manfaat", ON)
    assert general is not None and rupiah(wage) not in general.text


def test_jkk_benefits_for_the_stated_wage(repo: ContentRepository) -> None:
    wage = 5_000_000
    answer = repo.render("jkk_manfaat", ON, upah=wage)
    assert answer is not None
    assert rupiah(wage * fact(repo, "jkk_death_wage_multiple")) in answer.text
    assert rupiah(wage * fact(repo, "jkk_total_disability_wage_multiple")) in answer.text


def test_bpu_contribution_for_the_stated_income_uses_the_bracket_and_the_discount(repo: ContentRepository) -> None:
    answer = repo.render("iuran_bpu", ON, upah=1_500_000)
    assert answer is not None
    # Lampiran II PP 44/2015: income 1.5 million is in the bracket based on 1.6 million (reference §4.1a).
    base = Decimal(1_600_000)
    normal = base * fact(repo, "bpu_jkk_rate") / 100 + fact(repo, "bpu_jkm_flat")
    discounted = normal * (100 - fact(repo, "bpu_discount_other_pct")) / 100
    assert f"dasar iurannya {rupiah(base)}" in answer.text
    assert rupiah(normal) in answer.text and rupiah(discounted) in answer.text
    after = repo.render("iuran_bpu", date(2027, 1, 5), upah=1_500_000)
    assert after is not None and "dengan diskon" not in after.text.split("\n\n")[0]
