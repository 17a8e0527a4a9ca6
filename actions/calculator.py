"""The contribution calculator: a Rasa form whose answers are read by assistant_core.calculator."""

from __future__ import annotations

import abc
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.base import ContractAction
from actions.faq import answer_faq
from actions.guides import entity
from assistant_core import calculator as calc
from assistant_core.business_risk import AskType, BusinessType
from assistant_core.contract import calculator as contract
from assistant_core.contract import faq, is_payload
from assistant_core.contract.calculator import (
    FAILS,
    INCOME,
    JHT,
    MONTH,
    RISK,
    SECTOR,
    SIZE_SLOT,
    TARGET,
    WAGES,
    WORKERS,
)
from assistant_core.contributions import MissingFact
from assistant_core.faq_choice import choose

log = logging.getLogger(__name__)


def reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in contract.SLOTS]


def known_workers(tracker: Tracker) -> int | None:
    """The head count if already read; while it is being asked the slot holds the raw text."""
    value = tracker.get_slot(WORKERS)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def contribution_month(tracker: Tracker) -> date:
    chosen = tracker.get_slot(MONTH)
    return date.fromisoformat(chosen) if chosen else services.question_date().replace(day=1)


READ_VALUES = {
    TARGET: {"pu", "bpu"},
    SIZE_SLOT: set(calc.SIZES),
    SECTOR: {"transport", "other"},
    RISK: {"very_low", "low", "medium", "high", "very_high", "unknown"},
}


def already_read(slot: str, value: Any) -> bool:
    """True for values our code produced (numbers, lists, booleans, known codes), not raw user text."""
    if value is None:
        return False
    if not isinstance(value, str):
        return True
    return value in READ_VALUES.get(slot, set())


