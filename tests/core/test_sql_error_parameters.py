"""Issue 20 point 10: a failing SQL statement's error does not carry its bound parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from assistant_core.db import make_engine


def test_failing_statement_error_hides_parameter_value(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO t VALUES ('081234567890')"))
    with pytest.raises(SQLAlchemyError) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (:v)"), {"v": "081234567890"})
    assert "081234567890" not in str(caught.value)
    engine.dispose()
