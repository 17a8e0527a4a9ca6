"""One user turn, channel-neutral: send to Rasa, render the replies, apologise when Rasa fails."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.render import Outgoing, from_rasa

log = logging.getLogger(__name__)


class Texts(Protocol):
    def text(self, name: str, **values: Any) -> str: ...


class Conversation:
    def __init__(self, rasa: RasaClient, texts: Texts) -> None:
        self.rasa = rasa
        self.texts = texts

    async def turn(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[Outgoing]:
        try:
            replies = await self.rasa.send(sender, message, metadata)
        except RasaUnavailable as exc:
            # The late answer, if Rasa finishes after all, is stored in the tracker but not sent:
            # the user already has the apology and re-asks, so sending both would confuse.
            log.warning("Rasa unavailable: %s", exc)
            return [Outgoing(self.texts.text("rasa_unavailable"))]
        return from_rasa(replies) or [Outgoing(self.texts.text("rasa_unavailable"))]
