"""The content check names the file, line, entry and fix for each kind of editor mistake."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant_core.content.check import check_all, check_content, check_snapshot, html_problems, typed_figures
from assistant_core.content.freshness import freshness_problems, review_items
from assistant_core.content.repository import ContentRepository, build_snapshot
from assistant_core.settings import ROOT

TODAY = date(2026, 12, 7)
QUESTIONS = "\n".join(f"      - pertanyaan contoh nomor {i} tentang iuran" for i in range(16))


def make_content(
    tmp_path: Path, answer: str = "Iuran JKM {{ persen(f.rate) }}.", extra_entry: str = "", facts: str | None = None
) -> Path:
    content = tmp_path / "content"
    (content / "faq").mkdir(parents=True)
    (content / "facts").mkdir()
    (content / "facts" / "f.yml").write_text(
        facts
        or (
            "facts:\n  rate:\n    description: x\n    unit: percent\n    values:\n"
            "      - {value: 0.3, valid_from: 2015-07-01, source: PP 44/2015}\n"
        )
    )
    body = "\n".join("      " + line for line in answer.splitlines())
    (content / "faq" / "a.yml").write_text(
        "entries:\n  - key: satu\n    title: Satu\n    reviewed: 2026-11-01\n    sources: [PP 44/2015]\n"
        f"    related: []\n    questions:\n{QUESTIONS}\n    answer: |\n{body}\n{extra_entry}"
    )
    return content


def messages(content: Path) -> list[str]:
    """Problems in a content folder; small fixtures without calculator.yml get the FAQ-level check."""
    if not (content / "calculator.yml").exists():
        return [str(p) for p in check_snapshot(build_snapshot(content), TODAY)]
    return [str(p) for p in check_content(content, TODAY)]


def test_real_content_is_clean() -> None:
    assert messages(ROOT / "content") == []


def test_good_fixture_is_clean(tmp_path: Path) -> None:
    assert messages(make_content(tmp_path)) == []


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    (content / "faq" / "b.yml").write_text("entries:\n  - key: dua\n    title: [oops\n")
    found = messages(content)
    assert any("faq/b.yml:" in m and "YAML tidak valid" in m for m in found)


def test_missing_answer(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    (content / "faq" / "b.yml").write_text("entries:\n  - key: dua\n    title: Dua\n    reviewed: 2026-01-01\n")
    found = messages(content)
    assert any("faq/b.yml:2 [dua]" in m and "tidak punya jawaban" in m for m in found)


def test_undefined_fact(tmp_path: Path) -> None:
    found = messages(make_content(tmp_path, answer="Iuran {{ persen(f.tidak_ada) }}."))
    assert any("[satu]" in m and "fakta 'tidak_ada' tidak ada" in m for m in found)


def test_undefined_variable(tmp_path: Path) -> None:
    found = messages(make_content(tmp_path, answer="Halo {{ nama_pengguna }}."))
    assert any("[satu]" in m and "nama_pengguna" in m for m in found)


def test_duplicate_question_across_entries(tmp_path: Path) -> None:
    second = (
        "  - key: dua\n    title: Dua\n    reviewed: 2026-11-01\n    questions:\n"
        "      - Pertanyaan contoh nomor 3 tentang iuran?\n    answer: Dua.\n"
    )
    found = messages(make_content(tmp_path, extra_entry=second))
    assert any("[dua]" in m and "juga ada di entri 'satu'" in m for m in found)


def test_answer_over_telegram_limit(tmp_path: Path) -> None:
    found = messages(make_content(tmp_path, answer="kata " * 900))
    assert any("melebihi batas Telegram 4096" in m for m in found)


def test_malformed_link(tmp_path: Path) -> None:
    found = messages(make_content(tmp_path, answer='Lihat <a href="www.bpjs.go.id">situs</a>.'))
    assert any("tautan tidak valid" in m for m in found)


def test_invalid_dates(tmp_path: Path) -> None:
    facts = (
        "facts:\n  rate:\n    description: x\n    unit: percent\n    values:\n"
        "      - {value: 0.3, valid_from: 2026-05-01, valid_until: 2026-01-01, source: PP 1}\n"
        "      - {value: 0.4, valid_from: 2026-13-45, source: PP 2}\n"
    )
    found = messages(make_content(tmp_path, facts=facts))
    assert any("lebih awal dari valid_from" in m for m in found)
    assert any("bukan tanggal" in m for m in found)


def test_fact_that_expires_must_be_guarded(tmp_path: Path) -> None:
    facts = (
        "facts:\n  rate:\n    description: x\n    unit: percent\n    values:\n"
        "      - {value: 50, valid_from: 2026-04-01, valid_until: 2026-12-31, source: PP 50/2025}\n"
    )
    found = messages(make_content(tmp_path, answer="Diskon {{ persen(f.rate) }}.", facts=facts))
    assert any("gagal dibuat untuk tanggal 2026-03-31" in m and "tidak punya nilai" in m for m in found)


@pytest.mark.parametrize(
    "html", ["<b>tebal", "</i>", "<script>x</script>", "5 < 6", "A & B", "<div>x</div>", "• satu• dua"]
)
def test_html_problems(html: str) -> None:
    assert html_problems(html)


def test_good_html() -> None:
    assert html_problems('<b>Tebal</b> &amp; <a href="https://www.bpjsketenagakerjaan.go.id">situs</a>') == []


def test_edit_is_live_and_a_broken_edit_keeps_last_good(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    repo = ContentRepository(content, check_interval=0)
    first = repo.render("satu", TODAY)
    assert first is not None and "0,3%" in first.text
    facts = content / "facts" / "f.yml"
    facts.write_text(facts.read_text().replace("0.3,", "0.35,"))
    second = repo.render("satu", TODAY)
    assert second is not None and "0,35%" in second.text
    facts.write_text("facts: [broken")
    third = repo.render("satu", TODAY)
    assert third is not None and "0,35%" in third.text


def test_copy_of_real_content_detects_broken_edit(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / "facts" / "rates.yml"
    target.write_text(target.read_text().replace("jkm_rate_pu:", "jkm_rate_pekerja:"))
    found = messages(content)
    assert any("jkm_rate_pu" in m for m in found)


def test_calculator_texts_are_checked(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / "calculator.yml"
    text = target.read_text()
    text = text.replace('  zero: "Angkanya tidak boleh nol."\n', "")
    text = text.replace("{{ persen(f.jkk_rate_very_low) }} dari upah", "{{ persen(f.jkk_sangat_rendah) }} dari upah")
    target.write_text(text)
    found = messages(content)
    assert any("calculator.yml [reasons.zero]" in m and "tidak ada" in m for m in found)
    assert any("calculator.yml [questions.calc_risk]" in m and "jkk_sangat_rendah" in m for m in found)


def test_bot_texts_are_checked(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / "texts.yml"
    text = target.read_text()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("  forget_kept:"))
    text = (
        text.replace("{{ days }} hari", "{{ hari }} hari")
        .replace("Anda memilih: {{ title }}", "Anda <b>memilih: {{ title }}")
        .replace('berlaku sejak {{ since }}; {{ update_note }}"', 'berlaku sejak {since}; {{ update_note }}"')
    )
    target.write_text(text + "\n")
    found = messages(content)
    assert any("texts.yml [forget_kept]" in m and "tidak ada" in m for m in found)
    assert any("texts.yml [privacy]" in m and "{{ hari }}" in m and "{{ days }}" in m for m in found)
    assert any("texts.yml [button_chosen]" in m for m in found)
    # str.format's single braces are no longer a placeholder: editors are told to double them.
    assert any("texts.yml [fact_status_current]" in m and "tunggal" in m for m in found)


YEARLY = (
    "facts:\n  cap:\n    description: batas\n    unit: rupiah\n    adjusted_yearly: true\n{extra}    values:\n"
    "      - {{value: 11086300, valid_from: 2026-03-01, {review}source: PP 45/2015}}\n"
)


def test_yearly_fact_without_review_date_is_reported(tmp_path: Path) -> None:
    content = make_content(tmp_path, answer="Batas {{ rupiah(f.cap) }}.", facts=YEARLY.format(extra="", review=""))
    found = [str(p) for p in check_all(build_snapshot(content), TODAY)]
    assert any("[cap]" in m and "tidak punya review_by" in m for m in found)
    assert any("[cap]" in m and "label dan update_note" in m for m in found)


def test_review_list_looks_ahead_without_failing(tmp_path: Path) -> None:
    extra = "    label: batas upah JP\n    update_note: disesuaikan setiap Maret\n"
    facts = YEARLY.format(extra=extra, review="review_by: 2027-03-01, ")
    snapshot = build_snapshot(make_content(tmp_path, answer="Batas {{ rupiah(f.cap) }}.", facts=facts))
    assert not [p for p in freshness_problems(snapshot.facts)]
    assert review_items(snapshot.facts, date(2027, 1, 15)) == []  # 45 days ahead: not listed yet
    soon = review_items(snapshot.facts, date(2027, 2, 1))
    assert [i.fact for i in soon] == ["cap"] and soon[0].days_left == 28 and not soon[0].overdue
    late = review_items(snapshot.facts, date(2027, 3, 2))
    assert late[0].overdue and "lewat 1 hari" in str(late[0]) and "f.yml" in str(late[0])


def test_figure_typed_in_an_answer_is_reported_with_the_fact(tmp_path: Path) -> None:
    facts = (
        "facts:\n  cap:\n    description: batas\n    unit: rupiah\n    values:\n"
        "      - {value: 11086300, valid_from: 2026-03-01, source: PP 45/2015}\n"
        "  rate:\n    description: x\n    unit: percent\n    values:\n"
        "      - {value: 0.3, valid_from: 2015-07-01, source: PP 44/2015}\n"
    )
    answer = "Batas JP Rp11.086.300 dan JKM 0,3% ({{ rupiah(f.cap) }}); bukan Rp5 juta."
    found = [str(p) for p in typed_figures(build_snapshot(make_content(tmp_path, answer=answer, facts=facts)))]
    assert len(found) == 2
    assert any("'Rp11.086.300'" in m and "f.cap" in m for m in found)
    assert any("'0,3%'" in m and "f.rate" in m for m in found)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("      - {from: 1000000, base: 1000000}\n      - {from: 900000, base: 1200000}\n", "tidak urut naik"),
        ("      - {from: 1000000, base: 1000000}\n      - {from: 1100000, base: 1050000}\n", "lebih kecil"),
        ("      - {from: 1000000, base: 1000000}\n      - {from: 1100000, base: Rp1.200.000}\n", "angka bulat"),
    ],
)
def test_broken_bracket_table_is_reported(tmp_path: Path, rows: str, message: str) -> None:
    content = make_content(tmp_path)
    (content / "facts" / "t.yml").write_text(
        "tables:\n  bpu_income_brackets:\n    description: x\n    source: PP 44/2015 Lampiran II\n"
        f"    valid_from: 2015-07-01\n    brackets:\n{rows}"
    )
    found = messages(content)
    assert any("t.yml:" in m and message in m for m in found), found
