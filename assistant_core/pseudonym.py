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
