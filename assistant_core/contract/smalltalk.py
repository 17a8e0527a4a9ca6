"""Greetings, the menu and the other short turns every channel shares."""

from __future__ import annotations

from assistant_core.contract.base import Feature, keys, payload

GREET = "greet"
GOODBYE = "goodbye"
THANKS = "thanks"
BOT_CHALLENGE = "bot_challenge"
HELP = "help"
AFFIRM = "affirm"
DENY = "deny"

UTTER_HELP = "utter_help"

GREET_PAYLOAD = payload(GREET)
HELP_PAYLOAD = payload(HELP)

FEATURE = Feature(
    name="smalltalk",
    intents=(GREET, GOODBYE, THANKS, BOT_CHALLENGE, HELP, AFFIRM, DENY),
    responses=(UTTER_HELP,),
    entry_payloads=(GREET_PAYLOAD, HELP_PAYLOAD),
    # What the bot itself says around Rasa's replies (Telegram and the local chat).
    texts=keys(
        "rasa_unavailable",
        "unsupported_media",
        "button_expired",
        "button_chosen(title)",
        "flood_wait",
        "local_chat_intro",
        "local_chat_choose",
        "local_chat_you",
        "local_chat_bot",
        "menu_button",
    ),
)
