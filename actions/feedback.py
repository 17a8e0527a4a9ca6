"""👍/👎 under FAQ answers: recorded with the entry they rate; 👎 offers other ways forward."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions import services
from actions.base import ContractAction
from assistant_core.contract import faq, feedback, registration, smalltalk
from assistant_core.db import Feedback

log = logging.getLogger(__name__)
CONTACT_TOPIC = registration.CONTACT_TOPIC


class ActionFeedback(ContractAction):
    contract_name = feedback.ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rating = next(tracker.get_latest_entity_values(feedback.RATING), None)
        topic = next(tracker.get_latest_entity_values(feedback.TOPIC), None)
        repo = services.content()
        if rating not in feedback.RATINGS or not isinstance(topic, str) or repo.title(topic) is None:
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
                {"title": repo.title(CONTACT_TOPIC) or CONTACT_TOPIC, "payload": faq.topic_payload(CONTACT_TOPIC)},
                {"title": repo.text("menu_button"), "payload": smalltalk.HELP_PAYLOAD},
            ],
        )
        return []
