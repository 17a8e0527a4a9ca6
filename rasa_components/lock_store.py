"""Redis lock store with short timeouts and a defined fallback when Redis is down.

Rasa's `RedisLockStore` keeps one conversation's messages in order across Rasa replicas. Out of
the box it waits up to 10 s on every Redis call (and without limit to connect to a host that
does not answer), so a Redis outage makes every message hang and then fail.

Rasa's store also reads a conversation's ticket lock, changes it and writes it back in separate
Redis calls. Inside one Rasa process that is safe (no await between them), but two replicas can
interleave: both issue the same ticket number, or one deletes the lock the other still waits on,
and that message fails with "Could not acquire lock" (our cluster test lost 1 of 5 parallel
messages this way). Here each read-modify-write holds a short Redis mutex for that conversation.

Connecting to Redis times out after `connect_timeout` (1 s), other calls after `socket_timeout`
(3 s: long enough for a loaded machine, short enough not to hang). When Redis cannot be reached,
this replica logs an error and falls back to its own in-process lock for `retry_after` seconds,
then tries Redis again. What the fallback keeps and what it gives up:

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
from redis.exceptions import LockError as RedisLockError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

# Keys of the per-conversation mutex; Rasa's ticket locks live under "lock:<conversation id>".
MUTEX_PREFIX = "asst-lock-mutex:"
MUTEX_LIFETIME = 5.0  # seconds; a replica that dies holding the mutex frees it after this

# Set on a lock this store hands out from its in-process fallback: that lock serialises nothing
# across replicas, so deleting a conversation under it is refused (the channel's /forget: 503).
LOCAL_FALLBACK = "umkm_local_fallback"

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
        socket_timeout: float = 3.0,
        connect_timeout: float = 1.0,
        retry_after: float = 5.0,
        **kwargs: Any,
    ) -> None:
        options = dict(endpoint_config.kwargs) if endpoint_config is not None else {}
        options.update(kwargs)
        socket_timeout = float(options.pop("socket_timeout", socket_timeout))
        connect_timeout = float(options.pop("connect_timeout", connect_timeout))
        self.retry_after = float(options.pop("retry_after", retry_after))
        host = endpoint_config.url if endpoint_config is not None and endpoint_config.url else "localhost"
        super().__init__(host=host, socket_timeout=socket_timeout, **options)
        # RedisLockStore sets no connect timeout: an unreachable host would block the event loop.
        self.red.connection_pool.connection_kwargs["socket_connect_timeout"] = connect_timeout
        self.mutex_wait = socket_timeout
        self.local = InMemoryLockStore()
        self.down_until = 0.0
        self.was_down = False

    def _mutex(self, conversation_id: str) -> Any:
        """Held around every read-modify-write of one conversation's ticket lock (module doc)."""
        return self.red.lock(
            MUTEX_PREFIX + self.key_prefix + conversation_id,
            timeout=MUTEX_LIFETIME,
            sleep=0.002,
            blocking_timeout=self.mutex_wait,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._mutex(conversation_id):
                lock = self.get_or_create_lock(conversation_id)
                ticket = lock.issue_ticket(lock_lifetime)
                self.save_lock(lock)
                return ticket
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)

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
                setattr(local_lock, LOCAL_FALLBACK, True)
                yield local_lock
            return
        try:
            try:
                acquired: TicketLock | None = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            except REDIS_OUTAGE as exc:  # Redis went away while this message waited its turn
                self._mark_down(exc)
                acquired = None
            if acquired is None:
                async with self.local.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as local_lock:
                    setattr(local_lock, LOCAL_FALLBACK, True)
                    yield local_lock
            else:
                yield acquired
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except REDIS_OUTAGE as exc:
                # The ticket expires by itself after its lifetime.
                self._mark_down(exc)
            except RedisLockError as exc:  # the mutex stayed busy: the message was answered anyway
                log.warning("Could not release the ticket of a conversation (%s); it expires by itself", exc)
