"""One key per purpose, derived from the master key (PSEUDONYM_KEY or var/pseudonym.key) here only.

Every user of the master key asks `derive_key(master, purpose)` for its own key; nothing else
keys an HMAC with the master key (tests/core/test_key_derivation.py checks the source). A derived
key is HMAC-SHA256(master, label) with a fixed label per purpose: HMAC is a pseudo-random function,
so keys under distinct labels are independent, and one that leaks (the webhook secret is sent to
Telegram, the forget token crosses the network between bot and Rasa) reveals neither the master
key nor the others.

The pseudonyms are the exception, on purpose: their key is the master key itself, so every
pseudonym stays bit-for-bit what it was and no stored conversation (Rasa's tracker store, the
`asst_` tables) is orphaned. That is safe because a pseudonym is already a keyed one-way function
with its own domain: HMAC(master, "tg:…" | "local:…" | "rest:…"), and no label below starts with
one of those prefixes, so no input a client can choose (the REST sender id) yields a derived key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

# What the pseudonym functions (assistant_core/pseudonym.py) put before the id they pseudonymise.
PSEUDONYM_INPUT_PREFIXES: Final = (b"tg:", b"local:", b"rest:")

# The labels are the ones the two secrets were derived with before this module existed, so bot and
# Rasa processes of the previous version still agree with new ones during a rolling restart.
LABELS: Final[dict[str, bytes]] = {
    "telegram-webhook-secret": b"telegram-webhook-secret",
    "forget-token": b"rasa-forget-endpoint",
    # The bot's proof to our REST channel that a sender id is one of its own pseudonyms.
    "sender-token": b"rasa-trusted-sender",
}
PURPOSES: Final = ("pseudonym", *LABELS)


def derive_key(master: bytes, purpose: str) -> bytes:
    """The key for one purpose: "pseudonym", "telegram-webhook-secret", "forget-token" or "sender-token"."""
    if purpose == "pseudonym":
        return master  # see the module docstring: the pseudonyms' own domain, kept for compatibility
    label = LABELS.get(purpose)
    if label is None:
        raise ValueError(f"unknown key purpose {purpose!r}; known: {', '.join(PURPOSES)}")
    return hmac.new(master, label, hashlib.sha256).digest()
