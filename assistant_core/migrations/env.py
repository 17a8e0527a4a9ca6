"""Alembic environment for our tables only (asst_*). Rasa's tables are never created, changed or dropped."""

from __future__ import annotations

from alembic import context

from assistant_core.db import TABLE_PREFIX, VERSION_TABLE, Base

config = context.config
engine = config.attributes["engine"]


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return type_ != "table" or bool(name and name.startswith(TABLE_PREFIX))


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
