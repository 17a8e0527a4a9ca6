"""Reads content/ YAML into typed objects, keeping file and line for every entry and fact."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from assistant_core.content import schema

LINE_KEY = "__line__"
KEY_PATTERN = schema.KEY_PATTERN
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
    calculator: schema.CalculatorFile | None = None
    guide: schema.GuideFile | None = None
    business_risk: schema.BusinessRiskFile | None = None
    lexicon: schema.LexiconFile | None = None
    problems: list[Problem] = field(default_factory=list)
    # Keys of FAQ entries left out for their own errors (already reported): other entries that
    # name them in `related` are not reported again.
    rejected: set[str] = field(default_factory=set)


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
    mapping[KEYS_KEY] = {key: k.start_mark.line + 1 for key, (k, _) in zip(keys, node.value, strict=True)}
    return mapping


# Dates stay text until the schema parses them, so an impossible date is reported with its line
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


# --- Schema validation, with pydantic's errors phrased for editors --------------------------------

KEYS_KEY = "__keys__"  # the line of every key of a mapping, for errors that name one key
_HIDDEN = (LINE_KEY, KEYS_KEY)
M = TypeVar("M", bound=BaseModel)

# Messages for fields whose mistakes editors make most, by (model, field): (message, fix).
_FIELD_MESSAGES: dict[tuple[str, str], tuple[str, str]] = {
    ("FaqEntry", "key"): ("key {shown} tidak valid", "pakai huruf kecil, angka dan garis bawah, mis. iuran_jkm_pu"),
    ("FaqEntry", "answer"): ("entri tidak punya jawaban (answer)", "tambahkan 'answer: |' diikuti teks jawaban"),
    ("FaqEntry", "title"): ("entri tidak punya judul (title)", "tambahkan 'title:' berisi label tombol singkat"),
    ("FaqEntry", "questions"): (
        "questions harus berupa daftar teks",
        "tulis setiap contoh pertanyaan di baris '- ...'",
    ),
    ("FaqEntry", "sources"): ("sources dan related harus berupa daftar", "tulis sebagai [a, b] atau baris '- a'"),
    ("FaqEntry", "related"): ("sources dan related harus berupa daftar", "tulis sebagai [a, b] atau baris '- a'"),
    ("FactSpec", "unit"): ("unit {shown} tidak dikenal", "pakai salah satu: " + ", ".join(sorted(UNITS))),
    ("FactSpec", "values"): (
        "fakta tidak punya nilai (values)",
        "tambahkan minimal satu nilai dengan value, valid_from dan source",
    ),
    ("FactValueSpec", "source"): (
        "nilai tanpa dasar hukum (source)",
        "isi source dengan peraturannya, mis. 'PP 44/2015'",
    ),
    ("FactValueSpec", "value"): (
        "nilai {shown} bukan angka atau teks",
        "tulis angka tanpa 'Rp', titik ribuan atau tanda persen, mis. 10547400 atau 0.24",
    ),
    ("TableSpec", "source"): ("tabel tanpa dasar hukum (source)", "isi source, mis. 'PP 44/2015 Lampiran II'"),
    ("TableSpec", "brackets"): (
        "tabel tidak punya baris (brackets)",
        "tambahkan baris {{from: 1000000, base: 1000000}}",
    ),
    ("BracketRow", "from"): (
        "baris {row} harus berisi from dan base berupa angka bulat positif",
        "tulis tanpa Rp dan titik ribuan, mis. {{from: 1500000, base: 1600000}}",
    ),
    ("BracketRow", "base"): (
        "baris {row} harus berisi from dan base berupa angka bulat positif",
        "tulis tanpa Rp dan titik ribuan, mis. {{from: 1500000, base: 1600000}}",
    ),
}
# Generic messages by pydantic error type: (message, fix).
_TYPE_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("kunci '{field}' wajib ada di {where}", "tambahkan '{field}:' (lihat contoh di content/README.md)"),
    "not_a_date": ("{field} {shown} bukan tanggal", "tulis tanggal sebagai TTTT-BB-HH, mis. 2025-03-01"),
    "bad_name": (
        "nama {shown} tidak valid",
        "pakai huruf kecil, angka dan garis bawah, diawali huruf (2 sampai 41 karakter), mis. jkm_rate_pu",
    ),
    "string_type": (
        "'{field}' di {where} harus berupa teks, bukan {kind}",
        "tulis teksnya di antara tanda kutip, mis. '{field}: \"...\"'",
    ),
    "int_type": ("'{field}' di {where} harus berupa angka bulat, bukan {shown}", "tulis angka tanpa 'Rp' dan titik"),
    "float_type": (
        "'{field}' di {where} harus berupa angka, bukan {shown}",
        "tulis angka dengan titik sebagai desimal",
    ),
    "greater_than": ("'{field}' di {where} harus lebih besar dari 0, bukan {shown}", "periksa angkanya"),
    "bool_type": ("'{field}' di {where} harus true atau false, bukan {shown}", "tulis true atau false"),
    "list_type": ("'{field}' di {where} harus berupa daftar, bukan {kind}", "tulis sebagai [a, b] atau baris '- a'"),
    "dict_type": (
        "'{field}' di {where} harus berupa pasangan kunci: nilai, bukan {kind}",
        "lihat contoh di content/README.md",
    ),
    "model_type": (
        "'{field}' di {where} harus berupa pasangan kunci: nilai, bukan {kind}",
        "lihat contoh di content/README.md",
    ),
    "literal_error": ("nilai {shown} untuk '{field}' di {where} tidak dikenal", "pakai salah satu: {expected}"),
    "too_short": ("'{field}' di {where} kosong", "isi paling sedikit satu"),
    "blank": ("'{field}' di {where} kosong", "isi dengan teks"),
}
_KINDS = {bool: "true/false", int: "angka", float: "angka", str: "teks", list: "daftar", dict: "pasangan kunci: nilai"}


def _plain(data: Any) -> Any:
    """The YAML data without the loader's line markers, as the schemas see it."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items() if k not in _HIDDEN}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def line_at(data: Any, loc: Sequence[int | str]) -> int | None:
    """The line of the deepest key or item of `loc` present in the YAML data."""
    node, line = data, None
    for part in loc:
        if isinstance(node, dict):
            line = node.get(LINE_KEY, line)
            if part not in node or part in _HIDDEN:
                break
            line = node.get(KEYS_KEY, {}).get(part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            if isinstance(node, dict):
                line = node.get(LINE_KEY, line)
        else:
            break
    return line


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            parts = [a for a in get_args(annotation) if a is not type(None)]
            annotation = next((a for a in parts if isinstance(a, type) and issubclass(a, BaseModel)), parts[0])
        else:
            return annotation


def _model_at(model: type[BaseModel], path: Sequence[int | str]) -> type[BaseModel] | None:
    """The schema model that validates the mapping at `path`, if there is one."""
    annotation: Any = model
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = next(
                (f for name, f in annotation.model_fields.items() if part in (name, f.alias)),
                None,
            )
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (list, dict):
            annotation = get_args(annotation)[-1]
        else:
            return None
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _keys_of(model: type[BaseModel] | None) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()] if model else []


