"""HTTP client for the Rasa REST channel: one call per user message, errors as one exception."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx

from assistant_core.pseudonym import FORGET_TOKEN_HEADER, SENDER_TOKEN_HEADER

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer in time, refused, or answered with an error."""


class ConversationActive(Exception):
    """The retention purge asked to delete a conversation that has written since its cutoff."""


class RasaClient:
    def __init__(
        self,
        webhook_url: str,
        timeout: float,
        client: httpx.AsyncClient | None = None,
        forget_token: str | None = None,
        sender_token: str | None = None,
    ) -> None:
        self._url = webhook_url
        self._forget_url = webhook_url.rsplit("/", 1)[0] + "/forget"
        self._forget_token = forget_token
        # With it, Rasa's channel keeps our sender ids (the conversations' pseudonyms) as they are;
        # without it, they would be put in the public REST namespace like any client's.
        self._sender_headers = {SENDER_TOKEN_HEADER: sender_token} if sender_token else {}
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(3.0, timeout)))

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        # A lone surrogate (JSON "\ud800" in an update) cannot be encoded: httpx would raise
        # and the user would get no answer at all. Rasa's channel cleans the text anyway.
        message = message.encode("utf-8", "replace").decode("utf-8")
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self._client.post(self._url, json=body, headers=self._sender_headers)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            replies = response.json()
        except ValueError as exc:
            raise RasaUnavailable("reply is not JSON") from exc
        if not isinstance(replies, list) or not replies:
            raise RasaUnavailable("empty reply")
        return [r for r in replies if isinstance(r, dict)]

    async def forget(self, sender: str, inactive_before: datetime | None = None) -> int:
        """Delete the conversation's Rasa tracker (see rasa_components/forget.py); events deleted.

        With `inactive_before` (the retention purge), Rasa keeps a conversation with an event at or
        after that moment, checked under its conversation lock: ConversationActive is raised."""
        headers = {FORGET_TOKEN_HEADER: self._forget_token or ""}
        body: dict[str, Any] = {"sender": sender}
        if inactive_before is not None:
            body["inactive_before"] = inactive_before.timestamp()
        try:
            response = await self._client.post(self._forget_url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}") from exc
        if response.status_code != 200:
            # 503 with a reason, e.g. the lock store on its local fallback: nothing was deleted.
            raise RasaUnavailable(f"forget: HTTP {response.status_code} {response.text[:200]}")
        try:
            reply = response.json()
            if reply.get("active"):
                raise ConversationActive(sender)
            return int(reply["deleted"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RasaUnavailable("forget: unexpected reply") from exc

    async def close(self) -> None:
        await self._client.aclose()
