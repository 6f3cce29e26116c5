# One container: the bot holds an outbound Socket Mode websocket to Slack and serves the
# incident docs on HTTP_PORT inside your network. No inbound access from Slack is needed.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md alembic.ini manifest.json ./
COPY src ./src
COPY migrations ./migrations
RUN pip install . \
    && useradd --create-home --uid 10001 response \
    && mkdir /data \
    && chown response /data

USER response
WORKDIR /data
# The embedded SQLite default lives on the /data volume; set DATABASE_URL for Postgres.
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000 \
    DATABASE_URL=sqlite:////data/response.db
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "response_bot.healthcheck"]

CMD ["response-bot", "run"]
