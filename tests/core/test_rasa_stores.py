"""Our tracker store and lock store inside Rasa's own wrappers (run in the Rasa environment).

The tracker store must survive a database restart (stale pooled connections) and, while the
database is down, fail past Rasa's FailSafeTrackerStore instead of serving an empty conversation.
The lock store must not hang when Redis is unreachable, and must fall back to a local lock.
"""

from __future__ import annotations

import textwrap

from tests.core.rasa_env import needs_rasa, result, start
from tests.e2e.services import PrivatePostgres, PrivateRedis, free_port

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, subprocess, sys, time
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    from rasa_components.lock_store import FallbackRedisLockStore
    from rasa_components.tracker_store import CheckedSQLTrackerStore, TrackerStoreUnavailable

    pg_port, dead_port, restart_cmd, stop_cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    out = {}

    async def main():
        domain = Domain.empty()
        inner = CheckedSQLTrackerStore(
            domain=domain, dialect="postgresql", host="127.0.0.1", port=pg_port, db="postgres", username="postgres"
        )
        store = FailSafeTrackerStore(inner)  # exactly how Rasa's Agent wraps it
        tracker = DialogueStateTracker("u1", domain.slots)
        tracker.update(UserUttered("halo"))
        await store.save(tracker)
        subprocess.run(restart_cmd, shell=True, check=True)
        again = await store.retrieve("u1")
        out["after_restart"] = [e.text for e in again.events if isinstance(e, UserUttered)] if again else None
        subprocess.run(stop_cmd, shell=True, check=True)
        try:
            await store.retrieve("u1")
            out["while_down"] = "returned"
        except TrackerStoreUnavailable:
            out["while_down"] = "raised"
        lock_store = FallbackRedisLockStore(EndpointConfig(url="127.0.0.1", port=dead_port))
        started = time.monotonic()
        async with lock_store.lock("c1"):
            out["lock_seconds"] = time.monotonic() - started
        out["degraded"] = lock_store.degraded

    asyncio.run(main())
    print("RESULT " + json.dumps(out))
    """
)


@needs_rasa
def test_stores_survive_restarts_fail_loudly_and_never_hang() -> None:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        data, prefix = postgres.data, " ".join(postgres.prefix)
        restart = f"{prefix} {postgres.pg_ctl} -D {data} -m fast -w restart"
        stop = f"{prefix} {postgres.pg_ctl} -D {data} -m fast -w stop"
        out = result(start(SCRIPT, str(postgres.port), str(free_port()), restart, stop), timeout=180)
    finally:
        postgres.destroy()
    assert out["after_restart"] == ["halo"], "the conversation is read back after the restart, not lost"
    assert out["while_down"] == "raised", "a database outage is not served as an empty conversation"
    assert out["lock_seconds"] < 3 and out["degraded"] is True, "no hang without Redis; the local lock is used"


REPLICA = textwrap.dedent(
    """
    import asyncio, json, sys
    import redis
    from rasa.utils.endpoints import EndpointConfig
    from rasa_components.lock_store import FallbackRedisLockStore

    port, tasks, per_task = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    store = FallbackRedisLockStore(EndpointConfig(url="127.0.0.1", port=port))
    probe = redis.Redis(host="127.0.0.1", port=port)
    out = {"served": 0, "errors": [], "overlaps": 0}

    async def messages():
        for _ in range(per_task):
            try:
                async with store.lock("one-conversation", wait_time_in_seconds=0.01):
                    if probe.incr("inside") != 1:  # another message of this conversation is in here
                        out["overlaps"] += 1
                    await asyncio.sleep(0.002)
                    probe.decr("inside")
                    out["served"] += 1
            except Exception as exc:
                out["errors"].append(str(exc)[:200])

    async def main():
        await asyncio.gather(*(messages() for _ in range(tasks)))

    asyncio.run(main())
    print("RESULT " + json.dumps(out))
    """
)


@needs_rasa
def test_two_replicas_serialise_one_conversation_through_redis() -> None:
    # Rasa's RedisLockStore reads, changes and writes a ticket lock in separate calls; two replicas
    # interleaving there issued the same ticket or deleted a lock still waited on. With the stock
    # store this very load did not finish in 150 s (tickets lost until they expire after 60 s).
    redis_server = PrivateRedis()
    try:
        redis_server.start()
        replicas = [start(REPLICA, str(redis_server.port), "5", "10") for _ in range(2)]
        results = [result(replica, timeout=240) for replica in replicas]
    finally:
        redis_server.destroy()
    assert [r["errors"] for r in results] == [[], []]
    assert sum(r["served"] for r in results) == 100
    assert sum(r["overlaps"] for r in results) == 0, "two messages of one conversation ran at once"


FORGET = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from types import SimpleNamespace
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    from assistant_core.pseudonym import FORGET_TOKEN_HEADER
    from rasa_components.channel import SafeRestInput
    from rasa_components.lock_store import FallbackRedisLockStore

    dead_port = int(sys.argv[1])
    out = {}

    async def forget(agent, **extra):
        request = SimpleNamespace(
            headers={FORGET_TOKEN_HEADER: "secret"},
            body=json.dumps({"sender": "u1", **extra}).encode(),
            app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)),
        )
        answer = await SafeRestInput(forget_secret="secret")._forget(request)
        return answer.status, json.loads(answer.body)

    async def main():
        tracker_store = InMemoryTrackerStore(Domain.empty())
        tracker = DialogueStateTracker("u1", [])
        tracker.update(UserUttered("halo"))
        await tracker_store.save(tracker)
        redis_down = FallbackRedisLockStore(EndpointConfig(url="127.0.0.1", port=dead_port))
        out["fallback"] = await forget(SimpleNamespace(tracker_store=tracker_store, lock_store=redis_down))
        out["kept"] = "u1" in tracker_store.store
        # Once the fallback is in force (no Redis call at all), the same.
        out["degraded"] = redis_down.degraded
        out["while_degraded"] = await forget(SimpleNamespace(tracker_store=tracker_store, lock_store=redis_down))
        # The purge's re-check under the lock: u1 wrote after the purge's cutoff, so it is kept.
        local = SimpleNamespace(tracker_store=tracker_store, lock_store=InMemoryLockStore())
        out["active"] = await forget(local, inactive_before=time.time() - 3600)
        out["kept_active"] = "u1" in tracker_store.store
        # The in-process lock store configured on purpose (one replica, no Redis): deletion works.
        out["in_memory"] = await forget(SimpleNamespace(tracker_store=tracker_store, lock_store=InMemoryLockStore()))
        out["gone"] = "u1" not in tracker_store.store

    asyncio.run(main())
    print("RESULT " + json.dumps(out))
    """
)


@needs_rasa
def test_forget_answers_503_while_the_lock_store_is_on_its_local_fallback() -> None:
    """Issue 20 point 8: under a local lock another replica may write the conversation back."""
    out = result(start(FORGET, str(free_port())), timeout=120)
    status, body = out["fallback"]
    assert status == 503 and "lock store" in body["error"] and "nothing was deleted" in body["error"]
    assert out["kept"] is True, "nothing is deleted under a local lock"
    assert out["degraded"] is True and out["while_degraded"][0] == 503
    assert out["in_memory"] == [200, {"deleted": 1}] and out["gone"] is True


@needs_rasa
def test_forget_for_the_purge_keeps_a_conversation_active_since_its_cutoff() -> None:
    """Issue 20 point 8: the purge's cutoff is checked again by Rasa under the conversation's lock."""
    out = result(start(FORGET, str(free_port())), timeout=120)
    assert out["active"] == [200, {"deleted": 0, "active": True}] and out["kept_active"] is True
