"""Log records as JSON lines, one shape for the application's and gunicorn's own (no Django here:
gunicorn's master loads it)."""

import json
import logging
import time


class JsonLineFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id (and the traceback)."""

    converter = time.gmtime

    def request_id(self, record) -> str:
        return "-"  # outside any request

    def extra(self, record) -> dict:
        return {}

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": self.request_id(record),
            **self.extra(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
