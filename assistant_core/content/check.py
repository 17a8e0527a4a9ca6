"""The content check: every problem an editor can cause, with file, line, entry and the fix."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import jinja2
import jinja2.meta

from assistant_core import calculator, contract
from assistant_core.content.freshness import freshness_problems
from assistant_core.content.loader import Problem
from assistant_core.content.render import RenderError, fill, make_environment, render_entry, template_helpers
from assistant_core.content.repository import Snapshot, build_snapshot
from assistant_core.contract import calculator as calc_contract
from assistant_core.contract import registration

TELEGRAM_LIMIT = 4096
MIN_QUESTIONS = 15
MAX_TITLE = 32
# Wages an answer is also rendered with (`upah` in templates): none stated, the lowest BPU income,
# one below and one above the JKP and JP caps.
SAMPLE_WAGES: tuple[int | None, ...] = (None, 1_000_000, 3_500_000, 15_000_000)
ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote", "a"})
_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]*)([^<>]*)>")
_HREF = re.compile(r'^\s+href="([^"]*)"\s*$')
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")
_ENTITY_SYNTAX = re.compile(r"[\[\]{}]")


def normalise_question(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def html_problems(text: str) -> list[tuple[str, str]]:
    """Problems in Telegram's HTML subset, as (message, fix) pairs."""
    found: list[tuple[str, str]] = []
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name not in ALLOWED_TAGS:
            found.append(
                (
                    f"tag <{name}> tidak didukung Telegram",
                    'pakai hanya <b>, <i>, <u>, <s>, <code>, <blockquote> atau <a href="https://...">',
                )
            )
            continue
        if closing:
            if not stack or stack[-1] != name:
                found.append(
                    (
                        f"</{name}> tidak punya pasangan pembuka",
                        "pastikan setiap tag dibuka dan ditutup berurutan, mis. <b>...</b>",
                    )
                )
            else:
                stack.pop()
            continue
        if name == "a":
            href = _HREF.match(attrs)
            url = urlparse(href.group(1)) if href else None
            if not url or url.scheme != "https" or "." not in url.netloc or " " in href.group(1):  # type: ignore[union-attr]
                found.append(
                    (
                        f"tautan tidak valid: {match.group(0)}",
                        'tulis tautan sebagai <a href="https://alamat.lengkap/">teks</a>',
                    )
                )
        elif attrs.strip():
            found.append((f"tag <{name}> tidak boleh punya atribut", f"tulis <{name}> saja"))
        stack.append(name)
    for name in reversed(stack):
        found.append((f"<{name}> tidak ditutup", f"tambahkan </{name}> di akhir bagian yang ditebalkan/dimiringkan"))
    if re.search(r"[^\n]•", text):
        found.append(
            (
                "tanda • tidak berada di awal baris (dua butir menyatu)",
                "jangan akhiri baris butir dengan {% endif %} atau {% endfor %}: tulis "
                "{{ 'teks' if syarat else '' }} di baris itu, atau taruh {% endif %} di baris sendiri",
            )
        )
    stripped = _TAG.sub("", text)
    if "<" in stripped or ">" in stripped:
        found.append(
            (
                "ada tanda < atau > di luar tag",
                "tulis &lt; untuk < dan &gt; untuk >, atau pakai kata 'kurang dari'/'lebih dari'",
            )
        )
    if _BARE_AMP.search(stripped):
        found.append(("ada tanda & yang tidak ditulis sebagai &amp;", "ganti & dengan &amp; atau kata 'dan'"))
    return found


def check_dates(snapshot: Snapshot, today: date) -> list[date]:
    """Today plus every date from a year back on which some fact changes value."""
    days = {today}
    for fact in snapshot.facts.values():
        for day in fact.boundaries():
            if today - timedelta(days=366) <= day <= today + timedelta(days=3 * 366):
                days.add(day)
                days.add(day - timedelta(days=1))
    return sorted(days)


