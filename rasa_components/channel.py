"""REST input channel that validates bodies, masks personal data and never answers an empty 200."""

from __future__ import annotations

import hmac
import json
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant_core import contract
from assistant_core.masking import mask_personal_data
from assistant_core.pseudonym import (
    FORGET_TOKEN_HEADER,
    REST_NAMESPACE,
    SENDER_TOKEN_HEADER,
    forget_token,
    rest_conversation_id,
    sender_token,
)
from assistant_core.settings import load_settings
from rasa_components.forget import delete_conversation, newest_event_timestamp
from rasa_components.lock_store import LOCAL_FALLBACK
from rasa_components.tracker_store import TrackerStoreUnavailable, offered_in_session

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_SENDER = 128
MAX_METADATA = 4096  # characters of the metadata as JSON; our bot sends {"source": "<=64 chars"}
MAX_METADATA_DEPTH = 8
# Payloads any client may send without having been offered them (the contract's entry points, which
# the Telegram commands and menus map to). Everything else starting with "/" must have been offered
# as a button in this conversation, so a typed "/restart" or "/intent{...}" is text.
ALWAYS_ALLOWED_PAYLOADS = contract.ALWAYS_ALLOWED_PAYLOADS
# /forget's answer while the Redis lock store is down (the bot tells the user, in Indonesian, that
# nothing was deleted and to try /hapusdata again shortly: content/texts.yml, forget_failed).
LOCK_FALLBACK_MESSAGE = (
    "the conversation lock store (Redis) is unavailable and this replica uses local locks; "
    "nothing was deleted, try again shortly"
)


class WholeMessageCollector(CollectingOutputChannel):
    """Collects bot messages as sent: Rasa's default splits text without buttons at blank lines."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def read_json(body: bytes | None) -> Any:
    """The parsed body; ValueError for anything that is not JSON (deep nesting included)."""
    try:
        return json.loads(body or b"")
    except RecursionError as exc:  # "[[[[…" a hundred thousand deep: Rasa answered 500
        raise ValueError("JSON nested too deeply") from exc


def valid_sender(sender: Any) -> bool:
    """Printable only: a NUL or a lone surrogate in the sender id made the SQL tracker store raise a
    ValueError, on which Rasa's `session_scope` exits the whole server (sys.exit)."""
    return isinstance(sender, str) and bool(sender.strip()) and len(sender) <= MAX_SENDER and sender.isprintable()


