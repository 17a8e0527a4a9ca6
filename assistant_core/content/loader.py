"""Reads content/ YAML into typed objects, keeping file and line for every entry and fact."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

import yaml

LINE_KEY = "__line__"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
UNITS = frozenset({"percent", "rupiah", "number", "text"})


@dataclass(frozen=True)
class Problem:
    """One content error, phrased for an editor: where, what, and how to fix it."""

    file: str
    line: int | None
    entry: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" [{self.entry}]" if self.entry else ""
        return f"{where}{who}: {self.message}\n    Perbaikan: {self.fix}"


@dataclass(frozen=True)
class FactValue:
    value: float | int | str
    valid_from: date
    valid_until: date | None
    source: str
    confidence: str
    # The day by which a newer value is expected (the JP wage cap every March, a discount's end):
    # from that day on, with no newer value in content, this one is only "the last value known".
    review_by: date | None = None

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    def overdue(self, on: date) -> bool:
        return self.review_by is not None and on >= self.review_by


@dataclass(frozen=True)
class Fact:
    name: str
    description: str
    unit: str
    values: tuple[FactValue, ...]
    adjusted_yearly: bool
    file: str
    line: int | None
    label: str = ""  # short Indonesian name for notices ("batas upah JP")
    update_note: str = ""  # when a newer value normally comes ("disesuaikan setiap Maret")

    def latest(self) -> FactValue:
        return max(self.values, key=lambda v: v.valid_from)

    def needs_review_date(self) -> bool:
        """Values that go stale by themselves: adjusted yearly, reported only by the press, or ending.

        Facts described as "Riwayat." are history (a rule that was replaced); they never need review.
        """
        if self.description.startswith("Riwayat"):
            return False
        last = self.latest()
        return self.adjusted_yearly or "pemberitaan" in last.source.lower() or last.valid_until is not None

    def stale(self, on: date) -> FactValue | None:
        """The value in force on `on` if its review date has passed with nothing newer in content."""
        current = self.in_force(on)
        return current if current is not None and current.overdue(on) else None

    def in_force(self, on: date) -> FactValue | None:
        """The value that applies on `on`: the latest start date among those covering it."""
        covering = [v for v in self.values if v.covers(on)]
        return max(covering, key=lambda v: v.valid_from) if covering else None

    def boundaries(self) -> set[date]:
        """Dates on which the value in force may change (for checking every regime)."""
        days: set[date] = set()
        for v in self.values:
            days.add(v.valid_from)
            if v.valid_until is not None:
                days.add(date.fromordinal(v.valid_until.toordinal() + 1))
            if v.review_by is not None:
                days.add(v.review_by)  # where answers switch to "the last value we know"
        return days


@dataclass(frozen=True)
class Bracket:
    lower: int  # declared income from (inclusive)
    upper: int | None  # up to (inclusive); None for the top bracket
    base: int  # the contribution base of the bracket


@dataclass(frozen=True)
class Table:
    """A dated, sourced lookup table, e.g. Lampiran II PP 44/2015: BPU income brackets and bases."""

    name: str
    description: str
    brackets: tuple[Bracket, ...]
    valid_from: date
    source: str
    confidence: str
    file: str
    line: int | None

    def find(self, amount: int) -> Bracket | None:
        """The bracket holding `amount`, or None below the lowest one."""
        found = None
        for bracket in self.brackets:
            if amount >= bracket.lower:
                found = bracket
        return found


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    reviewed: date
    sources: tuple[str, ...]
    related: tuple[str, ...]
    questions: tuple[str, ...]
    answer: str
    file: str
    line: int | None
    offer_calculator: bool = False


@dataclass
class RawContent:
    """Everything read from content/, plus the problems found while reading."""

    facts: dict[str, Fact] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    calculator: dict[str, Any] = field(default_factory=dict)
    guide: dict[str, Any] = field(default_factory=dict)
    business_risk: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping, so errors can name it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise yaml.constructor.ConstructorError(
            None, None, f"kunci ganda {sorted(map(str, duplicates))}", node.start_mark
        )
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


# Dates stay text until _as_date parses them, so an impossible date is reported with its line
# instead of crashing the YAML parser.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    """Parse one YAML file; a syntax error becomes a Problem with its line number."""
    rel = str(path.relative_to(root))
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problems.append(
            Problem(
                rel,
                line,
                None,
                f"YAML tidak valid: {exc.problem or exc}",
                "periksa indentasi (spasi, bukan tab), tanda titik dua, dan tanda kutip di baris itu",
            )
        )
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(
            Problem(rel, None, None, f"file tidak bisa dibaca: {exc}", "simpan ulang file sebagai teks UTF-8")
        )
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _str_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value)
    return None


def _load_facts(path: Path, root: Path, raw: RawContent) -> None:
    rel = str(path.relative_to(root))
    data = read_yaml(path, root, raw.problems)
    if data is None:
        return
    tables = data.get("tables") if isinstance(data, dict) else None
    if isinstance(tables, dict):
        for name, spec in tables.items():
            if name == LINE_KEY:
                continue
            table = _parse_table(str(name), spec, rel, raw.problems)
            if table is not None:
                raw.tables[table.name] = table
    facts = data.get("facts") if isinstance(data, dict) else None
    if facts is None and isinstance(tables, dict):
        return
    if not isinstance(facts, dict):
        raw.problems.append(
            Problem(
                rel, 1, None, "tidak ada bagian 'facts:'", "awali file dengan 'facts:' lalu daftar fakta di bawahnya"
            )
        )
        return
    for name, spec in facts.items():
        if name == LINE_KEY:
            continue
        line = spec.get(LINE_KEY) if isinstance(spec, dict) else None
        fact = _parse_fact(str(name), spec, rel, line, raw.problems)
        if fact is None:
            continue
        if fact.name in raw.facts:
            other = raw.facts[fact.name]
            raw.problems.append(
                Problem(
                    rel,
                    line,
                    fact.name,
                    f"nama fakta sudah dipakai di {other.file}:{other.line}",
                    "beri nama lain, atau tambahkan nilai baru ke fakta yang sudah ada",
                )
            )
            continue
        raw.facts[fact.name] = fact


def _parse_fact(name: str, spec: Any, rel: str, line: int | None, problems: list[Problem]) -> Fact | None:
    def problem(message: str, fix: str, at: int | None = line) -> None:
        problems.append(Problem(rel, at, name, message, fix))

    if not KEY_PATTERN.match(name):
        problem("nama fakta tidak valid", "pakai huruf kecil, angka dan garis bawah, mis. jkm_rate_pu")
        return None
    if not isinstance(spec, dict):
        problem("fakta harus berisi description, unit dan values", "lihat contoh di content/README.md")
        return None
    unit = spec.get("unit")
    if unit not in UNITS:
        problem(f"unit '{unit}' tidak dikenal", f"pakai salah satu: {', '.join(sorted(UNITS))}")
        return None
    raw_values = spec.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        problem("fakta tidak punya nilai (values)", "tambahkan minimal satu nilai dengan value, valid_from dan source")
        return None
    values: list[FactValue] = []
    for item in raw_values:
        at = item.get(LINE_KEY, line) if isinstance(item, dict) else line
        if not isinstance(item, dict):
            problem("setiap nilai harus berupa {value, valid_from, source}", "lihat contoh di content/README.md", at)
            continue
        value = item.get("value")
        start = _as_date(item.get("valid_from"))
        until_raw = item.get("valid_until")
        until = _as_date(until_raw) if until_raw is not None else None
        source = item.get("source")
        review_raw = item.get("review_by")
        review_by = _as_date(review_raw) if review_raw is not None else None
        if review_raw is not None and review_by is None:
            problem(f"review_by {review_raw!r} bukan tanggal", "tulis tanggal sebagai TTTT-BB-HH, mis. 2027-03-01", at)
            continue
        if review_by is not None and review_by <= start_or_min(item):
            problem(
                f"review_by {review_by} tidak sesudah valid_from",
                "review_by adalah tanggal angka baru diharapkan terbit, sesudah nilai ini mulai berlaku",
                at,
            )
            continue
        if unit == "text":
            ok_value = isinstance(value, str) and value.strip() != ""
        else:
            ok_value = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        if not ok_value:
            problem(
                f"nilai {value!r} tidak sesuai unit '{unit}'",
                "tulis angka tanpa 'Rp', titik ribuan atau tanda persen, mis. 10547400 atau 0.24",
                at,
            )
            continue
        if start is None:
            problem(
                f"valid_from {item.get('valid_from')!r} bukan tanggal",
                "tulis tanggal sebagai TTTT-BB-HH, mis. 2025-03-01",
                at,
            )
            continue
        if until_raw is not None and until is None:
            problem(f"valid_until {until_raw!r} bukan tanggal", "tulis tanggal sebagai TTTT-BB-HH", at)
            continue
        if until is not None and until < start:
            problem(
                f"valid_until {until} lebih awal dari valid_from {start}",
                "periksa kedua tanggal; valid_until adalah hari terakhir nilai berlaku",
                at,
            )
            continue
        if not isinstance(source, str) or not source.strip():
            problem("nilai tanpa dasar hukum (source)", "isi source dengan peraturannya, mis. 'PP 44/2015'", at)
            continue
        values.append(
            FactValue(
                cast("float | int | str", value),
                start,
                until,
                source.strip(),
                str(item.get("confidence", "M")),
                review_by,
            )
        )
    if not values:
        return None
    ordered = sorted(values, key=lambda v: v.valid_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.valid_from == later.valid_from:
            problem(
                f"dua nilai mulai berlaku pada tanggal yang sama ({later.valid_from})",
                "hapus salah satu, atau perbaiki tanggalnya",
            )
    return Fact(
        name,
        str(spec.get("description", "")),
        unit,
        tuple(ordered),
        bool(spec.get("adjusted_yearly", False)),
        rel,
        line,
        str(spec.get("label", "") or "").strip(),
        str(spec.get("update_note", "") or "").strip(),
    )


def start_or_min(item: dict[str, Any]) -> date:
    return _as_date(item.get("valid_from")) or date.min


def _parse_table(name: str, spec: Any, rel: str, problems: list[Problem]) -> Table | None:
    """A bracket table: rows of {from, base}, ascending; each row runs up to the next row's start."""
    line = spec.get(LINE_KEY) if isinstance(spec, dict) else None

    def problem(message: str, fix: str, at: int | None = line) -> None:
        problems.append(Problem(rel, at, name, message, fix))

    if not KEY_PATTERN.match(name) or not isinstance(spec, dict):
        problem("tabel tidak valid", "beri nama huruf kecil dan isi description, source, valid_from, brackets")
        return None
    start = _as_date(spec.get("valid_from"))
    source = spec.get("source")
    rows = spec.get("brackets")
    if start is None:
        problem(f"valid_from {spec.get('valid_from')!r} bukan tanggal", "tulis tanggal sebagai TTTT-BB-HH")
        return None
    if not isinstance(source, str) or not source.strip():
        problem("tabel tanpa dasar hukum (source)", "isi source, mis. 'PP 44/2015 Lampiran II'")
        return None
    if not isinstance(rows, list) or not rows:
        problem("tabel tidak punya baris (brackets)", "tambahkan baris {from: 1000000, base: 1000000}")
        return None
    pairs: list[tuple[int, int]] = []
    for row in rows:
        at = row.get(LINE_KEY, line) if isinstance(row, dict) else line
        lower = row.get("from") if isinstance(row, dict) else None
        base = row.get("base") if isinstance(row, dict) else None
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (lower, base)):
            problem(
                f"baris {row!r} harus berisi from dan base berupa angka bulat positif",
                "tulis tanpa Rp dan titik ribuan, mis. {from: 1500000, base: 1600000}",
                at,
            )
            return None
        assert isinstance(lower, int) and isinstance(base, int)
        if pairs and lower <= pairs[-1][0]:
            problem(f"baris mulai {lower} tidak urut naik", "urutkan baris dari penghasilan terkecil", at)
            return None
        if base < lower:
            problem(f"dasar {base} lebih kecil dari batas bawah {lower}", "periksa angka base pada baris itu", at)
            return None
        if pairs and pairs[-1][1] >= lower:
            problem(
                f"dasar baris sebelumnya ({pairs[-1][1]}) tidak di bawah batas bawah baris ini ({lower})",
                "periksa from dan base kedua baris terhadap naskah peraturannya",
                at,
            )
            return None
        pairs.append((lower, base))
    brackets = tuple(
        Bracket(lower, pairs[i + 1][0] - 1 if i + 1 < len(pairs) else None, base)
        for i, (lower, base) in enumerate(pairs)
    )
    return Table(
        name,
        str(spec.get("description", "")),
        brackets,
        start,
        source.strip(),
        str(spec.get("confidence", "M")),
        rel,
        line,
    )


