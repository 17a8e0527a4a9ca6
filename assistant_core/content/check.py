"""The content check: every problem an editor can cause, with file, line, entry and the fix."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

from assistant_core.content.freshness import freshness_problems
from assistant_core.content.loader import Problem
from assistant_core.content.render import RenderError, render_entry, template_helpers
from assistant_core.content.repository import Snapshot, build_snapshot

TELEGRAM_LIMIT = 4096
MIN_QUESTIONS = 15
MAX_TITLE = 32
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
            if key not in snapshot.entries:
                problem(f"related menyebut '{key}' yang tidak ada", "perbaiki ejaan key atau hapus dari related")
            elif key == entry.key:
                problem("related menyebut entri itu sendiri", "hapus key entri ini dari related")
        template = snapshot.templates.get(entry.key)
        if template is None or env is None:
            continue
        reported: set[str] = set()
        for day in dates:
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
                )
            except RenderError as exc:
                if str(exc) not in reported:
                    reported.add(str(exc))
                    problem(
                        f"jawaban gagal dibuat untuk tanggal {day}: {exc}",
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
CALC_SLOTS = (
    "calc_target",
    "calc_workers",
    "calc_wages",
    "calc_risk",
    "calc_size",
    "calc_income",
    "calc_jht",
    "calc_sector",
)
CALC_REASONS = (
    "negative",
    "zero",
    "too_large",
    "too_small",
    "ambiguous",
    "not_a_number",
    "minimum_wage",
    "wage_count_mismatch",
    "below_bpu_minimum",
    "not_a_size",
    "size_unknown",
    "not_a_risk",
    "not_a_target",
    "not_yes_no",
    "not_a_sector",
)
CALC_TEXTS = (
    "cancelled",
    "nothing_to_cancel",
    "corrected",
    "again_button",
    "calc_button",
    "register_button",
    "register_bpu_button",
    "dont_know_button",
)
SAMPLE_RESULTS: dict[str, dict[str, object]] = {
    "results.risk_suggestion": {
        "label": "laundry",
        "risk_name": "Rendah",
        "rate": 0.54,
        "lampiran": "Perusahaan binatu, laundry",
        "source": "Lampiran I PP 44/2015",
        "confident": False,
        "note": None,
    },
    "results.suggested_button": {"name": "Rendah"},
    "results.pu": {
        "month": "November 2026",
        "workers": 2,
        "programs": "JKK, JKM",
        "size": "mikro",
        "lines": [{"name": "JKK", "employer": 1, "worker": 0}],
        "per_worker": [
            {
                "wage": 3000000,
                "count": 2,
                "employer": 1,
                "worker": 1,
                "parts": [{"name": "JHT", "employer": 1, "worker": 1}],
            }
        ],
        "total": 2,
        "employer": 2,
        "worker": 0,
        "risk_unknown": True,
        "jkk_highest": 3,
        "jp_cap": 10547400,
        "jp_cap_since": "1 Maret 2025",
        "capped": 1,
        "deadline": "15 Desember 2026",
        "sources": "PP 44/2015",
    },
    "results.bpu": {
        "month": "November 2026",
        "income": 1000000,
        "bracket_from": 1000000,
        "bracket_to": 1099999,
        "base": 1000000,
        "lines": [{"name": "JKK", "amount": 1, "full": 2}],
        "total": 1,
        "discount": 50,
        "discount_until": "31 Desember 2026",
        "with_jht": False,
        "sources": "PP 44/2015",
    },
}


def check_calculator(snapshot: Snapshot, today: date) -> list[Problem]:
    """Every calculator text the code asks for exists, and renders with today's facts."""
    from assistant_core.content.render import FactView

    needed = (
        [f"questions.{s}" for s in CALC_SLOTS]
        + [f"reasons.{r}" for r in CALC_REASONS]
        + [f"examples.{s}" for s in CALC_SLOTS]
        + [f"texts.{t}" for t in CALC_TEXTS]
        + list(SAMPLE_RESULTS)
    )
    problems = []
    for key in needed:
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
                text = template.render(f=view, **template_helpers(view, snapshot.tables), **SAMPLE_RESULTS.get(key, {}))
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


