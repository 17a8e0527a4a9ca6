"""Button-driven guides: which programs a business must join, and how to register (never asks for IDs)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import ContractAction
from assistant_core.calculator import SIZE_PROGRAMS
from assistant_core.contract import calculator, faq, obligation, registration, reminders, smalltalk

PROGRAM_LIST = {"jkk": "JKK", "jkm": "JKM", "jht": "JHT", "jp": "JP"}


def entity(tracker: Tracker, name: str) -> str | None:
    for item in (tracker.latest_message or {}).get("entities") or []:
        if item.get("entity") == name and isinstance(item.get("value"), str):
            return str(item["value"])
    return None


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " dan " + names[-1]


class ActionObligation(ContractAction):
    contract_name = obligation.ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        repo, today = services.content(), services.question_date()
        size = entity(tracker, obligation.SIZE)
        if size in SIZE_PROGRAMS and size != "semua":
            programs = [PROGRAM_LIST[p] for p in SIZE_PROGRAMS[size]]
            text = repo.render_guide("obligation.result", today, size=size, size_code=size, programs=_join(programs))
            buttons = [
                {
                    "title": repo.render_guide("obligation.calc_button", today),
                    "payload": calculator.start_payload(size),
                },
                {
                    "title": repo.render_guide("obligation.register_button", today),
                    "payload": registration.who_payload("employer"),
                },
            ]
        elif size == "unknown":
            text = repo.render_guide("obligation.ranges", today)
            buttons = [
                {"title": b.title, "payload": obligation.size_payload(b.size)}
                for b in repo.guide().obligation.range_buttons
            ]
        else:
            text = repo.render_guide("obligation.ask", today)
            buttons = [
                {"title": b.title, "payload": obligation.size_payload(b.size)}
                for b in repo.guide().obligation.size_buttons
            ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionRegistrationGuide(ContractAction):
    contract_name = registration.ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        repo, today = services.content(), services.question_date()
        who, channel = entity(tracker, registration.WHO), entity(tracker, registration.CHANNEL)
        channels = repo.guide().registration.channel_buttons.get(who, []) if who else []
        if who and channel and any(b.channel == channel for b in channels):
            text = repo.render_guide(registration.checklist_key(who, channel), today)
            buttons = [
                {"title": repo.render_guide("registration.calc_button", today), "payload": calculator.START_PAYLOAD},
                {
                    "title": repo.render_guide("registration.contact_button", today),
                    "payload": faq.topic_payload(registration.CONTACT_TOPIC),
                },
                # A button that replies with the link (not a URL button) so reaching this step is counted.
                {
                    "title": repo.render_guide(f"links.{registration.OFFICIAL_SITE}.button", today),
                    "payload": registration.link_payload(registration.OFFICIAL_SITE),
                },
                # The Telegram bot keeps the subscription; other channels get utter_reminder_telegram_only.
                {"title": repo.render_guide("reminder.button", today), "payload": reminders.ON_PAYLOAD},
            ]
        elif channels:
            text = repo.render_guide("registration.ask_channel", today)
            buttons = [{"title": b.title, "payload": registration.who_payload(str(who), b.channel)} for b in channels]
        else:
            text = repo.render_guide("registration.ask_who", today)
            buttons = [
                {"title": b.title, "payload": registration.who_payload(b.who)}
                for b in repo.guide().registration.who_buttons
            ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionOpenLink(ContractAction):
    """Replies with an official link; the button press that led here is the funnel's last step."""

    contract_name = registration.OPEN_LINK_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        repo, today = services.content(), services.question_date()
        key = entity(tracker, registration.LINK)
        spec = repo.guide().links.get(key) if key else None
        if spec is None or not spec.url.startswith("https://"):
            dispatcher.utter_message(response=smalltalk.UTTER_HELP)
            return []
        dispatcher.utter_message(
            text=repo.render_guide(f"links.{key}.text", today),
            buttons=[{"title": repo.render_guide(f"links.{key}.open_button", today), "payload": spec.url}],
        )
        return []
