"""Speed fixes for Rasa 3.6 itself, applied when any of our Rasa-side components is imported.

`RemoteAction._validate_action_result` calls `jsonschema.validate` on every action server reply.
That function checks the schema itself and builds a new validator each time: about 18 ms per
custom action on our machines, more than the whole NLU pipeline, and it made our p95 latency twice
that of the `rasa init` assistant (see scripts/bench.py). The schema is a constant, so we check it
once and reuse one validator. Behaviour is unchanged: a malformed reply still raises Rasa's
ValidationError with Rasa's message.
"""

from __future__ import annotations

from typing import Any, Dict

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR_CLASS = validator_for(_SCHEMA)
_VALIDATOR_CLASS.check_schema(_SCHEMA)
_VALIDATOR = _VALIDATOR_CLASS(_SCHEMA)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    # What jsonschema.validate does after its schema check: raise the most relevant error.
    error = best_match(_VALIDATOR.iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