def _where(data: Any, loc: Sequence[int | str], collections: Mapping[str, str]) -> tuple[str | None, str]:
    """(entry label, Indonesian phrase for where it is) of an error at `loc`."""
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        items = data.get("entries") if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        key = item.get("key") if isinstance(item, dict) else None
        return (key, f"entri '{key}'") if isinstance(key, str) else (None, f"entri ke-{loc[1] + 1}")
    if len(loc) >= 2 and str(loc[0]) in collections:
        return str(loc[1]), f"{collections[str(loc[0])]} '{loc[1]}'"
    dotted = ".".join(str(p) for p in loc if isinstance(p, str))
    return (dotted or None), (f"bagian '{dotted}'" if dotted else "bagian utama file")


def schema_problems(
    exc: ValidationError,
    model: type[BaseModel],
    data: Any,
    rel: str,
    collections: Mapping[str, str] = {},
) -> list[Problem]:
    """pydantic's errors as editors' problems: file, line, entry, what is wrong (Indonesian), the fix."""
    plain = _plain(data)
    problems: list[Problem] = []
    seen: set[tuple[object, ...]] = set()
    for error in exc.errors(include_url=False):
        loc: list[int | str] = list(error["loc"])
        kind, ctx = error["type"], error.get("ctx") or {}
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            kind = "unknown_key" if kind in {"literal_error", "unknown_key", "bad_name"} else kind
            if kind == "unknown_key" and "allowed" not in ctx:
                ctx = {"allowed": re.findall(r"'([^']*)'", str(ctx.get("expected", "")))}
        # A union's members each report; keep the location the data has, once.
        while len(loc) > 1 and kind != "missing" and not _present(plain, loc):
            loc = loc[:-1]
        if (tuple(loc), kind) in seen:
            continue
        seen.add((tuple(loc), kind))
        line = line_at(data, loc)
        if kind == "unknown_key" or kind == "extra_forbidden":
            parent = loc[:-1]
            entry, where = _where(plain, parent, collections) if parent else (None, "bagian utama file")
            if len(parent) >= 2 and str(parent[0]) in collections and len(parent) == 2 and kind == "unknown_key":
                entry, where = None, f"bagian '{parent[0]}'"
            name = str(loc[-1])
            allowed = list(ctx.get("allowed") or _keys_of(_model_at(model, parent)))
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            if close:
                message = f"kunci '{name}' tidak dikenal di {where} — mungkin maksud Anda '{close[0]}'?"
                fix = f"ganti '{name}' dengan '{close[0]}'"
            else:
                message = f"kunci '{name}' tidak dikenal di {where}"
                fix = f"hapus kunci itu, atau pakai salah satu: {', '.join(allowed)}"
            problems.append(Problem(rel, line, entry, message, fix))
            continue
        field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
        entry, where = _where(plain, loc[:-1] if loc and isinstance(loc[-1], str) else loc, collections)
        owner = _model_at(model, loc[:-1]) if loc and isinstance(loc[-1], str) else None
        value = error.get("input")
        values = {
            "field": field,
            "where": where,
            "shown": repr(value),
            "kind": _KINDS.get(type(value), "kosong" if value is None else type(value).__name__),
            "expected": str(ctx.get("expected", "")).replace(" or ", ", "),
            "row": repr(_plain(_get(data, loc[:-1]))),
        }
        if kind == "content":  # a rule in the schema wrote its own message and fix
            problems.append(Problem(rel, line, entry, error["msg"], str(ctx.get("fix", ""))))
            continue
        template = _FIELD_MESSAGES.get((owner.__name__ if owner else "", field)) or _TYPE_MESSAGES.get(kind)
        if template is None:
            template = ("'{field}' di {where}: " + error["msg"], "lihat contoh di content/README.md")
        message, fix = (t.format(**values) for t in template)
        problems.append(Problem(rel, line, entry, message, fix))
    return problems


