"""Keyed pseudonyms: the conversation id Rasa and our tables see instead of Telegram ids."""

from __future__ import annotations

import hashlib
import hmac
import re

from assistant_core.keys import derive_key
from assistant_core.masking import mask_personal_data

# What conversation_id, local_conversation_id and rest_conversation_id return.
_PSEUDONYM = re.compile(r"(?:rest-)?[0-9a-f]{32}")


# Every function here takes the master key and derives its own key from it (assistant_core/keys.py).


def conversation_id(key: bytes, chat_id: int, user_id: int | None, private: bool) -> str:
    """One conversation per private chat; in groups, one per user per chat."""
    subject = f"tg:{chat_id}" if private or user_id is None else f"tg:{chat_id}:{user_id}"
    return hmac.new(derive_key(key, "pseudonym"), subject.encode(), hashlib.sha256).hexdigest()[:32]


def local_conversation_id(key: bytes, name: str) -> str:
    return hmac.new(derive_key(key, "pseudonym"), f"local:{name}".encode(), hashlib.sha256).hexdigest()[:32]


# Rasa's forget endpoint (rasa_components/channel.py) accepts only requests carrying this token.
FORGET_TOKEN_HEADER = "X-Forget-Token"  # noqa: S105 (a header name, not a secret)


def forget_token(key: bytes) -> str:
    """A secret the bot and Rasa both derive from the master key, so no extra setting is needed."""
    return derive_key(key, "forget-token").hex()


def rest_conversation_id(key: bytes, sender: str) -> str:
    """The conversation id the REST channel keeps a client's sender id under: the id itself, or, if
    it carries personal data (a WhatsApp gateway sends the user's phone number), a keyed pseudonym
    of it: always the same, so the conversation goes on, but no database or log holds the number.
    Our own pseudonyms stay as they are, even when their hex digits happen to look like a number."""
    if _PSEUDONYM.fullmatch(sender) or mask_personal_data(sender) == sender:
        return sender
    digest = hmac.new(derive_key(key, "pseudonym"), f"rest:{sender}".encode(), hashlib.sha256).hexdigest()
    return "rest-" + digest[:32]
