"""How to register: who (employer or self-employed) x channel, then official links (content/guide.yml)."""

from __future__ import annotations

from assistant_core.contract.base import Feature, keys, payload

INTENT = "registration_guide"
OPEN_LINK = "open_link"
ACTION = "action_registration_guide"
OPEN_LINK_ACTION = "action_open_link"
WHO = "who"
CHANNEL = "channel"
LINK = "link"
CONTACT_TOPIC = "kontak_resmi"  # the FAQ entry with the official channels
OFFICIAL_SITE = "situs_resmi"  # the link the checklist offers
LINK_PARTS = ("button", "text", "open_button")  # guide.yml keys under links.<name>

ENTRY_PAYLOAD = payload(INTENT)


def who_payload(who: str, channel: str | None = None) -> str:
    return payload(INTENT, **{WHO: who}) if channel is None else payload(INTENT, **{WHO: who, CHANNEL: channel})


def link_payload(link: str) -> str:
    return payload(OPEN_LINK, **{LINK: link})


def checklist_key(who: str, channel: str) -> str:
    return f"registration.checklists.{who}_{channel}"


FEATURE = Feature(
    name="registration",
    intents=(INTENT, OPEN_LINK),
    entities=(WHO, CHANNEL, LINK),
    actions=(ACTION, OPEN_LINK_ACTION),
    entry_payloads=(ENTRY_PAYLOAD,),
    guide_texts=keys(
        "registration.ask_who",
        "registration.ask_channel",
        "registration.calc_button",
        "registration.contact_button",
        f"links.{OFFICIAL_SITE}.button",
    ),
)
