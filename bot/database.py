"""The bot's one way into the database: each call is one transaction, run in a worker thread.

The stores (UserRegistry, ReminderStore, CallbackStore) take the session they work in and never
commit; this is the one place that opens a session and commits it, as SQLAlchemy 2's docs show
("the caller owns the session and the transaction"). SQLAlchemy's Session is synchronous, so
from the event loop every call goes through `run_in_thread`: a slow database delays that one
update, never every chat at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

P = ParamSpec("P")
T = TypeVar("T")


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine)

    def run(self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(session, *args, **kwargs)` in a transaction: committed if it returns, rolled back if it raises."""
        with self._sessions.begin() as session:
            return work(session, *args, **kwargs)

    async def run_in_thread(self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`run`, off the event loop."""
        return await asyncio.to_thread(functools.partial(self.run, work, *args, **kwargs))
