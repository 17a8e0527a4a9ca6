"""CheckedSQLTrackerStore's cache and window, on the store itself in the Rasa environment."""

from __future__ import annotations

from tests.core.rasa_env import needs_rasa, result, start

SCRIPT = r"""
import asyncio, json, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_components.tracker_store import CheckedSQLTrackerStore, offered_in_session
from rasa_components.forget import delete_conversation

db = sys.argv[1]
domain = Domain.load("domain.yml")
def store(window):
    return CheckedSQLTrackerStore(domain=domain, dialect="sqlite", db=db, window_turns=window)

async def main():
    a, b = store(2), store(2)
    out = {}
    tracker = await a.get_or_create_tracker("s1")
    slot = next(s.name for s in domain.slots if s.name.startswith("calc_") and s.type_name != "float")
    for turn in range(12):
        tracker.update(UserUttered(f"pesan {turn}", {"name": "faq", "confidence": 1.0}))
        if turn == 1:
            tracker.update(SlotSet(slot, "Rendah"))
            tracker.update(BotUttered("pilih", {"buttons": [{"title": "x", "payload": "/early_button"}]}))
        tracker.update(ActionExecuted("action_listen"))
        await a.save(tracker)
        tracker = await a.retrieve("s1")
    out["events_in_memory"] = len(tracker.events)
    out["users_in_memory"] = sum(isinstance(e, UserUttered) for e in tracker.events)
    out["slot"] = tracker.get_slot(slot)
    out["early_button"] = "/early_button" in offered_in_session(tracker)
    with a.session_scope() as session:
        out["events_stored"] = session.query(a.SQLEvent).filter(a.SQLEvent.sender_id == "s1").count()
    # Rasa's own reading of the same rows, for comparison.
    full = await store(0).retrieve("s1")
    out["full_slot"] = full.get_slot(slot)
    out["full_latest"] = full.latest_message.text
    out["windowed_latest"] = tracker.latest_message.text
    # Another replica (store b) adds a message: store a's cache picks it up.
    other = await b.retrieve("s1")
    other.update(UserUttered("dari replika lain", {"name": "faq", "confidence": 1.0}))
    other.update(ActionExecuted("action_listen"))
    await b.save(other)
    seen = await a.retrieve("s1")
    out["sees_other_replica"] = seen.latest_message.text
    # A tracker changed in memory but never saved is not served again.
    seen.update(UserUttered("tidak disimpan", {"name": "faq", "confidence": 1.0}))
    again = await a.retrieve("s1")
    out["unsaved_not_served"] = again.latest_message.text
    # Deleted by another process (the retention purge): no stale tracker from the cache.
    delete_conversation(b, "s1")
    out["after_delete"] = await a.retrieve("s1") is None
    # A rollout (new domain) empties the cache.
    await a.retrieve("s2") or await a.save(await a.get_or_create_tracker("s2"))
    a.domain = domain
    out["cache_after_new_domain"] = len(a._cache)
    print("RESULT " + json.dumps(out))

asyncio.run(main())
"""


@needs_rasa
def test_window_cache_and_their_checks(tmp_path: object) -> None:
    out = result(start(SCRIPT, str(tmp_path) + "/t.db"), timeout=180)  # type: ignore[operator]
    assert out["events_stored"] > out["events_in_memory"], out
    assert out["users_in_memory"] <= 4, "past 2 x window_turns user messages, only the window is kept"
    assert out["slot"] == out["full_slot"] == "Rendah", "a slot set before the window keeps its value"
    assert out["windowed_latest"] == out["full_latest"] == "pesan 11"
    assert out["early_button"], "buttons offered before the window still count as offered"
    assert out["sees_other_replica"] == "dari replika lain"
    assert out["unsaved_not_served"] == "dari replika lain"
    assert out["after_delete"] is True
    assert out["cache_after_new_domain"] == 0
