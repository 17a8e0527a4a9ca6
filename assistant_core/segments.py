"""Finds the questions inside a message, so a message that asks two things gets both answered.

People tell their situation first and then ask, sometimes twice: "saya punya warung, 3 karyawan.
iuran jkk berapa? terus daftarnya di mana?". Only the parts that ask something count; the story
around them is context, and the whole message is still scored as one text as well.
"""

from __future__ import annotations

import re

# After the slang normaliser ("brp" -> "berapa", "gmn" -> "bagaimana"), so normal forms suffice.
QUESTION_WORDS = re.compile(
    r"\b(berapa|bagaimana|apakah|apa saja|kapan|di ?mana|ke ?mana|siapa|kenapa|mengapa|bisakah|"
    r"bolehkah|haruskah|wajibkah|adakah|apa (?:bisa|boleh|harus|wajib|benar|betul|itu|saja|syarat))\b"
)
# Where a second question starts inside one sentence: "iuran jkk berapa terus daftarnya di mana".
JOINERS = re.compile(r"\s+(?:terus|trus|lalu|kemudian|selain itu|satu lagi|dan juga|serta|dan)\s+")
SENTENCE_END = re.compile(r"(?<=[?!.;\n])\s*|\n+")
MIN_WORDS = 3
MAX_PARTS = 4


def _asks(part: str) -> bool:
    return part.rstrip().endswith("?") or bool(QUESTION_WORDS.search(part))


def _words(part: str) -> int:
    return len(re.findall(r"\w+", part))


def question_parts(text: str) -> list[str]:
    """The question-asking parts of a message, in order, when it asks two or more things; else [].

    A part is a sentence (or a clause joined by "terus", "lalu", "dan"…, when every side holds a
    question word)
    of at least MIN_WORDS words that ends with "?" or holds a question word.
    """
    if not text or text.startswith("/"):
        return []
    parts: list[str] = []
    for sentence in SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        pieces = JOINERS.split(sentence)
        # Split a sentence at a joiner only when every side asks on its own; else keep it whole.
        if len(pieces) > 1 and all(QUESTION_WORDS.search(p) and _words(p) >= MIN_WORDS for p in pieces):
            parts.extend(p.strip() for p in pieces)
        else:
            parts.append(sentence)
    asking = [p for p in parts if _asks(p) and _words(p) >= MIN_WORDS]
    return asking[:MAX_PARTS] if len(asking) >= 2 else []
