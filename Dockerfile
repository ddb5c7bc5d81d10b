# supportbot: the chat service with its embedded defaults (SQLite and the starter model in /data).
# Configure with SUPPORTBOT_* environment variables, e.g. SUPPORTBOT_DATABASE_URL for PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SUPPORTBOT_DATA_DIR=/data \
    SUPPORTBOT_HOST=0.0.0.0 \
    SUPPORTBOT_PORT=8000

WORKDIR /app

# torch from the CPU wheel index keeps the image small; GPU users can swap the index.
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY frontend ./frontend
COPY prompts ./prompts
COPY training ./training
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu . \
    && groupadd --gid 10001 supportbot \
    && useradd --create-home --uid 10001 --gid 10001 supportbot \
    && mkdir /data \
    && chown supportbot:supportbot /data

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

# The first start builds the starter model into /data (several minutes), hence the long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20m --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["supportbot", "serve"]
