"""Inline keyboards: link buttons as links, every other button as a short id stored in the database."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotData
from bot.render import Button


def is_link(button: Button) -> bool:
    return button.payload.startswith("https://")


async def keyboard(data: BotData, rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """The markup for these rows; the payloads of a whole keyboard are stored in one transaction."""
    if not any(rows):
        return None
    stored = [(b.payload, b.title) for row in rows for b in row if not is_link(b)]
    ids = iter(await data.database.run_in_thread(data.callbacks.register_all, stored) if stored else [])
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.title, url=b.payload)
                if is_link(b)
                else InlineKeyboardButton(b.title, callback_data=next(ids))
                for b in row
            ]
            for row in rows
        ]
    )
