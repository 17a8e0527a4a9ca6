"""The contribution calculator: a Rasa form whose answers are read by assistant_core.calculator."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.faq import answer_faq
from actions.guides import entity
from assistant_core import calculator as calc
from assistant_core.business_risk import AskType, BusinessType
from assistant_core.content.render import tanggal
from assistant_core.contributions import MissingFact, bpu_contributions, pu_contributions
from assistant_core.faq_choice import choose

log = logging.getLogger(__name__)
PU_SLOTS = ["calc_workers", "calc_wages", "calc_risk", "calc_size"]
BPU_SLOTS = ["calc_income", "calc_jht", "calc_sector"]
ALL_SLOTS = ["calc_target", *PU_SLOTS, *BPU_SLOTS, "calc_month", "calc_fails"]


def reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


def known_workers(tracker: Tracker) -> int | None:
    """The head count if already read; while it is being asked the slot holds the raw text."""
    value = tracker.get_slot("calc_workers")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def contribution_month(tracker: Tracker) -> date:
    chosen = tracker.get_slot("calc_month")
    return date.fromisoformat(chosen) if chosen else services.question_date().replace(day=1)


READ_VALUES = {
    "calc_target": {"pu", "bpu"},
    "calc_size": set(calc.SIZES),
    "calc_sector": {"transport", "other"},
    "calc_risk": {"very_low", "low", "medium", "high", "very_high", "unknown"},
}


# Intents the domain's calc_form slot mappings skip (not_intent), minus cancel: typed text classified
# as one of these is still taken when it answers the question being asked (see _rescue).
LEAVING_INTENTS = frozenset({"greet", "help", "check_obligation", "registration_guide", "feedback"})

# Reasons meaning "this is not an answer at all", as opposed to an answer with a bad value.
UNRECOGNISED = {"not_a_number", "not_a_size", "not_a_risk", "not_a_target", "not_yes_no", "not_a_sector"}


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
    for title in repo.calc_buttons("calc_risk"):
        if calc.read_risk(title).value == found.risk:
            buttons.insert(
                0, {"title": repo.render_calc("results.suggested_button", today, name=title), "payload": title}
            )
        else:
            buttons.append({"title": title, "payload": title})
    dispatcher.utter_message(text=text, buttons=buttons)
    return True


class ActionCalcStart(Action):
    """Starts a fresh calculation, keeping whatever the first message already answered."""

    def name(self) -> str:
        return "action_calc_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = str((tracker.latest_message or {}).get("text") or "")
        found = {} if text.startswith("/") else calc.prefill(text, services.question_date())
        size = entity(tracker, "size")
        if size in calc.SIZE_PROGRAMS:  # from the obligation check's "calculate these programs" button
            found |= {"calc_target": "pu", "calc_size": size}
        return [*reset(), *[SlotSet(k, v) for k, v in found.items()]]


class ValidateCalcForm(FormValidationAction):
    def name(self) -> str:
        return "validate_calc_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        target = tracker.get_slot("calc_target")
        if target == "pu":
            return ["calc_target", *PU_SLOTS]
        if target == "bpu":
            return ["calc_target", *BPU_SLOTS]
        return ["calc_target"]

    def _rescue(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        """The domain's slot mappings skip messages classified as greet, help and the like, so those
        can leave the form. A short answer such as "Kecil" is sometimes classified that way; when
        the text is a valid answer to the question being asked, it is taken as the answer."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        text = str(message.get("text") or "").strip()
        if intent not in LEAVING_INTENTS or not text or text.startswith("/"):
            return {}
        return {slot: text} if self._read(slot, text, tracker).value is not None else {}

    async def extract_calc_target(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_target", tracker)

    async def extract_calc_workers(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_workers", tracker)

    async def extract_calc_wages(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_wages", tracker)

    async def extract_calc_risk(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_risk", tracker)

    async def extract_calc_size(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_size", tracker)

    async def extract_calc_income(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_income", tracker)

    async def extract_calc_jht(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_jht", tracker)

    async def extract_calc_sector(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rescue("calc_sector", tracker)

    def _read(self, slot: str, text: str, tracker: Tracker) -> calc.Answer:
        workers = known_workers(tracker)
        if slot == "calc_target":
            return calc.read_target(text)
        if slot == "calc_workers":
            answer = calc.read_count(text)
            return calc.Answer(float(answer.value), None) if isinstance(answer.value, int) else answer
        if slot == "calc_wages":
            return calc.read_wages(text, workers)
        if slot == "calc_risk":
            return calc.read_risk(text)
        if slot == "calc_size":
            return calc.read_size(text)
        if slot == "calc_income":
            facts = services.content().snapshot().facts
            minimum = facts["bpu_min_income"].in_force(contribution_month(tracker))
            answer = calc.read_income(text, int(minimum.value) if minimum else 1_000_000)
            return calc.Answer(float(answer.value), None) if isinstance(answer.value, int) else answer
        if slot == "calc_jht":
            return calc.read_yes_no(text)
        return calc.read_sector(text)

    def _validate(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        if already_read(slot, value):
            return {slot: value}  # set by our own code (first-message prefill or a correction)
        message = tracker.latest_message or {}
        text = str(value if isinstance(value, str) else message.get("text") or "")
        repo = services.content()
        today = services.question_date()
        if text.split("{")[0] == "/calc_iuran":  # "Hitung lagi" pressed mid-way: start over
            return {name: None for name in ALL_SLOTS if name not in {"calc_month"}}
        if not text.startswith("/"):
            answer = self._read(slot, text, tracker)
            if answer.value is not None:
                if slot == "calc_wages" and isinstance(answer.value, list):
                    return {slot: answer.value, "calc_workers": float(len(answer.value)), "calc_fails": 0.0}
                return {slot: answer.value, "calc_fails": 0.0}
            # A longer sentence may hold this answer ("4 orang, gaji 3,5 juta") or correct others.
            fixes = calc.corrections(text, None, known_workers(tracker))
            if fixes:
                found = fixes.pop(slot, None)
                if found is None:
                    dispatcher.utter_message(text=repo.render_calc("texts.corrected", today))
                return {slot: found, **fixes, "calc_fails": 0.0}
            if slot == "calc_risk" and suggest_risk(text, dispatcher, tracker):
                return {slot: None}
        else:
            answer = calc.Answer(None, "not_a_number")
        # Not an answer: a question asked in the middle is answered, then the form asks again.
        # A reply the reader recognised as an attempt ("-3", "0", "500 ribu") never counts as a
        # question, whatever the classifier guessed: the user is answering and needs the reason.
        intent = (message.get("intent") or {}).get("name")
        attempted = (answer.reason or "not_a_number") not in UNRECOGNISED
        if not attempted and (intent == "choose_topic" or (intent == "faq" and choose(message).key)):
            answer_faq(dispatcher, tracker, feedback=False)
            return {slot: None}
        fails = int(tracker.get_slot("calc_fails") or 0) + 1
        reason = answer.reason or "not_a_number"
        lines = [repo.render_calc(f"reasons.{reason}", today)]
        if fails >= 2:
            lines.append(repo.render_calc(f"examples.{slot}", today))
        dispatcher.utter_message(text="\n".join(lines))
        return {slot: None, "calc_fails": float(fails)}

    async def validate_calc_target(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_target", value, dispatcher, tracker)

    async def validate_calc_workers(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_workers", value, dispatcher, tracker)

    async def validate_calc_wages(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_wages", value, dispatcher, tracker)

    async def validate_calc_risk(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_risk", value, dispatcher, tracker)

    async def validate_calc_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_size", value, dispatcher, tracker)

    async def validate_calc_income(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_income", value, dispatcher, tracker)

    async def validate_calc_jht(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_jht", value, dispatcher, tracker)

    async def validate_calc_sector(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("calc_sector", value, dispatcher, tracker)


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


class AskCalc(Action):
    """Asks one calculator question, with its buttons (the button text is the answer)."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

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


class AskCalcTarget(AskCalc):
    slot = "calc_target"


class AskCalcWorkers(AskCalc):
    slot = "calc_workers"


class AskCalcWages(AskCalc):
    slot = "calc_wages"


class AskCalcRisk(AskCalc):
    slot = "calc_risk"


class AskCalcSize(AskCalc):
    slot = "calc_size"


class AskCalcIncome(AskCalc):
    slot = "calc_income"


class AskCalcJht(AskCalc):
    slot = "calc_jht"


class AskCalcSector(AskCalc):
    slot = "calc_sector"


class ActionCalcResult(Action):
    def name(self) -> str:
        return "action_calc_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        repo = services.content()
        facts = repo.snapshot().facts
        month = contribution_month(tracker)
        try:
            if tracker.get_slot("calc_target") == "bpu":
                text, register = self._bpu(repo, facts, month, tracker), "register_bpu_button"
                register_topic = "daftar_bpu"
            else:
                text, register = self._pu(repo, facts, month, tracker), "register_button"
                register_topic = "daftar_perusahaan"
        except (MissingFact, ValueError, KeyError):
            log.exception("Calculation failed")
            dispatcher.utter_message(response="utter_content_unavailable")
            return reset()
        today = services.question_date()
        buttons = [
            {"title": repo.render_calc("texts.again_button", today), "payload": "/calc_iuran"},
            {
                "title": repo.render_calc(f"texts.{register}", today),
                "payload": '/choose_topic{"topic":"' + register_topic + '"}',
            },
        ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return reset()

    @staticmethod
    def _pu(repo: Any, facts: Any, month: date, tracker: Tracker) -> str:
        wages = [int(w) for w in tracker.get_slot("calc_wages") or []]
        workers = known_workers(tracker) or len(wages) or 1
        if len(wages) == 1 and workers > 1:
            wages = wages * workers
        size = str(tracker.get_slot("calc_size") or "semua")
        risk = str(tracker.get_slot("calc_risk") or "unknown")
        programs = calc.SIZE_PROGRAMS[size]
        result = pu_contributions(facts, month, wages, "very_low" if risk == "unknown" else risk, programs)
        highest = pu_contributions(facts, month, wages, "very_high", ["jkk"]).lines["jkk"].employer
        deadline_day = facts["payment_deadline_day"].in_force(month)
        lines = [
            {"name": calc.PROGRAM_NAMES[p], "employer": s.employer, "worker": s.worker} for p, s in result.lines.items()
        ]
        per_worker = []
        if len(wages) > 1:  # one line per distinct wage: what one such worker costs, program by program
            for wage in sorted(set(wages)):
                one = pu_contributions(facts, month, [wage], "very_low" if risk == "unknown" else risk, programs)
                parts = [
                    {"name": calc.PROGRAM_NAMES[p], "employer": s.employer, "worker": s.worker}
                    for p, s in one.lines.items()
                ]
                per_worker.append(
                    {
                        "wage": wage,
                        "count": wages.count(wage),
                        "employer": one.total.employer,
                        "worker": one.total.worker,
                        "parts": parts,
                    }
                )
        return str(
            repo.render_calc(
                "results.pu",
                month,
                month=calc.month_label(month),
                workers=len(wages),
                lines=lines,
                per_worker=per_worker,
                programs=", ".join(calc.PROGRAM_NAMES[p] for p in programs),
                size=None if size == "semua" else size,
                total=result.total.total,
                employer=result.total.employer,
                worker=result.total.worker,
                risk_unknown=risk == "unknown",
                jkk_highest=highest,
                jp_cap=result.jp_cap,
                jp_cap_since=tanggal(result.jp_cap_since) if result.jp_cap_since else "",
                capped=result.capped_workers,
                deadline=tanggal(calc.next_month_day(month, int(deadline_day.value if deadline_day else 15))),
                sources="; ".join(result.sources),
            )
        )

    @staticmethod
    def _bpu(repo: Any, facts: Any, month: date, tracker: Tracker) -> str:
        income = int(tracker.get_slot("calc_income") or 0)
        with_jht = bool(tracker.get_slot("calc_jht"))
        sector = str(tracker.get_slot("calc_sector") or "other")
        programs = ["jkk", "jkm", "jht"] if with_jht else ["jkk", "jkm"]
        snapshot = repo.snapshot()
        result = bpu_contributions(facts, snapshot.tables["bpu_income_brackets"], month, income, programs, sector)
        discount_fact = facts[f"bpu_discount_{sector}_pct"].in_force(month)
        until = discount_fact.valid_until if discount_fact and discount_fact.valid_until else None
        lines = [
            {"name": calc.PROGRAM_NAMES[p], "amount": result.lines[p], "full": result.full_price[p]}
            for p in result.programs
        ]
        return str(
            repo.render_calc(
                "results.bpu",
                month,
                month=calc.month_label(month),
                income=income,
                bracket_from=result.bracket.lower,
                bracket_to=result.bracket.upper,
                base=result.bracket.base,
                lines=lines,
                total=result.total,
                discount=result.discount_pct,
                discount_until=tanggal(until) if until else "",
                with_jht=with_jht,
                sources="; ".join(result.sources),
            )
        )


class ActionCalcCancel(Action):
    def name(self) -> str:
        return "action_calc_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        repo = services.content()
        key = "texts.cancelled" if tracker.active_loop.get("name") else "texts.nothing_to_cancel"
        dispatcher.utter_message(text=repo.render_calc(key, services.question_date()))
        return [ActiveLoop(None), *reset(), SlotSet("requested_slot", None)]
