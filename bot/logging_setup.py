"""Logging for the bot process: secrets and personal data are redacted from every record, chatty
libraries quieted."""

from __future__ import annotations

import logging
import re

from assistant_core.masking import mask_personal_data

# Invisible and control characters as Python's repr writes them ("0812\\u200b3456"): in a log line
# they would split a number the masking must see whole.
_ESCAPED_INVISIBLE = re.compile(
    r"\\(?:u(?:00ad|061c|180e|200[b-f]|202[a-e]|206[0-9a-f]|feff)|x(?:[01][0-9a-f]|7f|[89a][0-9a-f]))",
    re.IGNORECASE,
)


class RedactFilter(logging.Filter):
    """Secrets become [REDACTED]; personal data is masked as in the REST channel (at DEBUG,
    python-telegram-bot logs every update in full: "Processing update Update(message=...)"),
    after removing repr escapes of invisible characters."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[REDACTED]")
        redacted = mask_personal_data(_ESCAPED_INVISIBLE.sub("", redacted))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Telegram URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def redact_secret(secret: str) -> None:
    """Redact one more secret known only after configure() (the webhook secret derived from the
    pseudonym key) in every record the root handlers write."""
    for handler in logging.getLogger().handlers:
        for log_filter in handler.filters:
            if isinstance(log_filter, RedactFilter):
                log_filter.add_secret(secret)