_ABSENT = object()


def _get(data: Any, loc: Sequence[int | str], default: Any = None) -> Any:
    """The node at `loc` in the YAML data, or `default` when the data has no such key or item."""
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not in_list and not (isinstance(node, dict) and part in node):
            return default
        node = node[part]
    return node


def _present(data: Any, loc: Sequence[int | str]) -> bool:
    return _get(data, loc, _ABSENT) is not _ABSENT


def validate(
    model: type[M],
    data: Any,
    rel: str,
    problems: list[Problem],
    collections: Mapping[str, str] = {},
) -> M | None:
    """Validate one file; on errors, report them all and keep what is valid.

    Each error drops the item it is in (an FAQ entry, a fact, a calculator text) and the rest is
    validated again, so one editor's typo does not take the whole file offline. Errors in the file's
    top level (a missing section) leave nothing to keep.
    """
    plain = _plain(data)
    try:
        return model.model_validate(plain)
    except ValidationError as exc:
        problems.extend(schema_problems(exc, model, data, rel, collections))
        bad = {tuple(e["loc"][:2]) for e in exc.errors() if len(e["loc"]) >= 2}
        if any(len(e["loc"]) < 2 for e in exc.errors()) and not all(
            e["type"] == "extra_forbidden" for e in exc.errors() if len(e["loc"]) < 2
        ):
            return None
        pruned = _prune(plain, bad, {e["loc"][0] for e in exc.errors() if len(e["loc"]) == 1})
    try:
        return model.model_validate(pruned)
    except ValidationError:
        return None


