"""Server log lines: one JSON object a line (the default, for log collectors) or plain text.

Fields a record carries through `extra=` (the call lines of knownparty.calls, for instance) become
keys of the JSON object, or `key=value` pairs after a text line's message.
"""

from __future__ import annotations

import json
import logging
import time

# Attributes every LogRecord has; the others came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def utc_time(record: logging.LogRecord) -> str:
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(record.created))}.{int(record.msecs):03d}Z"


def extra_fields(record: logging.LogRecord) -> dict:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": utc_time(record), "level": record.levelname, "logger": record.name, "message": record.getMessage()
        }
        line.update(extra_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        fields = extra_fields(record)
        return text + "".join(f" {k}={v}" for k, v in fields.items()) if fields else text


def configure_logging(level: str, log_format: str) -> None:
    """Root logging to stderr; like logging.basicConfig, does nothing when a handler is already set."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logging.basicConfig(level=level, handlers=[handler])
