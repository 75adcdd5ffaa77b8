"""Logging for the service: plain or JSON lines, never with secrets."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

SECRET_ENV_MARKERS = ("PASSWORD", "SECRET", "TOKEN", "API_KEY", "DATABASE_URL")


class RedactSecrets(logging.Filter):
    """Replaces the value of every secret-looking environment variable in a log record with ***."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets = sorted({v for k, v in os.environ.items()
                               if any(m in k.upper() for m in SECRET_ENV_MARKERS) and len(v) >= 4},
                              key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "***")
        record.msg, record.args = message, ()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": datetime.fromtimestamp(record.created, UTC).isoformat(), "level": record.levelname.lower(),
                 "logger": record.name, "message": record.getMessage(), "thread": record.threadName}
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry)


def configure_logging(fmt: str = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
