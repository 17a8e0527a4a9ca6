"""Monthly payment reminders on Telegram: Rasa offers the button, the bot keeps the subscription."""

from __future__ import annotations

from assistant_core.contract.base import Feature, payload

INTENT = "reminder_on"  # offered by Rasa's menus and the registration guide
ON_PAYLOAD = payload(INTENT)
OFF_PAYLOAD = "bot:reminder:off"  # handled by the bot alone, never sent to Rasa
UTTER_TELEGRAM_ONLY = "utter_reminder_telegram_only"

NONE = frozenset[str]()
FEATURE = Feature(
    name="reminders",
    intents=(INTENT,),
    texts={"reminder_private_only": NONE},
    guide_texts={
        "reminder.button": NONE,
        "reminder.stop_button": NONE,
        "reminder.on_done": frozenset({"day"}),
        "reminder.already": frozenset({"day"}),
        "reminder.off_done": NONE,
        "reminder.message": frozenset({"deadline", "employer_month", "bpu_month"}),
    },
)