def _prune(data: Any, paths: set[tuple[int | str, ...]], top: set[int | str]) -> Any:
    if not isinstance(data, dict):
        return data
    out = {k: v for k, v in data.items() if k not in top}
    for section in {p[0] for p in paths}:
        node = out.get(section)
        drop = {p[1] for p in paths if p[0] == section}
        if isinstance(node, dict):
            out[section] = {k: v for k, v in node.items() if k not in drop}
        elif isinstance(node, list):
            out[section] = [v for i, v in enumerate(node) if i not in drop]
    return out


# --- Reading each kind of file --------------------------------------------------------------------


def _load_facts(path: Path, root: Path, raw: RawContent) -> None:
    rel = str(path.relative_to(root))
    data = read_yaml(path, root, raw.problems)
    if data is None:
        return
    if not isinstance(data, dict) or (data.get("facts") is None and data.get("tables") is None):
        raw.problems.append(
            Problem(
                rel, 1, None, "tidak ada bagian 'facts:'", "awali file dengan 'facts:' lalu daftar fakta di bawahnya"
            )
        )
        return
    spec = validate(schema.FactsFile, data, rel, raw.problems, {"facts": "fakta", "tables": "tabel"})
    if spec is None:
        return
    for name, table_spec in (spec.tables or {}).items():
        table = _table(name, table_spec, rel, data["tables"], raw.problems)
        if table is not None:
            raw.tables[table.name] = table
    for name, fact_spec in (spec.facts or {}).items():
        fact = _fact(name, fact_spec, rel, data["facts"], raw.problems)
        if fact is None:
            continue
        if fact.name in raw.facts:
            other = raw.facts[fact.name]
            raw.problems.append(
                Problem(
                    rel,
                    fact.line,
                    fact.name,
                    f"nama fakta sudah dipakai di {other.file}:{other.line}",
                    "beri nama lain, atau tambahkan nilai baru ke fakta yang sudah ada",
                )
            )
            continue
        raw.facts[fact.name] = fact