def suggest_risk(text: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """An owner who names their kind of business gets the lampiran's group as a suggestion, or a
    follow-up question where the lampiran has that business in more than one group."""
    repo = services.content()
    snapshot = repo.snapshot()
    table = snapshot.business
    found = table.match(text)
    today = services.question_date()
    if isinstance(found, AskType):
        titles = [c.button for c in found.choices] + [repo.render_calc("texts.dont_know_button", today)]
        dispatcher.utter_message(text=found.question, buttons=[{"title": t, "payload": t} for t in titles])
        return True
    if not isinstance(found, BusinessType):
        return False
    month = contribution_month(tracker)
    rate = snapshot.facts[f"jkk_rate_{found.risk}"].in_force(month)
    text = repo.render_calc(
        "results.risk_suggestion",
        month,
        label=found.label,
        risk_name=table.risk_names[found.risk],
        rate=rate.value if rate else 0,
        lampiran=found.lampiran,
        source=table.source,
        confident=found.confident,
        note=found.note,
    )
    buttons: list[dict[str, str]] = []
    for title in repo.calc_buttons(RISK):
        if calc.read_risk(title).value == found.risk:
            buttons.insert(
                0, {"title": repo.render_calc("results.suggested_button", today, name=title), "payload": title}
            )
        else:
            buttons.append({"title": title, "payload": title})
    dispatcher.utter_message(text=text, buttons=buttons)
    return True


class ActionCalcStart(ContractAction):
    """Starts a fresh calculation, keeping whatever the first message already answered."""

    contract_name = contract.START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return start_events(tracker)


def start_events(tracker: Tracker) -> list[dict[str, Any]]:
    """A fresh calculation's slots, with whatever the latest message already answered."""
    text = str((tracker.latest_message or {}).get("text") or "")
    found = {} if text.startswith("/") else calc.prefill(text, services.question_date())
    size = entity(tracker, contract.SIZE)
    if size in calc.SIZE_PROGRAMS:  # from the obligation check's "calculate these programs" button
        found |= {TARGET: "pu", SIZE_SLOT: size}
    return [*reset(), *[SlotSet(k, v) for k, v in found.items()]]


Extract = Callable[[CollectingDispatcher, Tracker, DomainDict], Awaitable[dict[str, Any]]]
Validate = Callable[[Any, CollectingDispatcher, Tracker, DomainDict], Awaitable[dict[str, Any]]]


class ValidateCalcForm(FormValidationAction):
    """rasa-sdk looks up `extract_<slot>` and `validate_<slot>` by name; every question of the
    contract gets both from `__getattr__`, so a new question needs no new method here."""

    def name(self) -> str:
        return contract.VALIDATE

    def __getattr__(self, name: str) -> Extract | Validate:
        kind, _, slot = name.partition("_")
        if slot not in contract.QUESTIONS:
            raise AttributeError(name)
        if kind == "extract":

            async def extract(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
                return self._rescue(slot, tracker)

            return extract
        if kind == "validate":

            async def validate(
                value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
            ) -> dict[str, Any]:
                return self._validate(slot, value, dispatcher, tracker)

            return validate
        raise AttributeError(name)

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        target = tracker.get_slot(TARGET)
        if target == "pu":
            return [TARGET, *contract.PU_QUESTIONS]
        if target == "bpu":
            return [TARGET, *contract.BPU_QUESTIONS]
        return [TARGET]

    def _rescue(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        """The domain's slot mappings skip messages classified as greet, help and the like, so those
        can leave the form. A short answer such as "Kecil" is sometimes classified that way; when
        the text is a valid answer to the question being asked, it is taken as the answer."""
        if tracker.get_slot(contract.REQUESTED_SLOT) != slot:
            return {}
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        text = str(message.get("text") or "").strip()
        if intent not in contract.LEAVING_INTENTS or not text or text.startswith("/"):
            return {}
        return {slot: text} if self._read(slot, text, tracker).value is not None else {}

    def _read(self, slot: str, text: str, tracker: Tracker) -> calc.Answer:
        workers = known_workers(tracker)
        if slot == TARGET:
            return calc.read_target(text)
        if slot == WORKERS:
            answer = calc.read_count(text)
            return calc.Answer(float(answer.value), None) if isinstance(answer.value, int) else answer
        if slot == WAGES:
            return calc.read_wages(text, workers)
        if slot == RISK:
            return calc.read_risk(text)
        if slot == SIZE_SLOT:
            return calc.read_size(text)
        if slot == INCOME:
            facts = services.content().snapshot().facts
            minimum = facts["bpu_min_income"].in_force(contribution_month(tracker))
            answer = calc.read_income(text, int(minimum.value) if minimum else 1_000_000)
            return calc.Answer(float(answer.value), None) if isinstance(answer.value, int) else answer
        if slot == JHT:
            return calc.read_yes_no(text)
        return calc.read_sector(text)

    def _validate(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        if already_read(slot, value):
            return {slot: value}  # set by our own code (first-message prefill or a correction)
        message = tracker.latest_message or {}
        text = str(value if isinstance(value, str) else message.get("text") or "")
        repo = services.content()
        today = services.question_date()
        if is_payload(text, contract.INTENT):  # "Hitung lagi" pressed mid-way: start over
            return {name: None for name in contract.SLOTS if name != MONTH}
        if not text.startswith("/"):
            answer = self._read(slot, text, tracker)
            if answer.value is not None:
                if slot == WAGES and isinstance(answer.value, list):
                    return {slot: answer.value, WORKERS: float(len(answer.value)), FAILS: 0.0}
                return {slot: answer.value, FAILS: 0.0}
            # A longer sentence may hold this answer ("4 orang, gaji 3,5 juta") or correct others.
            fixes = calc.corrections(text, None, known_workers(tracker))
            if fixes:
                found = fixes.pop(slot, None)
                if found is None:
                    dispatcher.utter_message(text=repo.render_calc("texts.corrected", today))
                return {slot: found, **fixes, FAILS: 0.0}
            if slot == RISK and suggest_risk(text, dispatcher, tracker):
                return {slot: None}
        else:
            answer = calc.Answer(None, "not_a_number")
        # Not an answer: a question asked in the middle is answered, then the form asks again.
        # A reply the reader recognised as an attempt ("-3", "0", "500 ribu") never counts as a
        # question, whatever the classifier guessed: the user is answering and needs the reason.
        intent = (message.get("intent") or {}).get("name")
        attempted = (answer.reason or "not_a_number") not in contract.UNRECOGNISED
        if not attempted and (intent == faq.CHOOSE_TOPIC or (intent == faq.INTENT and choose(message).key)):
            answer_faq(dispatcher, tracker, rate=False)
            return {slot: None}
        fails = int(tracker.get_slot(FAILS) or 0) + 1
        reason = answer.reason or "not_a_number"
        lines = [repo.render_calc(f"reasons.{reason}", today)]
        if fails >= 2:
            lines.append(repo.render_calc(f"examples.{slot}", today))
        dispatcher.utter_message(text="\n".join(lines))
        return {slot: None, FAILS: float(fails)}


def answer_buttons_already_offered(tracker: Tracker) -> bool:
    """True if, since the user's last message, a message offered buttons whose payloads are plain
    answers (the risk-group suggestion or its follow-up question), not "/..." topic buttons."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            if buttons and all(not str(b.get("payload", "")).startswith("/") for b in buttons):
                return True
    return False


class AskCalc(ContractAction):
    """Asks one calculator question, with its buttons (the button text is the answer)."""

    @property
    @abc.abstractmethod
    def slot(self) -> str: ...

    @property
    def contract_name(self) -> str:
        return contract.ask_action(self.slot)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if answer_buttons_already_offered(tracker):
            return []  # this turn already showed answer buttons (a suggestion): don't repeat the question
        repo = services.content()
        text = repo.render_calc(f"questions.{self.slot}", services.question_date())
        buttons = [{"title": title, "payload": title} for title in repo.calc_buttons(self.slot)]
        dispatcher.utter_message(text=text, buttons=buttons or None)
        return []


# One ask action per question of the contract (rasa-sdk registers every concrete Action subclass;
# module globals keep them alive and visible to the contract test).
ASK_ACTIONS: dict[str, type[AskCalc]] = {
    slot: type(f"Ask_{slot}", (AskCalc,), {"slot": slot, "__module__": __name__}) for slot in contract.QUESTIONS
}
globals().update({cls.__name__: cls for cls in ASK_ACTIONS.values()})


class ActionCalcResult(ContractAction):
    contract_name = contract.RESULT

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        repo = services.content()
        snapshot = repo.snapshot()
        month = contribution_month(tracker)
        target = "bpu" if tracker.get_slot(TARGET) == "bpu" else "pu"
        summary: calc.PuSummary | calc.BpuSummary
        try:
            if target == "bpu":
                summary = calc.bpu_summary(
                    snapshot.facts,
                    snapshot.tables["bpu_income_brackets"],
                    month,
                    income=int(tracker.get_slot(INCOME) or 0),
                    with_jht=bool(tracker.get_slot(JHT)),
                    sector=str(tracker.get_slot(SECTOR) or "other"),
                )
            else:
                summary = calc.pu_summary(
                    snapshot.facts,
                    month,
                    wages=[int(w) for w in tracker.get_slot(WAGES) or []],
                    workers=known_workers(tracker),
                    size=str(tracker.get_slot(SIZE_SLOT) or "semua"),
                    risk=str(tracker.get_slot(RISK) or "unknown"),
                )
            text = repo.render_calc(f"results.{target}", month, **calc.template_values(summary))
        except (MissingFact, ValueError, KeyError):
            log.exception("Calculation failed")
            dispatcher.utter_message(response=faq.UTTER_CONTENT_UNAVAILABLE)
            return reset()
        today = services.question_date()
        register = "texts.register_bpu_button" if target == "bpu" else "texts.register_button"
        buttons = [
            {"title": repo.render_calc("texts.again_button", today), "payload": contract.START_PAYLOAD},
            {
                "title": repo.render_calc(register, today),
                "payload": faq.topic_payload(contract.REGISTER_TOPIC[target]),
            },
        ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return reset()


class ActionCalcCancel(ContractAction):
    contract_name = contract.CANCEL_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        key = "texts.cancelled" if tracker.active_loop.get("name") else "texts.nothing_to_cancel"
        dispatcher.utter_message(text=services.content().render_calc(key, services.question_date()))
        return [ActiveLoop(None), *reset(), SlotSet(contract.REQUESTED_SLOT, None)]
