"""Redis lock store with short timeouts and a defined fallback when Redis is down.

Rasa's `RedisLockStore` keeps one conversation's messages in order across Rasa replicas. Out of
the box it waits up to 10 s on every Redis call (and without limit to connect to a host that
does not answer), so a Redis outage makes every message hang and then fail.

Here Redis calls time out after `socket_timeout` (1 s). When Redis cannot be reached, this
replica logs an error and falls back to its own in-process lock for `retry_after` seconds, then
tries Redis again. What the fallback keeps and what it gives up:

- kept: every message is still answered, and one replica still handles one conversation's
  messages one at a time. The Telegram bot sends one chat's messages to Rasa one after the other
  (it waits for each reply), so Telegram conversations stay in order;
- given up, during the outage only: two messages of the same conversation arriving at the same
  moment on two different replicas (possible only for REST clients that send in parallel) are no
  longer serialised against each other.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

REDIS_OUTAGE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


def _is_outage(exc: BaseException) -> bool:
    """Rasa wraps errors from `issue_ticket` in LockError without chaining; look at the context."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, REDIS_OUTAGE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class FallbackRedisLockStore(RedisLockStore):
    """`RedisLockStore` that times out fast and falls back to an in-process lock (module doc)."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        *,
        socket_timeout: float = 1.0,
        retry_after: float = 5.0,
        **kwargs: Any,
    ) -> None:
        options = dict(endpoint_config.kwargs) if endpoint_config is not None else {}
        options.update(kwargs)
        socket_timeout = float(options.pop("socket_timeout", socket_timeout))
        self.retry_after = float(options.pop("retry_after", retry_after))
        host = endpoint_config.url if endpoint_config is not None and endpoint_config.url else "localhost"
        super().__init__(host=host, socket_timeout=socket_timeout, **options)
        # RedisLockStore sets no connect timeout: an unreachable host would block the event loop.
        self.red.connection_pool.connection_kwargs["socket_connect_timeout"] = socket_timeout
        self.local = InMemoryLockStore()
        self.down_until = 0.0
        self.was_down = False

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self.down_until

    def _mark_down(self, exc: BaseException) -> None:
        self.was_down = True
        if not self.degraded:
            log.error(
                "Redis lock store unreachable (%s): this replica uses its in-process lock and "
                "retries Redis every %.0f s",
                exc,
                self.retry_after,
            )
        self.down_until = time.monotonic() + self.retry_after

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        ticket: int | None = None
        if not self.degraded:
            try:
                ticket = self.issue_ticket(conversation_id, lock_lifetime)
            except LockError as exc:
                if not _is_outage(exc):
                    raise
                self._mark_down(exc)
            else:
                if self.was_down:
                    self.was_down = False
                    log.warning("Redis lock store reachable again: this replica uses it again")
        if ticket is None:
            async with self.local.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as local_lock:
                yield local_lock
            return
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except REDIS_OUTAGE as exc:
                # The ticket expires by itself after its lifetime.
                self._mark_down(exc)