def _fact(name: str, spec: schema.FactSpec, rel: str, raw: dict[str, Any], problems: list[Problem]) -> Fact | None:
    """A validated fact; each value must suit the unit, and no two may start on the same day."""
    line = line_at(raw, [name])
    values: list[FactValue] = []
    for index, item in enumerate(spec.values):
        if spec.unit == "text":
            ok_value = isinstance(item.value, str) and item.value.strip() != ""
        else:
            ok_value = isinstance(item.value, (int, float)) and item.value >= 0
        if not ok_value:
            problems.append(
                Problem(
                    rel,
                    line_at(raw, [name, "values", index]),
                    name,
                    f"nilai {item.value!r} tidak sesuai unit '{spec.unit}'",
                    "tulis angka tanpa 'Rp', titik ribuan atau tanda persen, mis. 10547400 atau 0.24",
                )
            )
            continue
        values.append(
            FactValue(item.value, item.valid_from, item.valid_until, item.source, item.confidence, item.review_by)
        )
    if not values:
        return None
    ordered = sorted(values, key=lambda v: v.valid_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.valid_from == later.valid_from:
            problems.append(
                Problem(
                    rel,
                    line,
                    name,
                    f"dua nilai mulai berlaku pada tanggal yang sama ({later.valid_from})",
                    "hapus salah satu, atau perbaiki tanggalnya",
                )
            )
    return Fact(
        name,
        spec.description,
        spec.unit,
        tuple(ordered),
        spec.adjusted_yearly,
        rel,
        line,
        spec.label.strip(),
        spec.update_note.strip(),
    )


def _table(name: str, spec: schema.TableSpec, rel: str, raw: dict[str, Any], problems: list[Problem]) -> Table | None:
    """A bracket table: rows ascending; each row runs up to the next row's start."""
    line = line_at(raw, [name])
    pairs: list[tuple[int, int]] = []
    for index, row in enumerate(spec.brackets):
        lower, base = row.from_, row.base
        at = line_at(raw, [name, "brackets", index])

        def problem(message: str, fix: str, at: int | None = at) -> None:
            problems.append(Problem(rel, at, name, message, fix))

        if pairs and lower <= pairs[-1][0]:
            problem(f"baris mulai {lower} tidak urut naik", "urutkan baris dari penghasilan terkecil")
            return None
        if base < lower:
            problem(f"dasar {base} lebih kecil dari batas bawah {lower}", "periksa angka base pada baris itu")
            return None
        if pairs and pairs[-1][1] >= lower:
            problem(
                f"dasar baris sebelumnya ({pairs[-1][1]}) tidak di bawah batas bawah baris ini ({lower})",
                "periksa from dan base kedua baris terhadap naskah peraturannya",
            )
            return None
        pairs.append((lower, base))
    brackets = tuple(
        Bracket(lower, pairs[i + 1][0] - 1 if i + 1 < len(pairs) else None, base)
        for i, (lower, base) in enumerate(pairs)
    )
    return Table(name, spec.description, brackets, spec.valid_from, spec.source, spec.confidence, rel, line)


def _load_entries(path: Path, root: Path, raw: RawContent) -> None:
    rel = str(path.relative_to(root))
    data = read_yaml(path, root, raw.problems)
    if data is None:
        return
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
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
    spec = validate(schema.FaqFile, data, rel, raw.problems)
    kept = {item.key for item in spec.entries} if spec else set()
    raw.rejected |= {
        str(e["key"]) for e in data["entries"] if isinstance(e, dict) and e.get("key") and e["key"] not in kept
    }
    used: set[int] = set()
    for item in spec.entries if spec else []:
        found = next(
            e for e in data["entries"] if isinstance(e, dict) and e.get("key") == item.key and id(e) not in used
        )
        used.add(id(found))
        entry = Entry(
            item.key,
            item.title,
            item.reviewed,
            tuple(s.strip() for s in item.sources),
            tuple(r.strip() for r in item.related),
            tuple(q.strip() for q in item.questions),
            item.answer,
            rel,
            found.get(LINE_KEY),
            item.offer_calculator,
        )
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


def _load_file(content_dir: Path, name: str, model: type[M], raw: RawContent, **collections: str) -> M | None:
    """One of the single files (calculator.yml, guide.yml, ...); None when absent or unusable."""
    path = content_dir / f"{name}.yml"
    if not path.exists():
        return None
    rel = str(path.relative_to(content_dir.parent))
    data = read_yaml(path, content_dir.parent, raw.problems)
    if data is None:
        return None
    return validate(model, data, rel, raw.problems, collections)


def load_raw(content_dir: Path) -> RawContent:
    """Read facts, FAQ entries, texts and the tools' files from `content_dir`, collecting problems."""
    raw = RawContent()
    root = content_dir.parent
    for path in sorted(content_dir.glob("facts/*.yml")):
        _load_facts(path, root, raw)
    for path in sorted(content_dir.glob("faq/*.yml")):
        _load_entries(path, root, raw)
    raw.calculator = _load_file(content_dir, "calculator", schema.CalculatorFile, raw)
    raw.guide = _load_file(content_dir, "guide", schema.GuideFile, raw, links="tautan")
    raw.business_risk = _load_file(
        content_dir, "business_risk", schema.BusinessRiskFile, raw, types="jenis usaha", ask="pertanyaan"
    )
    raw.lexicon = _load_file(content_dir, "lexicon", schema.LexiconFile, raw)
    texts_path = content_dir / "texts.yml"
    if texts_path.exists():
        data = read_yaml(texts_path, root, raw.problems)
        if data is not None and not (isinstance(data, dict) and isinstance(data.get("texts"), dict)):
            raw.problems.append(
                Problem(
                    str(texts_path.relative_to(root)),
                    1,
                    None,
                    "tidak ada bagian 'texts:'",
                    "awali file dengan 'texts:'",
                )
            )
        elif data is not None:
            texts = validate(schema.TextsFile, data, str(texts_path.relative_to(root)), raw.problems)
            raw.texts = dict(texts.texts) if texts else {}
    return raw
