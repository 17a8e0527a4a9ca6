"""The contribution calculator: a Rasa form (calc_form) whose answers assistant_core.calculator reads."""

from __future__ import annotations

from typing import Literal, get_args

from assistant_core.contract import feedback, obligation, registration, smalltalk
from assistant_core.contract.base import Feature, payload

INTENT = "calc_iuran"
CANCEL = "cancel"
SIZE = "size"  # entity: the obligation check's "calculate these programs" button carries the size

START = "action_calc_start"
RESULT = "action_calc_result"
CANCEL_ACTION = "action_calc_cancel"
VALIDATE = "validate_calc_form"
FORM = "calc_form"
REQUESTED_SLOT = "requested_slot"  # Rasa's own

TARGET = "calc_target"
WORKERS = "calc_workers"
WAGES = "calc_wages"
RISK = "calc_risk"
SIZE_SLOT = "calc_size"
INCOME = "calc_income"
JHT = "calc_jht"
SECTOR = "calc_sector"
MONTH = "calc_month"
FAILS = "calc_fails"

# The questions, in the order asked: employees (PU) after the target, or the owner alone (BPU).
PU_QUESTIONS = (WORKERS, WAGES, RISK, SIZE_SLOT)
BPU_QUESTIONS = (INCOME, JHT, SECTOR)
QUESTIONS = (TARGET, *PU_QUESTIONS, *BPU_QUESTIONS)
SLOTS = (*QUESTIONS, MONTH, FAILS)


def ask_action(slot: str) -> str:
    """Rasa's naming rule for the action that asks a form's slot."""
    return f"action_ask_{slot}"


ASK_ACTIONS = tuple(ask_action(s) for s in QUESTIONS)

# Intents the domain's calc_form slot mappings skip (not_intent) so they can leave the form; cancel
# leaves it too, but is never taken as an answer.
LEAVING_INTENTS = frozenset({smalltalk.GREET, smalltalk.HELP, obligation.INTENT, registration.INTENT, feedback.INTENT})
NOT_INTENT = LEAVING_INTENTS | {CANCEL}

# Why a text was not taken as an answer; each has its re-prompt in content/calculator.yml (reasons.*).
Reason = Literal[
    "negative",
    "zero",
    "too_large",
    "too_small",
    "ambiguous",
    "not_a_number",
    "minimum_wage",
    "wage_count_mismatch",
    "below_bpu_minimum",
    "not_a_size",
    "size_unknown",
    "not_a_risk",
    "not_a_target",
    "not_yes_no",
    "not_a_sector",
]
REASONS: tuple[Reason, ...] = get_args(Reason)
# Reasons meaning "this is not an answer at all", as opposed to an answer with a bad value.
UNRECOGNISED: frozenset[Reason] = frozenset(
    {"not_a_number", "not_a_size", "not_a_risk", "not_a_target", "not_yes_no", "not_a_sector"}
)

# content/calculator.yml keys under texts:, and the result templates (rendered with
# assistant_core.calculator's PuSummary / BpuSummary / RiskSuggestion fields).
TEXTS = (
    "cancelled",
    "nothing_to_cancel",
    "corrected",
    "again_button",
    "calc_button",
    "register_button",
    "register_bpu_button",
    "dont_know_button",
)
RESULTS = ("results.pu", "results.bpu", "results.risk_suggestion", "results.suggested_button")
# The FAQ entries the result's "register" button opens.
REGISTER_TOPIC = {"pu": "daftar_perusahaan", "bpu": "daftar_bpu"}

START_PAYLOAD = payload(INTENT)


def start_payload(size: str | None = None) -> str:
    return payload(INTENT, **{SIZE: size}) if size else START_PAYLOAD


def calculator_keys() -> list[str]:
    """Every content/calculator.yml key the code asks for."""
    return (
        [f"questions.{s}" for s in QUESTIONS]
        + [f"reasons.{r}" for r in REASONS]
        + [f"examples.{s}" for s in QUESTIONS]
        + [f"texts.{t}" for t in TEXTS]
        + list(RESULTS)
    )


FEATURE = Feature(
    name="calculator",
    intents=(INTENT, CANCEL),
    entities=(SIZE,),
    actions=(START, RESULT, CANCEL_ACTION, VALIDATE, *ASK_ACTIONS),
    slots=SLOTS,
    forms=(FORM,),
    entry_payloads=(START_PAYLOAD,),
)
