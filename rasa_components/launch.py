"""`rasa run` without the API token on its command line.

Any user of the machine can read every process's command line (`ps`, /proc/<pid>/cmdline), and
a container's processes are visible from its host the same way, so `rasa run --auth-token <token>`
hands Rasa's HTTP API (every conversation, readable and writable) to anyone logged in. Our
launchers (supervisor/stack.py, deploy/entrypoint.sh) start this module instead of the `rasa`
script:

    RASA_API_TOKEN=... python -m rasa_components.launch run --model ... --port 5005

When RASA_API_TOKEN is set it adds `--enable-api --auth-token <token>` to the arguments inside
this process, where only Rasa's argument parser reads them; the kernel's copy of the command
line, which is what others see, stays as it was started. Without the token the API stays off.
The Redis and PostgreSQL passwords never reach a command line either: they are in the endpoints
file (assistant_core/endpoints.py writes it with mode 0600).
"""

from __future__ import annotations

import os
import sys
from typing import List, Mapping

TOKEN_VARIABLE = "RASA_API_TOKEN"  # noqa: S105 (the variable's name, not a secret)
TOKEN_OPTIONS = ("-t", "--auth-token")


class TokenOnCommandLine(SystemExit):
    """A launcher passed the token as an argument after all: refuse rather than run with it exposed."""


def rasa_arguments(argv: List[str], environ: Mapping[str, str]) -> List[str]:
    """Rasa's arguments: `argv` as given, then the API and its token when the environment holds one."""
    if any(arg in TOKEN_OPTIONS or arg.startswith("--auth-token=") for arg in argv):
        raise TokenOnCommandLine(f"pass the API token in {TOKEN_VARIABLE}, not as {'/'.join(TOKEN_OPTIONS)}")
    token = environ.get(TOKEN_VARIABLE, "").strip()
    return [*argv, "--enable-api", "--auth-token", token] if token else list(argv)


def main() -> None:
    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ)]
    # Nothing Rasa starts needs it; its own copy is in the parsed arguments.
    os.environ.pop(TOKEN_VARIABLE, None)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
