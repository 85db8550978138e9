# berdaya-bot in a container: `docker build -t berdaya-bot .` then the `docker run` line in the
# README ("Docker"). Settings come from --env-file; the database lives on the /data volume.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/bot.sqlite3 \
    MPLCONFIGDIR=/tmp/matplotlib

# A user of its own: the bot never needs root.
RUN useradd --create-home --uid 10001 berdaya && mkdir /data && chown berdaya /data
WORKDIR /app

# Dependencies first, so changing the code does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY conversations conversations
COPY locales locales
RUN pip install -e . && pybabel -q compile -d locales -D messages

USER berdaya
VOLUME ["/data"]
# Webhook mode listens here (WEBHOOK_LISTEN=0.0.0.0 in a container); polling needs no port.
EXPOSE 8080
# The bot stops within 8 seconds of SIGTERM (docker waits 10 before killing).
STOPSIGNAL SIGTERM
# Settings, database and Telegram all right (exit status 0), every five minutes.
HEALTHCHECK --interval=5m --timeout=30s --start-period=30s CMD ["python", "-m", "bot", "check"]
CMD ["python", "-m", "bot"]