def _load_entries(path: Path, root: Path, raw: RawContent) -> None:
    rel = str(path.relative_to(root))
    data = read_yaml(path, root, raw.problems)
    if data is None:
        return
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raw.problems.append(
            Problem(
                rel,
                1,
                None,
                "tidak ada daftar 'entries:'",
                "awali file dengan 'entries:' lalu daftar entri (diawali '- key: ...')",
            )
        )
        return
    for spec in entries:
        entry = _parse_entry(spec, rel, raw.problems)
        if entry is None:
            continue
        if entry.key in raw.entries:
            other = raw.entries[entry.key]
            raw.problems.append(
                Problem(
                    rel,
                    entry.line,
                    entry.key,
                    f"key sudah dipakai di {other.file}:{other.line}",
                    "beri key lain, atau gabungkan kedua entri",
                )
            )
            continue
        raw.entries[entry.key] = entry


def _parse_entry(spec: Any, rel: str, problems: list[Problem]) -> Entry | None:
    if not isinstance(spec, dict):
        problems.append(
            Problem(
                rel, None, None, "entri harus berupa pasangan kunci: nilai", "lihat contoh entri di content/README.md"
            )
        )
        return None
    line = spec.get(LINE_KEY)
    key = spec.get("key")
    label = key if isinstance(key, str) else None

    def problem(message: str, fix: str) -> None:
        problems.append(Problem(rel, line, label, message, fix))

    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problem(f"key {key!r} tidak valid", "pakai huruf kecil, angka dan garis bawah, mis. iuran_jkm_pu")
        return None
    answer = spec.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        problem("entri tidak punya jawaban (answer)", "tambahkan 'answer: |' diikuti teks jawaban")
        return None
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip():
        problem("entri tidak punya judul (title)", "tambahkan 'title:' berisi label tombol singkat")
        return None
    reviewed = _as_date(spec.get("reviewed"))
    if reviewed is None:
        problem(f"reviewed {spec.get('reviewed')!r} bukan tanggal", "tulis tanggal tinjauan, mis. 2026-11-26")
        return None
    questions = _str_list(spec.get("questions"))
    if questions is None:
        problem("questions harus berupa daftar teks", "tulis setiap contoh pertanyaan di baris '- ...'")
        return None
    sources = _str_list(spec.get("sources", []))
    related = _str_list(spec.get("related", []))
    if sources is None or related is None:
        problem("sources dan related harus berupa daftar", "tulis sebagai [a, b] atau baris '- a'")
        return None
    return Entry(
        key,
        title.strip(),
        reviewed,
        sources,
        related,
        questions,
        answer,
        rel,
        line,
        bool(spec.get("offer_calculator", False)),
    )


def load_raw(content_dir: Path) -> RawContent:
    """Read facts, FAQ entries and bot texts from `content_dir`, collecting problems."""
    raw = RawContent()
    root = content_dir.parent
    for path in sorted((content_dir / "facts").glob("*.yml")):
        _load_facts(path, root, raw)
    for path in sorted((content_dir / "faq").glob("*.yml")):
        _load_entries(path, root, raw)
    for name in ("calculator", "guide", "business_risk"):
        path = content_dir / f"{name}.yml"
        if path.exists():
            data = read_yaml(path, root, raw.problems)
            if isinstance(data, dict):
                setattr(raw, name, data)
    texts_path = content_dir / "texts.yml"
    if texts_path.exists():
        data = read_yaml(texts_path, root, raw.problems)
        texts = data.get("texts") if isinstance(data, dict) else None
        if isinstance(texts, dict):
            raw.texts = {k: v for k, v in texts.items() if isinstance(v, str)}
        elif data is not None:
            raw.problems.append(
                Problem(
                    str(texts_path.relative_to(root)),
                    1,
                    None,
                    "tidak ada bagian 'texts:'",
                    "awali file dengan 'texts:'",
                )
            )
    return raw
