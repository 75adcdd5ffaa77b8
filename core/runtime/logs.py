"""Logging for the service: plain or JSON lines, never with secrets."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from baton_itsm.core.masking import Masker


class RedactSecrets(logging.Filter):
    """Masks, in every log record and its traceback, URL credentials and the value of every secret environment
    variable: named like a secret, or named by the deployment (`secret_names`, its *_env keys)."""

    def __init__(self, secret_names: Iterable[str] = ()) -> None:
        super().__init__()
        self.mask = Masker.from_environment(os.environ, secret_names)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.mask(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        record.msg, record.args = message, ()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry)


def configure_logging(fmt: str = "text", level: str = "INFO", secret_names: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets(secret_names))
    handler.setFormatter(
        JsonLines() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
