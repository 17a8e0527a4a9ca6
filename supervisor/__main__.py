"""`python -m supervisor run|serve|cluster|nginx`: the commands behind make run, serve and cluster.

run      actions, Rasa and the bot (Telegram with TELEGRAM_BOT_TOKEN, else a local chat)
serve    actions and Rasa only
cluster  nginx, several Rasa and action servers on PostgreSQL and Redis, the bot (--help)
nginx    write deploy/nginx.conf from the template, with the compose parameters
"""

from __future__ import annotations

import sys

from assistant_core.settings import SettingsError, apply_dotenv


def main(argv: list[str]) -> int:
    # `.env` first: `cluster` reads the environment before its settings, and every server started
    # from here inherits the result (and the marker, so none of them reads the file again).
    try:
        apply_dotenv()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command in {"run", "serve"} and not rest:
        from supervisor.stack import main as stack_main

        return stack_main(command)
    if command == "cluster":
        from supervisor.cluster import main as cluster_main

        return cluster_main(rest)
    if command == "nginx" and not rest:
        from supervisor.nginx import write_deploy_conf

        print(f"wrote {write_deploy_conf()}", file=sys.stderr)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


sys.exit(main(sys.argv[1:]))
