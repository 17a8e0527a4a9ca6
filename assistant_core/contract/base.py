"""What a feature declares, and the one way button payloads are written and read."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# "/intent" or "/intent{...json...}", as Rasa's RegexInterpreter reads typed payloads.
_PAYLOAD = re.compile(r"/(?P<intent>[a-z_]+)(?P<entities>\{.*\})?", re.DOTALL)


def payload(intent: str, **entities: str) -> str:
    """The button payload that sends `intent` with `entities` to Rasa (compact JSON, as it fits
    Telegram's 64-byte callback data best)."""
    return f"/{intent}" + (json.dumps(entities, separators=(",", ":")) if entities else "")


def parse_payload(text: str) -> tuple[str, dict[str, str]] | None:
    """(intent, entities) of a payload written by `payload`, or None for anything else."""
    match = _PAYLOAD.fullmatch(text.strip())
    if match is None:
        return None
    raw = match.group("entities")
    if not raw:
        return match.group("intent"), {}
    try:
        entities = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(entities, dict) or not all(isinstance(v, str) for v in entities.values()):
        return None
    return match.group("intent"), {str(k): v for k, v in entities.items()}


_KEY = re.compile(r"(?P<name>[\w.{}]+)(?:\((?P<values>[\w, ]*)\))?")


def keys(*specs: str) -> dict[str, frozenset[str]]:
    """Text keys with the placeholders each may use, written as they read:
    keys("menu_button", "privacy(days)", "fact_status_current(since, update_note)")."""
    found: dict[str, frozenset[str]] = {}
    for spec in specs:
        match = _KEY.fullmatch(spec)
        if match is None:
            raise ValueError(f"not a text key: {spec!r}")
        values = match.group("values") or ""
        found[match.group("name")] = frozenset(v.strip() for v in values.split(",") if v.strip())
    return found


def is_payload(text: str, intent: str) -> bool:
    """True when `text` is a payload for `intent` (with or without entities)."""
    parsed = parse_payload(text)
    return parsed is not None and parsed[0] == intent


@dataclass(frozen=True)
class Feature:
    """One feature's side of the contract."""

    name: str
    intents: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    slots: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    # Domain responses the code sends by name.
    responses: tuple[str, ...] = ()
    # Payloads a client may send without having been offered them (commands, menus).
    entry_payloads: tuple[str, ...] = ()
    # content/texts.yml keys the code looks up, with the placeholders each may use.
    texts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # content/guide.yml keys the code looks up (fixed ones), with the variables the code passes.
    guide_texts: Mapping[str, frozenset[str]] = field(default_factory=dict)
