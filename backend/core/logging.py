"""Structured logs: one JSON object a line, with the request's id, secrets and personal data masked.

`configure_logging(level)` sets up this process; `logging_config(level)` is the same setup as a
dictConfig for uvicorn (`log_config=`), so that its access and error logs are JSON lines too.
"""

import json
import logging
import logging.config
import re
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prompts.redaction import redact_pii

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

SECRET = "[secret]"
_SECRET_PATTERNS = [
    # Our API keys: "sbc_" (programs) and "sbk_" (agents) followed by token_urlsafe(32).
    (re.compile(r"\b(sb[a-z]_)[A-Za-z0-9_-]{8,}"), rf"\1{SECRET}"),
    # "Authorization: Bearer x", "Authorization: Basic x", "'authorization': 'x'".
    (
        re.compile(
            r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token)\s+)?)[^\s\"',;&]+"
        ),
        rf"\1{SECRET}",
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{SECRET}"),
    (
        re.compile(
            r"(?i)\b((?:x-conversation-token|conversation_token|api[_-]?key|access_token|token"
            r"|secret|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]+"
        ),
        rf"\1{SECRET}",
    ),
    # A conversation token (token_urlsafe(32)) wherever it appears without a label.
    (re.compile(r"(?<![\w-])[A-Za-z0-9_-]{43}(?![\w-])"), SECRET),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with keys, tokens, the given secret values and personal data masked."""
    for secret in secrets:
        text = text.replace(secret, SECRET)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return redact_pii(text)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:  # `extra` may name it explicitly
            record.request_id = REQUEST_ID.get()
        return True


class RedactionFilter(logging.Filter):
    """Masks secrets and personal data in the message, the traceback and the stack."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: log them anyway
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters reuse exc_text rather than render exc_info again.
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id, and exception or stack when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII escapes keep one object on one line whatever the text (U+2028 included).
        return json.dumps(entry, default=str)


def logging_config(level: str = "info", secrets: Iterable[str] = ()) -> dict[str, Any]:
    """A dictConfig: every logger, uvicorn's included, writes JSON lines to stderr at `level`."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": f"{__name__}.RequestIdFilter"},
            "redact": {"()": f"{__name__}.RedactionFilter", "secrets": list(secrets)},
        },
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["request_id", "redact"],
            }
        },
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
        "root": {"handlers": ["json"], "level": level},
    }


def configure_logging(level: str = "info", secrets: Iterable[str] = ()) -> None:
    """Send this process's logs to stderr as JSON lines (see `logging_config`)."""
    logging.config.dictConfig(logging_config(level, secrets))
