"""Issue 20 point 10: the webhook secret derived after logging is configured is redacted too."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logging_setup


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    logging_setup.configure("INFO", ["bot-token-123"])
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    yield stream
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def test_a_log_record_with_the_derived_webhook_secret_is_redacted(captured: io.StringIO) -> None:
    derived = "4f" * 32
    logging_setup.redact_secret(derived)
    logging.getLogger("telegram.ext").info("setWebhook secret_token=%s token=%s", derived, "bot-token-123")
    line = captured.getvalue()
    assert derived not in line
    assert "bot-token-123" not in line
    assert line.count("[REDACTED]") == 2
