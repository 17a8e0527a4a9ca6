"""The shape of every content/ file, as pydantic models that reject unknown keys.

App environment only: pydantic 2 is not installed in the Rasa environment (it pins pydantic 1), so
nothing under rasa_components/ may import this module, directly or through another module.
Which texts the code needs is the contract's business (assistant_core.contract) and is checked in
check.py; these models say which keys may appear at all, and what type each value has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from assistant_core import contract
from assistant_core.contract import calculator as calc_contract

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def _iso_date(value: Any) -> Any:
    """Dates stay text in the loader (an impossible date is an editor's error, not a crash)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("not_a_date", "bukan tanggal")


def _key_name(value: str) -> str:
    if not KEY_PATTERN.match(value):
        raise PydanticCustomError("bad_name", "nama tidak valid")
    return value


def one_of(allowed: Collection[str]) -> Callable[[str], str]:
    """A mapping key that must be one of `allowed` (the contract's names)."""

    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError("unknown_key", "kunci tidak dikenal", {"allowed": sorted(allowed)})
        return value

    return check


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Name = Annotated[StrictStr, AfterValidator(_key_name)]
PositiveInt = Annotated[StrictInt, Field(gt=0)]


def _nonblank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "kosong")
    return value.strip()


def _nonblank_kept(value: str) -> str:
    _nonblank(value)
    return value


Nonblank = Annotated[StrictStr, AfterValidator(_nonblank)]  # stripped
Template = Annotated[StrictStr, AfterValidator(_nonblank_kept)]  # as written (Jinja keeps its spacing)


class ContentModel(BaseModel):
    """Unknown keys are errors (the loader strips its line markers before validating)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- content/faq/*.yml ----------------------------------------------------------------------------


class FaqEntry(ContentModel):
    """One question-and-answer entry (`- key: ...` under `entries:`)."""

    key: Name
    title: Nonblank
    reviewed: IsoDate
    questions: list[StrictStr]
    answer: Template
    sources: list[StrictStr] = []
    related: list[StrictStr] = []
    offer_calculator: StrictBool = False


class FaqFile(ContentModel):
    entries: list[FaqEntry]


# --- content/facts/*.yml --------------------------------------------------------------------------


class FactValueSpec(ContentModel):
    """One value of a fact with the dates it is in force and its legal source."""

    value: StrictInt | StrictFloat | StrictStr
    valid_from: IsoDate
    valid_until: IsoDate | None = None
    review_by: IsoDate | None = None
    source: Nonblank
    confidence: Literal["H", "M", "L"] = "M"

    @model_validator(mode="after")
    def _dates_in_order(self) -> FactValueSpec:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise PydanticCustomError(
                "content",
                "valid_until {until} lebih awal dari valid_from {start}",
                {
                    "until": str(self.valid_until),
                    "start": str(self.valid_from),
                    "fix": "periksa kedua tanggal; valid_until adalah hari terakhir nilai berlaku",
                },
            )
        if self.review_by is not None and self.review_by <= self.valid_from:
            raise PydanticCustomError(
                "content",
                "review_by {review} tidak sesudah valid_from",
                {
                    "review": str(self.review_by),
                    "fix": "review_by adalah tanggal angka baru diharapkan terbit, sesudah nilai ini mulai berlaku",
                },
            )
        return self


class FactSpec(ContentModel):
    """A named fact: what it is, its unit, and its dated values."""

    description: StrictStr
    unit: Literal["percent", "rupiah", "number", "text"]
    values: Annotated[list[FactValueSpec], Field(min_length=1)]
    label: StrictStr = ""
    update_note: StrictStr = ""
    adjusted_yearly: StrictBool = False


class BracketRow(ContentModel):
    from_: PositiveInt = Field(alias="from")
    base: PositiveInt


class TableSpec(ContentModel):
    """A dated lookup table (the BPU income brackets of Lampiran II PP 44/2015)."""

    description: StrictStr = ""
    source: Nonblank
    valid_from: IsoDate
    confidence: Literal["H", "M", "L"] = "M"
    brackets: Annotated[list[BracketRow], Field(min_length=1)]


class FactsFile(ContentModel):
    facts: dict[Name, FactSpec] | None = None
    tables: dict[Name, TableSpec] | None = None


# --- content/texts.yml ----------------------------------------------------------------------------


class TextsFile(ContentModel):
    """Texts the bot and actions send; the names are the contract's (assistant_core.contract)."""

    texts: dict[Annotated[str, AfterValidator(one_of(contract.bot_texts()))], StrictStr]