def check_snapshot(snapshot: Snapshot, today: date) -> list[Problem]:
    problems = list(snapshot.problems)
    env = next(iter(snapshot.templates.values())).environment if snapshot.templates else None
    seen_questions: dict[str, tuple[str, str]] = {}
    dates = check_dates(snapshot, today)
    for entry in snapshot.entries.values():

        def problem(
            message: str, fix: str, entry_key: str = entry.key, file: str = entry.file, line: int | None = entry.line
        ) -> None:
            problems.append(Problem(file, line, entry_key, message, fix))

        if len(entry.title) > MAX_TITLE:
            problem(
                f"judul {len(entry.title)} karakter, terlalu panjang untuk tombol",
                f"persingkat title menjadi paling banyak {MAX_TITLE} karakter",
            )
        if entry.reviewed > today:
            problem(f"tanggal reviewed {entry.reviewed} ada di masa depan", "isi dengan tanggal peninjauan terakhir")
        if len(entry.questions) < MIN_QUESTIONS:
            problem(
                f"hanya {len(entry.questions)} contoh pertanyaan",
                f"tambahkan sampai minimal {MIN_QUESTIONS}, dengan gaya bahasa yang beragam (lihat content/README.md)",
            )
        for question in entry.questions:
            norm = normalise_question(question)
            if not norm:
                problem("ada contoh pertanyaan kosong", "hapus baris '- ' yang kosong")
                continue
            if _ENTITY_SYNTAX.search(question):
                problem(f"pertanyaan '{question}' memuat tanda [ ] {{ }}", "hapus tanda kurung siku/kurawal")
            if norm in seen_questions and seen_questions[norm][0] != entry.key:
                other_key, other_file = seen_questions[norm]
                problem(
                    f"pertanyaan '{question}' juga ada di entri '{other_key}' ({other_file})",
                    "satu pertanyaan hanya boleh di satu entri: hapus atau ubah salah satunya",
                )
            seen_questions.setdefault(norm, (entry.key, entry.file))
        for key in entry.related:
            if key in snapshot.rejected:
                continue  # that entry's own error is reported
            if key not in snapshot.entries:
                problem(f"related menyebut '{key}' yang tidak ada", "perbaiki ejaan key atau hapus dari related")
            elif key == entry.key:
                problem("related menyebut entri itu sendiri", "hapus key entri ini dari related")
        template = snapshot.templates.get(entry.key)
        if template is None or env is None:
            continue
        reported: set[str] = set()
        # Every date, without a wage in the question and with a low and a high one (`upah`).
        for day, upah in ((d, u) for d in dates for u in SAMPLE_WAGES):
            try:
                answer = render_entry(
                    env,
                    template,
                    entry,
                    snapshot.facts,
                    snapshot.titles,
                    day,
                    snapshot.texts,
                    snapshot.tables,
                    upah,
                )
            except RenderError as exc:
                if str(exc) not in reported:
                    reported.add(str(exc))
                    problem(
                        f"jawaban gagal dibuat untuk tanggal {day}"
                        + (f" dengan upah {upah}" if upah is not None else "")
                        + f": {exc}",
                        "pakai nama fakta yang ada di content/facts/, dan beri {% if %} "
                        "untuk fakta yang bisa tidak berlaku",
                    )
                continue
            if len(answer.text) > TELEGRAM_LIMIT:
                key = f"len:{day}"
                if "len" not in reported:
                    reported.add(key)
                    reported.add("len")
                    problem(
                        f"jawaban {len(answer.text)} karakter (tanggal {day}), "
                        f"melebihi batas Telegram {TELEGRAM_LIMIT}",
                        "persingkat jawaban, atau pecah menjadi dua entri yang saling merujuk di related",
                    )
            for message, fix in html_problems(answer.text):
                if message not in reported:
                    reported.add(message)
                    problem(message, fix)
    return problems


CALC_FILE = "content/calculator.yml"


def sample_values(snapshot: Snapshot, month: date) -> dict[str, dict[str, object]]:
    """The variables each result template gets, computed the way the actions compute them."""
    samples: dict[str, dict[str, object]] = {}
    if "bpu_income_brackets" in snapshot.tables:
        samples.update(calculator.sample_results(snapshot.facts, snapshot.tables, month))
    business = snapshot.business
    for kind in list(business.types.values())[:1]:
        rate = snapshot.facts.get(f"jkk_rate_{kind.risk}")
        value = rate.in_force(month) if rate else None
        samples["results.risk_suggestion"] = {
            "label": kind.label,
            "risk_name": business.risk_names.get(kind.risk, kind.risk),
            "rate": value.value if value else 0,
            "lampiran": kind.lampiran,
            "source": business.source,
            "confident": kind.confident,
            "note": kind.note,
        }
        samples["results.suggested_button"] = {"name": business.risk_names.get(kind.risk, kind.risk)}
    return samples