def check_guide(snapshot: Snapshot, today: date) -> list[Problem]:
    """Every guide text exists (one checklist per who x channel the buttons offer) and renders."""
    from assistant_core.content.render import FactView

    problems_early: list[Problem] = []
    needed: dict[str, dict[str, object]] = {
        "obligation.ask": {},
        "obligation.ranges": {},
        "obligation.calc_button": {},
        "obligation.register_button": {},
        "registration.ask_who": {},
        "registration.ask_channel": {},
        "registration.calc_button": {},
        "registration.contact_button": {},
        "obligation.result": {"size": "mikro", "size_code": "mikro", "programs": "JKK dan JKM"},
        "links.situs_resmi.button": {},
        "reminder.button": {},
        "reminder.stop_button": {},
        "reminder.on_done": {"day": 10},
        "reminder.already": {"day": 10},
        "reminder.off_done": {},
        "reminder.message": {
            "deadline": "15 Desember 2026",
            "employer_month": "November 2026",
            "bpu_month": "Desember 2026",
        },
    }
    links = snapshot.guide.get("links") or {}
    for key, spec in links.items() if isinstance(links, dict) else []:
        if key == "__line__":
            continue
        url = spec.get("url") if isinstance(spec, dict) else None
        if not isinstance(url, str) or not url.startswith("https://"):
            problems_early.append(
                Problem(
                    GUIDE_FILE,
                    None,
                    f"links.{key}",
                    "url kosong atau bukan https://",
                    "tulis alamat lengkap https://...",
                )
            )
        for part in ("button", "text", "open_button"):
            needed[f"links.{key}.{part}"] = {}
    channels = (snapshot.guide.get("registration") or {}).get("channel_buttons") or {}
    for who, buttons in channels.items() if isinstance(channels, dict) else []:
        for button in buttons or [] if isinstance(buttons, list) else []:
            if isinstance(button, dict):
                needed[f"registration.checklists.{who}_{button.get('channel')}"] = {}
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
# Every name the bot and actions look up in content/texts.yml, with the placeholders each may use.
BOT_TEXTS: dict[str, frozenset[str]] = {
    **{
        name: frozenset()
        for name in (
            "did_you_mean",
            "did_you_mean_none",
            "rasa_unavailable",
            "unsupported_media",
            "button_expired",
            "local_chat_intro",
            "local_chat_choose",
            "local_chat_you",
            "local_chat_bot",
            "privacy_notice",
            "forget_confirm",
            "forget_yes",
            "forget_no",
            "forget_done",
            "forget_kept",
            "forget_failed",
            "feedback_up_button",
            "feedback_down_button",
            "feedback_thanks",
            "feedback_sorry",
            "menu_button",
            "reminder_private_only",
        )
    },
    "button_chosen": frozenset({"title"}),
    "fact_status_current": frozenset({"since", "update_note"}),
    "fact_status_stale": frozenset({"since", "update_note"}),
    "stale_fact_notice": frozenset({"label", "value", "since", "update_note", "review_by"}),
    "privacy": frozenset({"days"}),
}
_PLACEHOLDER = re.compile(r"{([^{}]*)}")


def check_texts(snapshot: Snapshot) -> list[Problem]:
    """Every text the code needs exists, uses only its placeholders, and is valid Telegram HTML."""
    problems = []
    for name, allowed in BOT_TEXTS.items():
        text = snapshot.texts.get(name)
        if text is None:
            problems.append(
                Problem(TEXTS_FILE, None, name, f"teks '{name}' tidak ada", f"tambahkan '{name}:' di bawah 'texts:'")
            )
            continue
        for used in _PLACEHOLDER.findall(text):
            if used not in allowed:
                hint = ", ".join("{" + a + "}" for a in sorted(allowed)) or "tidak ada"
                problems.append(
                    Problem(
                        TEXTS_FILE,
                        None,
                        name,
                        f"teks '{name}' memakai {{{used}}} yang tidak dikenal",
                        f"isian yang boleh dipakai: {hint}",
                    )
                )
        for message, fix in html_problems(text):
            problems.append(Problem(TEXTS_FILE, None, name, message, fix))
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
