"""Slang and abbreviation normalisation of user text, driven by the editors' lexicon file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import yaml

_TOKEN = re.compile(r"[0-9a-zA-Z\u00C0-\u024F]+(?:['-][0-9a-zA-Z\u00C0-\u024F]+)*")


class LexiconError(ValueError):
    """The lexicon file is unreadable or malformed."""


def load_lexicon(path: Path) -> dict[str, str]:
    """Read the slang lexicon (`slang:` mapping of one lowercase token to its normal form)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: {exc}") from exc
    slang = (data or {}).get("slang") if isinstance(data, dict) else None
    if not isinstance(slang, dict):
        raise LexiconError(f"{path}: expected a mapping under 'slang:'")
    lexicon: dict[str, str] = {}
    for key, value in slang.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise LexiconError(f"{path}: entry {key!r} must map a word to a text")
        lexicon[key.strip().lower()] = value.strip().lower()
    return lexicon


def lexicon_fingerprint(path: Path) -> str:
    """Content hash of the lexicon, so a changed lexicon invalidates cached training."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def normalise(text: str, lexicon: Mapping[str, str]) -> str:
    """Lowercase the text and replace every known slang token by its normal form.

    Rasa payloads (text starting with "/") are returned unchanged so that button
    payloads keep their exact syntax.
    """
    if text.startswith("/"):
        return text

    def replace(match: re.Match[str]) -> str:
        token = match.group(0).lower()
        return lexicon.get(token, token)

    return _TOKEN.sub(replace, text.lower())
