"""What the bot keeps about a user outside Rasa: deep-link sources and log lines carry no personal data."""

from __future__ import annotations

import logging

import pytest

from bot.handlers.conversation import deep_link_source
from bot.logging_setup import RedactFilter


@pytest.mark.parametrize("args", [["perisai_123"], ["ig-post-2026"], ["A" * 64]])
def test_deep_link_source_is_kept(args: list[str]) -> None:
    assert deep_link_source(args) == args[0]


@pytest.mark.parametrize(
    "args",
    [
        None,
        [],
        ["081234567890"],  # "/start 081234567890" is typed, not a deep link
        ["3174012345678901"],
        ["budi@gmail.com"],
        ["A" * 65],
        ["<script>"],
        ["halo kak"],
    ],
)
def test_deep_link_source_refuses_personal_data_and_what_no_link_carries(args: list[str] | None) -> None:
    assert deep_link_source(args) is None


def test_log_records_are_masked_and_secrets_redacted() -> None:
    record = logging.LogRecord(
        "telegram.ext.Application",
        logging.DEBUG,
        __file__,
        1,
        "Processing update %s",
        ("Update(message=Message(text='nik 3174012345678901 hp 0812-3456-7890', token=123:secret))",),
        None,
    )
    assert RedactFilter(["123:secret"]).filter(record)
    message = record.getMessage()
    assert "3174012345678901" not in message and "0812-3456-7890" not in message
    assert "[NIK/KK]" in message and "[nomor telepon]" in message and "[REDACTED]" in message


def test_numbers_split_by_escaped_invisible_characters_are_masked_in_logs() -> None:
    # Python's repr of an update writes "\u202e" and "\u200b" as escapes, which split the number.
    text = repr("wa \u202e6285354188503\u202c hp 0812\u200b3456\xad7890")
    record = logging.LogRecord("telegram.ext.Application", logging.DEBUG, __file__, 1, "Processing %s", (text,), None)
    RedactFilter([]).filter(record)
    message = record.getMessage()
    assert "85354188503" not in message and "3456" not in message
    assert message.count("[nomor telepon]") == 2
