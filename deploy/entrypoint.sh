#!/bin/sh
# Entry point of both images (deploy/rasa.Dockerfile, deploy/app.Dockerfile): `rasa`, `actions`,
# `bot`, `dashboard` or `migrate` starts that process; anything else is run as given. Each server
# replaces this shell (exec), so it receives `docker stop`'s SIGTERM itself.
set -eu

require_key() {
  # Every process derives the same pseudonyms and the forget token from this key; a container
  # that made up its own would silently split conversations and break /hapusdata.
  if [ -z "${PSEUDONYM_KEY:-}" ]; then
    echo "PSEUDONYM_KEY is not set: give every container the same key (at least 16 characters)" >&2
    exit 64
  fi
}

command="${1:-}"
case "$command" in
  rasa)
    shift
    require_key
    # Rasa fails on unset ${VAR}s in endpoints.yml, so the file is written from the settings
    # (DATABASE_URL, REDIS_URL, ACTION_URL) at every start, as `make run` does.
    endpoints=$(python -c 'from assistant_core.endpoints import write_endpoints
from assistant_core.settings import load_settings
print(write_endpoints(load_settings()))')
    # The model comes from `make train` (MODEL_NAME in supervisor/stack.py), copied by the
    # Dockerfile; credentials.yml names our REST channel. Our launcher, not the `rasa` script, as in
    # stack.py: with RASA_API_TOKEN set it turns on Rasa's HTTP API (every conversation) behind that
    # token without putting it on the command line, which the host can read (ps); without, it is off.
    exec python -m rasa_components.launch run --model /app/models/assistant.tar.gz --endpoints "$endpoints" \
      --credentials /app/credentials.yml --interface "${BIND_HOST:-127.0.0.1}" --port "${RASA_PORT:-5005}" "$@"
    ;;
  actions)
    shift
    require_key
    # rasa-sdk takes its listen address from SANIC_HOST (default 0.0.0.0); ours follows BIND_HOST
    # like every other server, as in stack.py.
    SANIC_HOST="${BIND_HOST:-127.0.0.1}"
    export SANIC_HOST
    exec python -m rasa_sdk --actions actions --port "${ACTION_PORT:-5055}" "$@"
    ;;
  bot)
    shift
    require_key
    exec python -m bot "$@"
    ;;
  dashboard)
    shift
    require_key
    exec python -m dashboard "$@"
    ;;
  migrate)
    shift
    # Brings our asst_ tables to the latest Alembic revision once, before the services start,
    # so replicas starting together never run the same migration concurrently.
    exec python -c 'from assistant_core.db import create_tables, make_engine
from assistant_core.settings import load_settings
create_tables(make_engine(load_settings().database_url))
print("asst_ tables are at the latest revision")'
    ;;
  "")
    echo "usage: assistant-entrypoint rasa|actions|bot|dashboard|migrate [arguments] | command ..." >&2
    exit 64
    ;;
  *)
    exec "$@"
    ;;
esac
