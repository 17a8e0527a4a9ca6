# syntax=docker/dockerfile:1
# The Rasa server: Rasa 3.6.21 exactly as requirements/rasa.lock pins it, our Rasa-side
# components (rasa_components/ and the dependency-free modules of assistant_core/ they import),
# and the trained model. Build from the repository root AFTER `make train`, which writes
# var/models/assistant.tar.gz (the build fails without it):
#
#     make train
#     docker build -f deploy/rasa.Dockerfile -t umkm-assistant-rasa .
#
# Python 3.10, the minor scripts/find-python310 selects for .venv/rasa (Rasa 3.6 cannot install on
# 3.11). Nothing secret is built in: settings come from the environment at start.
FROM python:3.10-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    VAR_DIR=/app/var \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2

RUN groupadd --system --gid 10001 assistant \
 && useradd --system --uid 10001 --gid assistant --home-dir /home/assistant --create-home \
      --shell /usr/sbin/nologin assistant

# The steps `make install` takes for .venv/rasa: the lock file, then our package with --no-deps so
# Rasa's own pins (SQLAlchemy < 1.5, pydantic < 1.10.10) stay exactly as locked.
RUN python -m venv /opt/venv \
 && pip install --upgrade "pip<26" setuptools wheel
COPY requirements/rasa.lock /tmp/rasa.lock
RUN pip install -r /tmp/rasa.lock && rm /tmp/rasa.lock

WORKDIR /app
COPY pyproject.toml ./
COPY assistant_core ./assistant_core
COPY rasa_components ./rasa_components
# Editable, like the Makefile: assistant_core finds its data next to its code, and /app is the root.
RUN pip install --no-deps -e . \
 && python -m compileall -q assistant_core rasa_components \
 && mkdir var && chown assistant:assistant var

# Read at start: the channel list, and the slang lexicon the normaliser loads with the model
# (config.yml names it relative to the working directory). Both from the checkout that trained it.
COPY credentials.yml ./
COPY content/lexicon.yml ./content/lexicon.yml
# Written by `make train` before `docker build` (MODEL_NAME in supervisor/stack.py).
COPY var/models/assistant.tar.gz ./models/assistant.tar.gz
COPY --chmod=755 deploy/entrypoint.sh /usr/local/bin/assistant-entrypoint
COPY --chmod=755 deploy/healthcheck.py /usr/local/bin/assistant-healthcheck

USER 10001:10001
EXPOSE 5005
# Writes the endpoints file from DATABASE_URL, REDIS_URL and ACTION_URL, then runs `rasa run`.
ENTRYPOINT ["assistant-entrypoint"]
CMD ["rasa"]
