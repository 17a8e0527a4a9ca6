"""Business type -> JKK risk group, from content/business_risk.yml (Lampiran I PP 44/2015 jo. PP 82/2019).

The calculator uses it to *suggest* a risk group when an owner names their kind of business, and to
ask a follow-up question when the lampiran puts that kind of business in more than one group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

RISKS = ("very_low", "low", "medium", "high", "very_high")
CONFIDENCE = ("tinggi", "sedang")


@dataclass(frozen=True)
class BusinessType:
    key: str
    label: str
    risk: str
    lampiran: str
    confident: bool
    note: str | None
    words: tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    button: str
    type: str


@dataclass(frozen=True)
class AskType:
    key: str
    question: str
    words: tuple[str, ...]
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class BusinessTable:
    source: str
    risk_names: dict[str, str]
    types: dict[str, BusinessType]
    asks: dict[str, AskType]

    def items(self) -> list[BusinessType | AskType]:
        return [*self.types.values(), *self.asks.values()]

    def match(self, text: str) -> BusinessType | AskType | None:
        """The business type named in `text`; None when none is named or two groups conflict."""
        lowered = " " + re.sub(r"[^\w-]+", " ", text.lower()) + " "
        hits: list[tuple[int, int, BusinessType | AskType]] = []
        for item in self.items():
            for word in item.words:
                for found in re.finditer(rf"(?<=\s){re.escape(word)}(?=\s)", lowered):
                    hits.append((found.start(), found.end(), item))
        # A match inside a longer one does not count ("warung" inside "warung makan").
        kept = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0] for o in hits)]
        items = list(dict.fromkeys(h[2] for h in kept))
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        types = [i for i in items if isinstance(i, BusinessType)]
        if len(types) == len(items) and len({t.risk for t in types}) == 1:
            return types[0]
        return None  # two kinds of business in different groups: ask rather than guess


def _mapping(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items() if k != "__line__"} if isinstance(value, dict) else {}


def _words(value: Any) -> tuple[str, ...]:
    return tuple(str(w).strip().lower() for w in value or [] if str(w).strip())


def parse_table(data: dict[str, Any]) -> tuple[BusinessTable, list[tuple[str, str, str]]]:
    """Read the YAML mapping; returns the table and problems as (entry, message, fix) in Indonesian."""
    problems: list[tuple[str, str, str]] = []
    if not data:  # no content/business_risk.yml: the calculator simply makes no suggestions
        return BusinessTable("", {}, {}, {}), problems
    risk_names = {k: str(v) for k, v in _mapping(data.get("risk_names")).items()}
    for risk in RISKS:
        if risk not in risk_names:
            problems.append(("risk_names", f"nama kelompok '{risk}' tidak ada", f"tambahkan '{risk}:' di risk_names"))
    types: dict[str, BusinessType] = {}
    for key, spec in _mapping(data.get("types")).items():
        if not isinstance(spec, dict):
            problems.append((key, "isi jenis usaha bukan daftar isian", "lihat contoh jenis usaha lain"))
            continue
        risk, confidence = str(spec.get("risk")), spec.get("confidence")
        if risk not in RISKS:
            problems.append((key, f"risk '{risk}' tidak dikenal", f"pakai salah satu: {', '.join(RISKS)}"))
            continue
        if confidence not in CONFIDENCE:
            problems.append((key, f"confidence '{confidence}' tidak dikenal", "pakai: tinggi atau sedang"))
        for field_name in ("label", "lampiran"):
            if not isinstance(spec.get(field_name), str) or not spec[field_name].strip():
                problems.append((key, f"'{field_name}' kosong", f"isi '{field_name}' dengan teks"))
        words = _words(spec.get("words"))
        if not words:
            problems.append((key, "tidak ada kata (words)", "tambahkan kata yang biasa ditulis pemilik usaha"))
        note = spec.get("note")
        types[key] = BusinessType(
            key,
            str(spec.get("label") or key),
            risk,
            str(spec.get("lampiran") or ""),
            confidence == "tinggi",
            str(note) if note else None,
            words,
        )
    asks: dict[str, AskType] = {}
    for key, spec in _mapping(data.get("ask")).items():
        if not isinstance(spec, dict):
            continue
        choices = []
        for raw in spec.get("choices") or []:
            if not isinstance(raw, dict) or raw.get("type") not in types or not raw.get("button"):
                problems.append(
                    (key, f"pilihan {raw!r} tidak lengkap", "setiap pilihan perlu button dan type yang ada di types")
                )
                continue
            choices.append(Choice(str(raw["button"]), str(raw["type"])))
        if not isinstance(spec.get("question"), str) or not choices:
            problems.append((key, "pertanyaan atau pilihan kosong", "isi question dan minimal satu choices"))
            continue
        asks[key] = AskType(key, spec["question"], _words(spec.get("words")), tuple(choices))
    seen: dict[str, str] = {}
    everything: list[BusinessType | AskType] = [*types.values(), *asks.values()]
    for item in everything:
        for word in item.words:
            if word in seen and seen[word] != item.key:
                problems.append((item.key, f"kata '{word}' juga dipakai di '{seen[word]}'", "pakai setiap kata sekali"))
            seen.setdefault(word, item.key)
    table = BusinessTable(str(data.get("source") or "Lampiran I PP 44/2015"), risk_names, types, asks)
    for ask in asks.values():
        for choice in ask.choices:
            found = table.match(choice.button)
            if not isinstance(found, BusinessType) or found.key != choice.type:
                problems.append(
                    (
                        ask.key,
                        f"tombol '{choice.button}' tidak terbaca sebagai '{choice.type}'",
                        f"masukkan salah satu kata dari '{choice.type}' ke teks tombol",
                    )
                )
    return table, problems