def check_calculator(snapshot: Snapshot, today: date) -> list[Problem]:
    """Every calculator text the code asks for exists, and renders with today's facts."""
    from assistant_core.content.render import FactView

    problems = []
    for key in calc_contract.calculator_keys():
        template = snapshot.calc_templates.get(key)
        if template is None:
            section, name = key.split(".", 1)
            problems.append(
                Problem(
                    CALC_FILE,
                    None,
                    key,
                    f"teks '{name}' tidak ada di bagian '{section}'",
                    f"tambahkan '{name}:' di bawah '{section}:' (kode memerlukannya)",
                )
            )
            continue
        try:
            text = ""
            for day in check_dates(snapshot, today):
                view = FactView(snapshot.facts, day, snapshot.texts)
                values = sample_values(snapshot, day).get(key, {}) if key.startswith("results.") else {}
                text = template.render(f=view, **template_helpers(view, snapshot.tables), **values)
        except Exception as exc:  # any template failure is the editor's to fix
            problems.append(
                Problem(
                    CALC_FILE,
                    None,
                    key,
                    f"teks gagal dibuat: {exc}",
                    "pakai nama fakta dari content/facts/ dan variabel yang dijelaskan di README",
                )
            )
            continue
        for message, fix in html_problems(text):
            problems.append(Problem(CALC_FILE, None, key, message, fix))
    return problems


GUIDE_FILE = "content/guide.yml"
# Example values for the variables the contract says the code passes to guide texts.
GUIDE_SAMPLES: dict[str, object] = {
    "size": "mikro",
    "size_code": "mikro",
    "programs": "JKK dan JKM",
    "day": 10,
    "deadline": "15 Desember 2026",
    "employer_month": "November 2026",
    "bpu_month": "Desember 2026",
}


def check_guide(snapshot: Snapshot, today: date) -> list[Problem]:
    """Every guide text exists (one checklist per who x channel the buttons offer) and renders."""
    from assistant_core.content.render import FactView

    problems_early: list[Problem] = []
    needed: dict[str, dict[str, object]] = {
        key: {name: GUIDE_SAMPLES.get(name, "contoh") for name in names}
        for key, names in contract.guide_texts().items()
    }
    for key, spec in snapshot.guide.links.items():
        if not spec.url.startswith("https://"):
            problems_early.append(
                Problem(
                    GUIDE_FILE,
                    None,
                    f"links.{key}",
                    "url kosong atau bukan https://",
                    "tulis alamat lengkap https://...",
                )
            )
        for part in registration.LINK_PARTS:
            needed[f"links.{key}.{part}"] = {}
    for who, buttons in snapshot.guide.registration.channel_buttons.items():
        for button in buttons:
            needed[registration.checklist_key(who, button.channel)] = {}
    problems = problems_early
    for key, context in needed.items():
        template = snapshot.guide_templates.get(key)
        if template is None:
            problems.append(
                Problem(
                    GUIDE_FILE,
                    None,
                    key,
                    f"teks '{key}' tidak ada",
                    "tambahkan teks itu (kode atau tombol memerlukannya)",
                )
            )
            continue
        try:
            view = FactView(snapshot.facts, today, snapshot.texts)
            text = template.render(f=view, **template_helpers(view, snapshot.tables), **context)
        except Exception as exc:  # any template failure is the editor's to fix
            problems.append(
                Problem(GUIDE_FILE, None, key, f"teks gagal dibuat: {exc}", "pakai nama fakta dari content/facts/")
            )
            continue
        for message, fix in html_problems(text):
            problems.append(Problem(GUIDE_FILE, None, key, message, fix))
    return problems


TEXTS_FILE = "content/texts.yml"


def check_texts(snapshot: Snapshot) -> list[Problem]:
    """Every text the contract names exists, uses only its placeholders, renders, and is valid HTML."""
    problems = []
    env = make_environment()
    for name, allowed in sorted(contract.bot_texts().items()):
        text = snapshot.texts.get(name)

        def problem(message: str, fix: str, name: str = name) -> None:
            problems.append(Problem(TEXTS_FILE, None, name, message, fix))

        if text is None:
            problem(f"teks '{name}' tidak ada", f"tambahkan '{name}:' di bawah 'texts:'")
            continue
        try:
            used = jinja2.meta.find_undeclared_variables(env.parse(text))
        except jinja2.TemplateSyntaxError as exc:
            problem(f"sintaks template salah: {exc.message}", "periksa pasangan {{ }} dan {% %}")
            continue
        hint = ", ".join("{{ " + a + " }}" for a in sorted(allowed)) or "tidak ada"
        for unknown in sorted(used - allowed):
            problem(
                f"teks '{name}' memakai {{{{ {unknown} }}}} yang tidak dikenal", f"isian yang boleh dipakai: {hint}"
            )
        if _OLD_PLACEHOLDER.search(_JINJA.sub(" ", text)):
            problem(
                f"teks '{name}' memakai {{...}} tunggal",
                f"tulis isian dengan kurung kurawal ganda, mis. {hint}",
            )
        try:
            shown = fill(text, **dict.fromkeys(allowed, "contoh"))
        except jinja2.TemplateError as exc:
            problem(f"teks gagal dibuat: {exc}", f"isian yang boleh dipakai: {hint}")
            continue
        for message, fix in html_problems(shown):
            problem(message, fix)
    return problems


