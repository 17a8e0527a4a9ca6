"""scripts/real_phrasings.py splits new labelled real questions into phrasings and dev items by hash."""

from __future__ import annotations

import shutil
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import yaml

import scripts.real_phrasings as rp
from assistant_core.settings import ROOT


def _question(even: bool, stem: str) -> str:
    for n in count():
        text = f"{stem} nomor {n} gimana ya"
        if rp.is_phrasing_half(text) == even:
            return text
    raise AssertionError


def _item(q: str, scope: str = "in", accept: list[str] | None = None) -> dict[str, Any]:
    return {
        "q": q,
        "source": "test",
        "who": "public",
        "scope": scope,
        "topic": "t",
        "answer_must": "x",
        "answer_source": "y",
        "accept": accept or [],
    }


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "nlu", tmp_path / "nlu")
    (tmp_path / "real").mkdir()
    for name in ("dev.yml", "heldout.yml"):
        shutil.copy(ROOT / "tests" / "real" / name, tmp_path / "real" / name)
    monkeypatch.setattr(rp, "ROOT", tmp_path)
    monkeypatch.setattr(rp, "CONTENT", tmp_path / "content")
    monkeypatch.setattr(rp, "SCOPE_NLU", tmp_path / "nlu" / "scope.yml")
    monkeypatch.setattr(rp, "DEV", tmp_path / "real" / "dev.yml")
    monkeypatch.setattr(rp, "HELDOUT", tmp_path / "real" / "heldout.yml")
    return tmp_path


def _questions(project: Path, key: str) -> list[str]:
    for path in (project / "content" / "faq").glob("*.yml"):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            if entry["key"] == key:
                return list(entry["questions"])
    raise KeyError(key)


def _examples(project: Path, intent: str) -> list[str]:
    data = yaml.safe_load((project / "nlu" / "scope.yml").read_text(encoding="utf-8"))
    block = next(b for b in data["nlu"] if b["intent"] == intent)
    return [line.removeprefix("- ") for line in block["examples"].splitlines()]


def test_even_items_become_phrasings_and_the_rest_dev_items(project: Path) -> None:
    even = _question(True, "saldo jht [nama] sy kok beda")
    odd = _question(False, "saldo jht sy kok beda")
    even_unlabelled = _question(True, "pertanyaan yang belum ada jawabannya")
    even_kesehatan = _question(True, "faskes bpjs kesehatan pindah")
    heldout_q = yaml.safe_load((project / "real" / "heldout.yml").read_text(encoding="utf-8"))[0]["q"]
    new = project / "new.yml"
    new.write_text(
        yaml.safe_dump(
            [
                _item(even, accept=["jht_saldo"]),
                _item(odd, accept=["jht_saldo"]),
                _item(even_unlabelled),
                _item(even_kesehatan, scope="kesehatan"),
                _item(heldout_q, accept=["jht_saldo"]),
            ],
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    dev_before = len(yaml.safe_load((project / "real" / "dev.yml").read_text(encoding="utf-8")))

    assert rp.main([str(new)]) == 0

    assert rp.clean(even) in _questions(project, "jht_saldo")
    assert "[" not in rp.clean(even)
    assert odd not in _questions(project, "jht_saldo")
    assert even_kesehatan in _examples(project, "ask_bpjs_kesehatan")
    dev = yaml.safe_load((project / "real" / "dev.yml").read_text(encoding="utf-8"))
    assert [d["q"] for d in dev[dev_before:]] == [odd, even_unlabelled]
    assert "answer_must" not in dev[-1]
    # running it again finds everything known and changes nothing
    snapshot = {p: p.read_text(encoding="utf-8") for p in project.rglob("*.yml")}
    assert rp.main([str(new)]) == 0
    assert snapshot == {p: p.read_text(encoding="utf-8") for p in project.rglob("*.yml")}


def test_an_unknown_entry_key_stops_before_writing(project: Path) -> None:
    new = project / "new.yml"
    new.write_text(yaml.safe_dump([_item("apa itu", accept=["no_such_entry"])]), encoding="utf-8")
    before = (project / "real" / "dev.yml").read_text(encoding="utf-8")
    assert rp.main([str(new)]) == 2
    assert (project / "real" / "dev.yml").read_text(encoding="utf-8") == before
