"""FAQ answers: renders the entry the ResponseSelector (or a topic button) chose, from content/."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import ContractAction
from actions.fallback import register_miss
from assistant_core.content import ContentUnavailable, RenderError
from assistant_core.contract import calculator, fallback, faq, feedback, smalltalk
from assistant_core.faq_choice import FaqChoice, choose
from assistant_core.parsing import stated_wage

log = logging.getLogger(__name__)


def answer_faq(dispatcher: CollectingDispatcher, tracker: Tracker, rate: bool = True) -> list[dict[str, Any]]:
    """Answer the FAQ entry the latest message asks for (also used inside the calculator, without
    the 👍/👎 buttons, so pressing them never lands in the middle of a form)."""
    message = tracker.latest_message or {}
    choice = choose(message)
    repo = services.content()
    # A wage the question itself states lets the entry give the user's own figure (a topic
    # button's payload carries none, so a chosen offer answers in general).
    upah = stated_wage(str(message.get("text") or ""))
    try:
        if choice.key is None:
            return _did_you_mean(dispatcher, tracker, repo, choice)
        answer = repo.render(choice.key, services.question_date(), upah)
    except (ContentUnavailable, RenderError):
        log.exception("Could not render FAQ %s", choice.key)
        dispatcher.utter_message(response=faq.UTTER_CONTENT_UNAVAILABLE)
        return []
    if answer is None:
        log.error("FAQ key %s chosen but not in content/", choice.key)
        dispatcher.utter_message(response=faq.UTTER_CONTENT_UNAVAILABLE)
        return []
    buttons = [{"title": title, "payload": faq.topic_payload(key)} for key, title in answer.related]
    if answer.offer_calculator:
        label = repo.render_calc("texts.calc_button", services.question_date())
        buttons.insert(0, {"title": label, "payload": calculator.START_PAYLOAD})
    if rate:
        for rating in feedback.RATINGS:
            buttons.append(
                {
                    "title": repo.text(f"feedback_{rating}_button"),
                    "payload": feedback.rating_payload(rating, choice.key),
                }
            )
    dispatcher.utter_message(text=answer.text, buttons=buttons)
    return [SlotSet(fallback.MISSES, 0.0)]


def _did_you_mean(
    dispatcher: CollectingDispatcher, tracker: Tracker, repo: Any, choice: FaqChoice
) -> list[dict[str, Any]]:
    """An unsure FAQ match is a miss: offer the likeliest topics, or hand off on the second."""
    buttons = []
    for key in choice.candidates:
        title = repo.title(key)
        if title:
            buttons.append({"title": title, "payload": faq.topic_payload(key)})
    if not buttons:
        return register_miss(dispatcher, tracker, choice.candidates)
    buttons.append({"title": repo.text("did_you_mean_none"), "payload": smalltalk.HELP_PAYLOAD})
    return register_miss(
        dispatcher, tracker, choice.candidates, {"text": repo.text("did_you_mean"), "buttons": buttons}
    )


class ActionAnswerFaq(ContractAction):
    contract_name = faq.ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return answer_faq(dispatcher, tracker)
