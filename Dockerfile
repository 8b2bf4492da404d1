# Hulpwijzer bot image. Build and run with `docker compose up -d` (see README, Deploy).
# No token or .env is baked in: configuration comes from the environment at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies come from pyproject.toml; the source is removed after installing, so the
# code that runs is the installed package.
COPY pyproject.toml README.md requirements.lock /src/
COPY bot /src/bot
RUN pip install --require-hashes -r /src/requirements.lock \
    && pip install --no-deps --no-build-isolation /src && rm -rf /src

# A system user without a login shell; /data belongs to it so a fresh named volume
# mounted there inherits that owner.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin hulpwijzer \
    && mkdir -p /app /data \
    && chown hulpwijzer:hulpwijzer /data

WORKDIR /app
# Default knowledge; docker-compose.yml mounts ./knowledge over it read-only.
COPY knowledge /app/knowledge

ENV BOT_KNOWLEDGE_DIR=/app/knowledge \
    BOT_DATA_DIR=/data \
    BOT_HEARTBEAT_FILE=/tmp/hulpwijzer-heartbeat \
    MPLCONFIGDIR=/tmp/matplotlib

USER hulpwijzer

# No network needed: the bot touches the heartbeat file every 30 s; older than 120 s is unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.heartbeat", "--check"]

# Exec form: python is the process that receives SIGTERM and shuts down cleanly.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "telegram"]
