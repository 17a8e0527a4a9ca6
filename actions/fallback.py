"""Misses: ask to rephrase the first time; after a second miss in a row, hand off and record the question."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions import services
from actions.base import ContractAction
from assistant_core import unanswered
from assistant_core.contract import fallback
from assistant_core.contract.fallback import HANDOFF_AFTER, MISSES

log = logging.getLogger(__name__)


def register_miss(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    candidates: tuple[str, ...] = (),
    first_reply: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Count a miss; on the second in a row, hand off to official channels and record the question."""
    misses = int(tracker.get_slot(MISSES) or 0) + 1
    if misses < HANDOFF_AFTER:
        dispatcher.utter_message(**(first_reply or {"response": fallback.UTTER_DEFAULT}))
        return [SlotSet(MISSES, float(misses))]
    message = tracker.latest_message or {}
    try:
        with Session(services.engine()) as session, session.begin():
            unanswered.record(
                session,
                tracker.sender_id,
                str(message.get("text") or ""),
                (message.get("intent") or {}).get("name"),
                candidates,
            )
    except SQLAlchemyError:
        # The user still gets the handoff; the editors' list misses one entry, which we log.
        log.exception("Could not record an unanswered question")
    dispatcher.utter_message(response=fallback.UTTER_HANDOFF)
    return [SlotSet(MISSES, 0.0)]


class ActionFallback(ContractAction):
    contract_name = fallback.ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return register_miss(dispatcher, tracker)
