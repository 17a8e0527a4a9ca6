"""Monthly payment reminders on Telegram: Rasa offers the button, the bot keeps the subscription."""

from __future__ import annotations

from assistant_core.contract.base import Feature, keys, payload

INTENT = "reminder_on"  # offered by Rasa's menus and the registration guide
ON_PAYLOAD = payload(INTENT)
OFF_PAYLOAD = "bot:reminder:off"  # handled by the bot alone, never sent to Rasa
UTTER_TELEGRAM_ONLY = "utter_reminder_telegram_only"

FEATURE = Feature(
    name="reminders",
    intents=(INTENT,),
    texts=keys("reminder_private_only"),
    guide_texts=keys(
        "reminder.button",
        "reminder.stop_button",
        "reminder.on_done(day)",
        "reminder.already(day)",
        "reminder.off_done",
        "reminder.message(deadline, employer_month, bpu_month)",
    ),
)
