# syntax=docker/dockerfile:1
# Our own services, exactly as requirements/app.lock pins them (rasa-sdk 3.6, python-telegram-bot
# 22, SQLAlchemy 2, Jinja2): one image, one target per process. The targets differ only in their
# default command and port. Build from the repository root:
#
#     docker build -f deploy/app.Dockerfile --target actions   -t umkm-assistant-actions .
#     docker build -f deploy/app.Dockerfile --target bot       -t umkm-assistant-bot .
#     docker build -f deploy/app.Dockerfile --target dashboard -t umkm-assistant-dashboard .
#     docker build -f deploy/app.Dockerfile --target migrate   -t umkm-assistant-migrate .
#
# Python 3.10, the minor scripts/find-python310 selects for .venv/app. Nothing secret is built in.
FROM python:3.10-slim-bookworm AS app

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    VAR_DIR=/app/var

RUN groupadd --system --gid 10001 assistant \
 && useradd --system --uid 10001 --gid assistant --home-dir /home/assistant --create-home \
      --shell /usr/sbin/nologin assistant

# The steps `make install` takes for .venv/app: the lock file, then our package with --no-deps.
RUN python -m venv /opt/venv \
 && pip install --upgrade "pip<26" setuptools wheel
COPY requirements/app.lock /tmp/app.lock
RUN pip install -r /tmp/app.lock && rm /tmp/app.lock

WORKDIR /app
COPY pyproject.toml ./
COPY assistant_core ./assistant_core
COPY bot ./bot
COPY actions ./actions
COPY dashboard ./dashboard
# Editable, like the Makefile: the dashboard templates and the Alembic migrations are read from
# next to the code, and content/ from /app/content (settings.ROOT is /app).
RUN pip install --no-deps -e . \
 && python -m compileall -q assistant_core bot actions dashboard \
 && mkdir var && chown assistant:assistant var
# Baked in, so an image is one known version of the answers; to try edits on a running stack,
# mount ../content over /app/content (the services re-read it when a file changes).
COPY content ./content
COPY --chmod=755 deploy/entrypoint.sh /usr/local/bin/assistant-entrypoint
COPY --chmod=755 deploy/healthcheck.py /usr/local/bin/assistant-healthcheck

USER 10001:10001
ENTRYPOINT ["assistant-entrypoint"]

# One-off: our asst_ tables to the latest revision, before the services start.
FROM app AS migrate
CMD ["migrate"]

# The action server Rasa calls (GET /health, POST /webhook).
FROM app AS actions
EXPOSE 5055
CMD ["actions"]

# The Telegram bot; with TELEGRAM_WEBHOOK_URL set it serves the webhook on WEBHOOK_PORT.
FROM app AS bot
EXPOSE 8443
CMD ["bot"]

# The metrics dashboard for program staff (login page /masuk).
FROM app AS dashboard
EXPOSE 8050
CMD ["dashboard"]