# --- content/calculator.yml -----------------------------------------------------------------------


class CalcQuestion(ContentModel):
    text: StrictStr
    buttons: list[StrictStr] = []


_RESULT_NAMES = tuple(k.split(".", 1)[1] for k in calc_contract.RESULTS)
Slot = Annotated[str, AfterValidator(one_of(calc_contract.QUESTIONS))]


class CalculatorFile(ContentModel):
    """The calculator's questions, re-prompts, examples, fixed texts and result templates."""

    questions: dict[Slot, CalcQuestion] = {}
    reasons: dict[Annotated[str, AfterValidator(one_of(calc_contract.REASONS))], StrictStr] = {}
    examples: dict[Slot, StrictStr] = {}
    texts: dict[Annotated[str, AfterValidator(one_of(calc_contract.TEXTS))], StrictStr] = {}
    results: dict[Annotated[str, AfterValidator(one_of(_RESULT_NAMES))], StrictStr] = {}

    def sections(self) -> dict[str, dict[str, str]]:
        """Every text by section and name, as the templates are keyed ("questions.calc_risk")."""
        return {
            "questions": {k: q.text for k, q in self.questions.items()},
            "reasons": dict(self.reasons),
            "examples": dict(self.examples),
            "texts": dict(self.texts),
            "results": dict(self.results),
        }


# --- content/guide.yml ----------------------------------------------------------------------------


class SizeButton(ContentModel):
    title: StrictStr
    size: StrictStr


class WhoButton(ContentModel):
    title: StrictStr
    who: StrictStr


class ChannelButton(ContentModel):
    title: StrictStr
    channel: StrictStr


class Obligation(ContentModel):
    ask: StrictStr | None = None
    size_buttons: list[SizeButton] = []
    ranges: StrictStr | None = None
    range_buttons: list[SizeButton] = []
    result: StrictStr | None = None
    calc_button: StrictStr | None = None
    register_button: StrictStr | None = None


class Registration(ContentModel):
    ask_who: StrictStr | None = None
    who_buttons: list[WhoButton] = []
    ask_channel: StrictStr | None = None
    channel_buttons: dict[StrictStr, list[ChannelButton]] = {}
    checklists: dict[StrictStr, StrictStr] = {}
    calc_button: StrictStr | None = None
    contact_button: StrictStr | None = None


class Reminder(ContentModel):
    button: StrictStr | None = None
    stop_button: StrictStr | None = None
    on_done: StrictStr | None = None
    already: StrictStr | None = None
    off_done: StrictStr | None = None
    message: StrictStr | None = None


class Link(ContentModel):
    url: StrictStr
    button: StrictStr | None = None
    text: StrictStr | None = None
    open_button: StrictStr | None = None


class GuideFile(ContentModel):
    """The obligation check, the registration guide, reminders and official links."""

    obligation: Obligation = Obligation()
    registration: Registration = Registration()
    reminder: Reminder = Reminder()
    links: dict[Name, Link] = {}


# --- content/business_risk.yml --------------------------------------------------------------------

Risk = Literal["very_low", "low", "medium", "high", "very_high"]


class BusinessType(ContentModel):
    label: Nonblank
    risk: Risk
    lampiran: Nonblank
    confidence: Literal["tinggi", "sedang"]
    words: Annotated[list[StrictStr], Field(min_length=1)]
    note: StrictStr | None = None


class AskChoice(ContentModel):
    button: Nonblank
    type: StrictStr


class AskType(ContentModel):
    question: Nonblank
    words: list[StrictStr] = []
    choices: Annotated[list[AskChoice], Field(min_length=1)]


class BusinessRiskFile(ContentModel):
    """Kinds of business and their JKK risk group (Lampiran I PP 44/2015), for the calculator."""

    source: Nonblank
    reviewed: IsoDate | None = None
    risk_names: dict[Risk, StrictStr]
    types: dict[Name, BusinessType]
    ask: dict[Name, AskType] = {}


# --- content/lexicon.yml --------------------------------------------------------------------------


class LexiconFile(ContentModel):
    """Slang and typos mapped to their standard form, for the Rasa-side normaliser."""

    version: StrictInt = 1
    slang: dict[StrictStr, StrictStr]
