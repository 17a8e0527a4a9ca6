"""What every handler and job shares, typed: `context.bot_data` is a BotData, not a dict.

PTB builds `bot_data` itself, with no arguments, from `ContextTypes(bot_data=BotData)` when the
Application is built; build_application() then gives it the bot's dependencies with `provide()`,
before any update or job can run. Handlers read `context.bot_data.conversation` and mypy checks it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from assistant_core.content import ContentRepository
from assistant_core.privacy import UserRegistry
from assistant_core.pseudonym import conversation_id
from assistant_core.reminders import ReminderStore
from assistant_core.settings import Settings
from bot.callbacks import CallbackStore
from bot.conversation import Conversation
from bot.database import Database
from bot.flood import PendingTurns


class BotData:
    settings: Settings
    conversation: Conversation
    content: ContentRepository
    database: Database
    callbacks: CallbackStore
    users: UserRegistry
    reminders: ReminderStore

    def __init__(self) -> None:
        # Update ids already answered: Telegram may deliver an update twice.
        self.seen_updates: OrderedDict[int, None] = OrderedDict()
        # Updates run concurrently, but one user's messages must reach Rasa in the order sent.
        self.sender_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # How many of each sender's updates are handled or waiting for that lock (the flood cap).
        self.turns = PendingTurns(0)

    def provide(
        self,
        settings: Settings,
        conversation: Conversation,
        content: ContentRepository,
        database: Database,
        callbacks: CallbackStore | None = None,
        users: UserRegistry | None = None,
        reminders: ReminderStore | None = None,
    ) -> BotData:
        self.settings, self.conversation, self.content, self.database = settings, conversation, content, database
        self.callbacks = callbacks or CallbackStore()
        self.users = users or UserRegistry()
        self.reminders = reminders or ReminderStore()
        self.turns = PendingTurns(settings.max_pending_per_chat)
        return self

    def lock_for(self, sender: str) -> asyncio.Lock:
        lock = self.sender_locks.get(sender)
        if lock is None:
            lock = asyncio.Lock()
            self.sender_locks[sender] = lock
        return lock

    def sender_for(self, update: Update) -> str | None:
        """The pseudonymous conversation id of the update's chat (per user in groups)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return None
        private = chat.type == ChatType.PRIVATE
        return conversation_id(self.settings.pseudonym_key, chat.id, user.id if user else None, private)


# The types PTB's generics need, once: handlers take `context: Context`. The bot's rate limiter
# (AIORateLimiter) takes a number of retries per call, hence ExtBot[int].
Bot = ExtBot[int]
Context = CallbackContext[Bot, dict[Any, Any], dict[Any, Any], BotData]
BotApplication = Application[Bot, Context, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Context]]
