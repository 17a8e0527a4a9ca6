"""👍/👎 under FAQ answers: recorded with the entry they rate; 👎 offers other ways forward."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions import services
from actions.faq import topic_payload
from assistant_core.db import Feedback

log = logging.getLogger(__name__)
RATINGS = ("up", "down")
CONTACT_TOPIC = "kontak_resmi"


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rating = next(tracker.get_latest_entity_values("rating"), None)
        topic = next(tracker.get_latest_entity_values("topic"), None)
        repo = services.content()
        if rating not in RATINGS or not isinstance(topic, str) or repo.title(topic) is None:
            # Only our own buttons send this; anything else is ignored politely.
            dispatcher.utter_message(text=repo.text("feedback_thanks"))
            return []
        try:
            with Session(services.engine()) as session, session.begin():
                session.add(Feedback(conversation=tracker.sender_id, topic=topic, rating=rating))
        except SQLAlchemyError:
            log.exception("Could not record feedback")
        if rating == "up":
            dispatcher.utter_message(text=repo.text("feedback_thanks"))
            return []
        dispatcher.utter_message(
            text=repo.text("feedback_sorry"),
            buttons=[
                {"title": repo.title(CONTACT_TOPIC) or CONTACT_TOPIC, "payload": topic_payload(CONTACT_TOPIC)},
                {"title": repo.text("menu_button"), "payload": "/help"},
            ],
        )
        return []
