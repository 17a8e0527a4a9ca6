"""Rasa's launcher takes the API token from the environment, never from its command line (issue 20
point 10; tests/e2e/test_command_lines.py checks the running processes)."""

from __future__ import annotations

import json

from tests.core.rasa_env import needs_rasa, result, start

RUN = ["run", "--model", "m.tar.gz", "--port", "5005"]
SCRIPT = """
import json, sys
from rasa_components.launch import TokenOnCommandLine, rasa_arguments
out = []
for argv, environ in json.loads(sys.argv[1]):
    try:
        out.append(rasa_arguments(argv, environ))
    except TokenOnCommandLine:
        out.append("refused")
print("RESULT " + json.dumps(out))
"""


@needs_rasa
def test_the_token_comes_from_the_environment_and_never_as_an_argument() -> None:
    cases = [
        (RUN, {"RASA_API_TOKEN": " s3cret "}),
        (RUN, {}),
        (RUN, {"RASA_API_TOKEN": "  "}),
        ([*RUN, "--auth-token", "x"], {}),
        ([*RUN, "-t", "x"], {"RASA_API_TOKEN": "s3cret"}),
        ([*RUN, "--auth-token=x"], {}),
    ]
    assert result(start(SCRIPT, json.dumps(cases)), 60) == [
        [*RUN, "--enable-api", "--auth-token", "s3cret"],  # a token turns the API on behind it
        RUN,  # without one the API stays off
        RUN,
        "refused",  # a launcher that passes the token as an argument after all is stopped
        "refused",
        "refused",
    ]
