"""FAQ answers: renders the entry the ResponseSelector (or a topic button) chose, from content/."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import ContractAction
from actions.fallback import register_miss
from assistant_core.content import ContentUnavailable, RenderError
from assistant_core.contract import calculator, fallback, faq, feedback, smalltalk
from assistant_core.faq_choice import FaqDecision, decide
from assistant_core.parsing import stated_wage

log = logging.getLogger(__name__)


def answer_faq(dispatcher: CollectingDispatcher, tracker: Tracker, rate: bool = True) -> list[dict[str, Any]]:
    """Answer the FAQ entry the latest message asks for, or both when it asks two things (also
    used inside the calculator, without the 👍/👎 buttons, so pressing them never lands in the
    middle of a form)."""
    message = tracker.latest_message or {}
    decision = decide(message)
    repo = services.content()
    # A wage the question itself states lets the entry give the user's own figure (a topic
    # button's payload carries none, so a chosen offer answers in general).
    upah = stated_wage(str(message.get("text") or ""))
    if not decision.answers:
        return _did_you_mean(dispatcher, tracker, repo, decision)
    if rate and upah and len(decision.answers) == 1 and _cost_question(message):
        started = _calculator_for(tracker, repo, decision.answers[0], upah)
        if started:
            return started
    replies = []
    try:
        for key in decision.answers:
            answer = repo.render(key, services.question_date(), upah)
            if answer is None:
                log.error("FAQ key %s chosen but not in content/", key)
                dispatcher.utter_message(response=faq.UTTER_CONTENT_UNAVAILABLE)
                return []
            replies.append((key, answer))
    except (ContentUnavailable, RenderError):
        log.exception("Could not render FAQ %s", decision.answers)
        dispatcher.utter_message(response=faq.UTTER_CONTENT_UNAVAILABLE)
        return []
    several = len(replies) > 1
    for key, answer in replies:
        # Two answers in a row: each keeps its calculator and rating buttons, not its related
        # topics, so a cheap phone's screen is not a wall of buttons.
        buttons = [] if several else [{"title": t, "payload": faq.topic_payload(k)} for k, t in answer.related]
        if answer.offer_calculator:
            label = repo.render_calc("texts.calc_button", services.question_date())
            buttons.insert(0, {"title": label, "payload": calculator.START_PAYLOAD})
        if rate:
            for rating in feedback.RATINGS:
                buttons.append(
                    {
                        "title": repo.text(f"feedback_{rating}_button"),
                        "payload": feedback.rating_payload(rating, key),
                    }
                )
        dispatcher.utter_message(text=answer.text, buttons=buttons)
    return [SlotSet(fallback.MISSES, 0.0)]


ASKS_AMOUNT = re.compile(r"\b(berapa|hitung\w*|itung\w*|total|bayar)\b")


def _cost_question(message: dict[str, Any]) -> bool:
    return bool(ASKS_AMOUNT.search(str(message.get("text") or "").lower()))


def _calculator_for(tracker: Tracker, repo: Any, key: str, upah: int) -> list[dict[str, Any]]:
    """Issue "Open world" point 6: "gaji karyawan 3 juta, iurannya berapa" landing on a
    contribution entry starts the calculator with what the message says, when the entry offers
    the calculator and does not compute that wage itself (an entry that uses `upah` answers)."""
    try:
        general = repo.render(key, services.question_date())
        own = repo.render(key, services.question_date(), upah)
    except (ContentUnavailable, RenderError):
        return []
    if general is None or own is None or not general.offer_calculator or own.text != general.text:
        return []
    from actions.calculator import start_events  # actions.calculator imports this module

    events = start_events(tracker)
    if not any(e.get("name") in {calculator.WAGES, calculator.INCOME} and e.get("value") is not None for e in events):
        return []  # the calculator could not read the wage: answer the entry instead
    return [SlotSet(fallback.MISSES, 0.0), *events, FollowupAction(calculator.FORM)]


def _did_you_mean(
    dispatcher: CollectingDispatcher, tracker: Tracker, repo: Any, decision: FaqDecision
) -> list[dict[str, Any]]:
    """An unsure FAQ match is a miss: offer the likeliest topics, or hand off on the second."""
    buttons = []
    for key in decision.offers:
        title = repo.title(key)
        if title:
            buttons.append({"title": title, "payload": faq.topic_payload(key)})
    if not buttons:
        return register_miss(dispatcher, tracker, decision.offers)
    buttons.append({"title": repo.text("did_you_mean_none"), "payload": smalltalk.HELP_PAYLOAD})
    return register_miss(dispatcher, tracker, decision.offers, {"text": repo.text("did_you_mean"), "buttons": buttons})


class ActionAnswerFaq(ContractAction):
    contract_name = faq.ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return answer_faq(dispatcher, tracker)