def clean_metadata(value: Any, depth: int = 0) -> Any:
    """Metadata is stored with the user's message: its texts are masked like the message."""
    if depth > MAX_METADATA_DEPTH:
        raise ValueError("metadata nested too deeply")
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, int) and not isinstance(value, bool):
        masked = mask_personal_data(str(value))  # {"phone": 6281234567890} is a phone number too
        return value if masked == str(value) else masked
    if isinstance(value, list):
        return [clean_metadata(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {mask_personal_data(str(k)): clean_metadata(v, depth + 1) for k, v in value.items()}
    return value


class SafeRestInput(InputChannel):
    """Rasa's REST contract (`{"sender", "message"}` in, list of messages out), hardened."""

    def __init__(
        self,
        forget_secret: str | None = None,
        pseudonym_key: bytes | None = None,
        sender_secret: str | None = None,
    ) -> None:
        self.forget_secret = forget_secret
        self.pseudonym_key = pseudonym_key
        self.sender_secret = sender_secret

    def trusted(self, request: Request) -> bool:
        """The caller is our bot: it proved it with the sender token (assistant_core/pseudonym.py)."""
        supplied = request.headers.get(SENDER_TOKEN_HEADER, "").encode()  # bytes: any character compares
        return bool(self.sender_secret) and hmac.compare_digest(supplied, (self.sender_secret or "").encode())

    def conversation_for(self, sender: str, trusted: bool = False) -> str:
        """The tracker's conversation id. The bot's sender ids are its own pseudonyms and are kept;
        any other client's id goes into the REST namespace (and is pseudonymised if it carries
        personal data), so sending a Telegram conversation's pseudonym cannot reach that conversation."""
        if trusted:
            return sender
        if self.pseudonym_key is None:
            return REST_NAMESPACE + sender
        return rest_conversation_id(self.pseudonym_key, sender)

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _forget(self, request: Request) -> HTTPResponse:
        """Delete one conversation's tracker, holding its lock so no message in flight rewrites it."""
        supplied = request.headers.get(FORGET_TOKEN_HEADER, "")
        if not self.forget_secret or not hmac.compare_digest(supplied, self.forget_secret):
            return _error(401, "a valid forget token is required")
        try:
            body = read_json(request.body)
        except ValueError:
            body = None
        sender = body.get("sender") if isinstance(body, dict) else None
        if not valid_sender(sender):
            return _error(400, f"'sender' must be a non-empty printable string of at most {MAX_SENDER} characters")
        # The retention purge sends its cutoff (epoch seconds): a conversation with an event at or
        # after it is active again and is kept. Checked under the lock, so no message slips between.
        inactive_before = body.get("inactive_before") if isinstance(body, dict) else None
        if inactive_before is not None and (
            isinstance(inactive_before, bool) or not isinstance(inactive_before, (int, float))
        ):
            return _error(400, "'inactive_before' must be a number (seconds since the epoch)")
        # Only the forget token's holder (the bot: /hapusdata and the retention purge) gets here, and
        # it names a stored conversation id as it is, REST ones included.
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return _error(503, "the assistant is not ready")
        try:
            async with agent.lock_store.lock(sender) as held:
                if getattr(held, LOCAL_FALLBACK, False):
                    # Redis is down and this replica fell back to its own lock: another replica could
                    # be writing this conversation back right now. Delete nothing; the bot says so.
                    log.warning("Refused to delete a conversation: the lock store is on its local fallback")
                    return _error(503, LOCK_FALLBACK_MESSAGE)
                newest = (
                    await newest_event_timestamp(agent.tracker_store, sender) if inactive_before is not None else 0.0
                )
                if inactive_before is not None and newest >= inactive_before:
                    log.info("Kept a conversation the purge listed: it is active again")
                    return response.json({"deleted": 0, "active": True})
                deleted = delete_conversation(agent.tracker_store, sender)
        except (Exception, TrackerStoreUnavailable):
            log.exception("Deleting a conversation failed")
            return _error(503, "the conversation could not be deleted")
        log.info("Deleted a conversation on request (%d stored events)", deleted)
        return response.json({"deleted": deleted})

    async def _neutralise_commands(self, request: Request, sender: str, text: str) -> str:
        """Turn a typed Rasa command into plain text unless the assistant offered it."""
        if not text.startswith("/") or text in ALWAYS_ALLOWED_PAYLOADS:
            return text
        agent = getattr(request.app.ctx, "agent", None)
        tracker_store = getattr(agent, "tracker_store", None)
        if tracker_store is not None:
            tracker = await tracker_store.retrieve(sender)
            if tracker is not None and text in offered_in_session(tracker):
                return text
        stripped = text.lstrip("/").strip()
        return stripped or "?"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Which model this process runs (its ETag from the model server, or Rasa's own id):
            # operators and the rollout benchmark see when a new model went live.
            agent = getattr(request.app.ctx, "agent", None)
            return response.json({"status": "ok", "model": getattr(agent, "fingerprint", None)})

        @webhook.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            return await self._forget(request)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = read_json(request.body)
            except ValueError:
                return _error(400, 'body must be JSON: {"sender": "...", "message": "..."}')
            if not isinstance(body, dict):
                return _error(400, "body must be a JSON object")
            client_sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
            if not valid_sender(client_sender):
                return _error(400, f"'sender' must be a non-empty printable string of at most {MAX_SENDER} characters")
            if not isinstance(text, str):
                return _error(400, "'message' must be a string")
            if metadata is not None and not isinstance(metadata, dict):
                return _error(400, "'metadata' must be an object")
            # Masking comes first: nothing below (Rasa, tracker store, logs) sees raw identifiers.
            # It also drops invisible characters, so strip again: " /restart" must not reach Rasa
            # as a command ("\u200b /restart" would, since Rasa strips before reading commands).
            # Cut to twice the limit first (masking a 100 MB body would stall the server), mask,
            # then cut, so an identifier across the limit is masked before it is cut in half.
            text = mask_personal_data(text.strip()[: 2 * MAX_TEXT]).strip()[:MAX_TEXT].strip() or "?"
            try:
                metadata = clean_metadata(metadata)
            except ValueError:
                return _error(400, f"'metadata' may be nested at most {MAX_METADATA_DEPTH} deep")
            if metadata is not None and len(json.dumps(metadata)) > MAX_METADATA:
                return _error(400, f"'metadata' must be at most {MAX_METADATA} characters as JSON")
            sender = self.conversation_for(client_sender, self.trusted(request))
            collector = WholeMessageCollector()
            try:
                text = await self._neutralise_commands(request, sender, text)
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            except TrackerStoreUnavailable:
                # Logged by the store; nothing of this message was kept, so the client may resend.
                return _error(503, "the conversation database is unavailable; try again shortly")
            except CancelledError:
                log.error("Handling a message timed out")
                return _error(503, "the assistant could not handle the message in time")
            except Exception:
                log.exception("Handling a message failed")
                return _error(503, "the assistant could not handle the message")
            if not collector.messages:
                # Every turn of this assistant answers; silence means an action failed.
                log.error("No reply was produced (action server down or failing?)")
                return _error(503, "the assistant produced no reply")
            for message in collector.messages:
                message["recipient_id"] = client_sender  # the client's own id, even when pseudonymised
            return response.json(collector.messages)

        return webhook

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> SafeRestInput:
        settings = load_settings()  # each key is derived from the master key inside these functions
        return cls(forget_token(settings.pseudonym_key), settings.pseudonym_key, sender_token(settings.pseudonym_key))
