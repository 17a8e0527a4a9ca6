"""Keyed pseudonyms: the conversation id Rasa and our tables see instead of Telegram ids."""

from __future__ import annotations

import hashlib
import hmac


def conversation_id(key: bytes, chat_id: int, user_id: int | None, private: bool) -> str:
    """One conversation per private chat; in groups, one per user per chat."""
    subject = f"tg:{chat_id}" if private or user_id is None else f"tg:{chat_id}:{user_id}"
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]


def local_conversation_id(key: bytes, name: str) -> str:
    return hmac.new(key, f"local:{name}".encode(), hashlib.sha256).hexdigest()[:32]


# Rasa's forget endpoint (rasa_components/channel.py) accepts only requests carrying this token.
FORGET_TOKEN_HEADER = "X-Forget-Token"  # noqa: S105 (a header name, not a secret)


def forget_token(key: bytes) -> str:
    """A secret the bot and Rasa both derive from the pseudonym key, so no extra setting is needed."""
    return hmac.new(key, b"rasa-forget-endpoint", hashlib.sha256).hexdigest()