def check_content(content_dir: Path, today: date) -> list[Problem]:
    """Load content/ and return every problem found (empty list = content is good)."""
    snapshot = build_snapshot(content_dir)
    return check_all(snapshot, today)


def check_all(snapshot: Snapshot, today: date) -> list[Problem]:
    """Every check on a loaded snapshot; the calendar never fails it (see freshness.review_items)."""
    return (
        check_snapshot(snapshot, today)
        + check_calculator(snapshot, today)
        + check_guide(snapshot, today)
        + check_texts(snapshot)
        + freshness_problems(snapshot.facts)
        + typed_figures(snapshot)
    )


_OLD_PLACEHOLDER = re.compile(r"(?<!\{)\{\s*[a-z_]+\s*\}(?!\})")  # str.format's {x}, no longer read
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_RUPIAH = re.compile(
    r"\bRp\.?\s?(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?:\s*(juta|jt|ribu|rb|miliar|triliun)\b)?", re.IGNORECASE
)
_PERCENT = re.compile(r"(?<![\d.,])(\d+(?:,\d+)?)\s?(?:%|persen\b)")
_SCALE = {"juta": 10**6, "jt": 10**6, "ribu": 10**3, "rb": 10**3, "miliar": 10**9, "triliun": 10**12}


def literal_figures(text: str) -> list[tuple[str, str, Decimal]]:
    """Amounts and percentages written as text (outside {{ }} and {% %}): (kind, as written, value)."""
    plain = _JINJA.sub(" ", text)
    found: list[tuple[str, str, Decimal]] = []
    for match in _RUPIAH.finditer(plain):
        whole = Decimal(match.group(1).replace(".", ""))
        if match.group(2):
            whole += Decimal("0." + match.group(2))
        scale = _SCALE.get((match.group(3) or "").lower(), 1)
        found.append(("rupiah", match.group(0).strip(), whole * scale))
    for match in _PERCENT.finditer(plain):
        found.append(("percent", match.group(0).strip(), Decimal(match.group(1).replace(",", "."))))
    return found


def typed_figures(snapshot: Snapshot) -> list[Problem]:
    """A figure typed into an answer when a fact holds it: the next yearly update would miss it."""
    by_value: dict[tuple[str, Decimal], list[str]] = {}
    for fact in snapshot.facts.values():
        if fact.unit not in {"rupiah", "percent"}:
            continue
        for value in fact.values:
            if isinstance(value.value, (int, float)):
                by_value.setdefault((fact.unit, Decimal(str(value.value)).normalize()), []).append(fact.name)
    sources: list[tuple[str, int | None, str, str]] = [
        (e.file, e.line, e.key, e.answer) for e in snapshot.entries.values()
    ]
    sources += [(CALC_FILE, None, key, text) for key, text in snapshot.calc_sources.items()]
    sources += [(GUIDE_FILE, None, key, text) for key, text in snapshot.guide_sources.items()]
    problems = []
    for file, line, key, text in sources:
        if key.startswith("examples."):
            continue  # sample answers a user might type ("Rp3.500.000"), not figures of a rule
        for kind, written, amount in literal_figures(text):
            names = by_value.get((kind, amount.normalize()))
            if not names:
                continue
            helper = "rupiah" if kind == "rupiah" else "persen"
            facts = sorted(set(names))
            problems.append(
                Problem(
                    file,
                    line,
                    key,
                    f"angka '{written}' ditulis langsung, padahal fakta {', '.join(facts)} menyimpan angka ini",
                    f"ganti dengan {{{{ {helper}(f.{facts[0]}) }}}} agar ikut berubah saat faktanya diperbarui",
                )
            )
    return problems
