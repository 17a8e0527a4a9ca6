"""The content check names the file, line, entry and fix for each kind of editor mistake."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant_core.content.check import check_content, check_snapshot, html_problems
from assistant_core.content.repository import ContentRepository, build_snapshot
from assistant_core.settings import ROOT

TODAY = date(2026, 11, 26)
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
    text = text.replace("{days} hari", "{hari} hari").replace("Anda memilih: {title}", "Anda <b>memilih: {title}")
    target.write_text(text + "\n")
    found = messages(content)
    assert any("texts.yml [forget_kept]" in m and "tidak ada" in m for m in found)
    assert any("texts.yml [privacy]" in m and "{hari}" in m and "{days}" in m for m in found)
    assert any("texts.yml [button_chosen]" in m for m in found)
