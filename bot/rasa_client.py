"""HTTP client for the Rasa REST channel: one call per user message, errors as one exception."""

from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer in time, refused, or answered with an error."""


class RasaClient:
    def __init__(self, webhook_url: str, timeout: float, client: httpx.AsyncClient | None = None) -> None:
        self._url = webhook_url
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(3.0, timeout)))

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self._client.post(self._url, json=body)
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

    async def close(self) -> None:
        await self._client.aclose()
