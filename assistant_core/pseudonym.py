"""Keyed pseudonyms: the conversation id Rasa and our tables see instead of Telegram ids."""

from __future__ import annotations

import hashlib
import hmac

from assistant_core.keys import derive_key
from assistant_core.masking import mask_personal_data

# Every conversation id a public REST client can reach starts with one of these; the bot's own
# (conversation_id, local_conversation_id: 32 hex digits) never does (issue 20 point 9).
REST_NAMESPACE = "rest:"
REST_PSEUDONYM_NAMESPACE = "rest-"


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


# The bot sends this with every message, so the REST channel takes its sender id as it is: one of
# the bot's own pseudonyms. Any other caller's sender id is namespaced (rest_conversation_id).
SENDER_TOKEN_HEADER = "X-Sender-Token"  # noqa: S105 (a header name, not a secret)


def sender_token(key: bytes) -> str:
    """A secret the bot and Rasa both derive from the master key, like the forget token."""
    return derive_key(key, "sender-token").hex()


def rest_conversation_id(key: bytes, sender: str) -> str:
    """The conversation id the REST channel keeps a public client's sender id under, always in the
    REST namespace, so no client can address a Telegram or local-chat conversation by sending its
    pseudonym: "rest:" and the id, or, if the id carries personal data (a WhatsApp gateway sends the
    user's phone number), "rest-" and a keyed pseudonym of it: always the same, so the conversation
    goes on, but no database or log holds the number."""
    if mask_personal_data(sender) == sender:
        return REST_NAMESPACE + sender
    digest = hmac.new(derive_key(key, "pseudonym"), f"rest:{sender}".encode(), hashlib.sha256).hexdigest()
    return REST_PSEUDONYM_NAMESPACE + digest[:32]
