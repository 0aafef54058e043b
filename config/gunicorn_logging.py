"""gunicorn's logs as JSON lines: the access log with the request's duration and id, and the
error log (worker boots, timeouts, signals) in the same shape as the application's lines."""

import json
import time
import traceback

from gunicorn.glogging import Logger

from config.jsonlog import JsonLineFormatter


class _JsonErrorFormatter(JsonLineFormatter):
    """gunicorn's error log (outside any request), with the process id."""

    def extra(self, record) -> dict:
        return {"pid": record.process}


class JsonAccessLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(_JsonErrorFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote": atoms["h"],
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR", ""),
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(str(atoms["s"])[:3] or 0),
            "bytes": atoms["B"] or 0,
            "duration_ms": round(atoms["D"] / 1000, 3),
            "request_id": atoms.get("{x-request-id}o", "-"),
            "user_agent": atoms["a"],
            "pid": atoms["p"].strip("<>"),
        }
        try:
            self.access_log.info(json.dumps(entry, ensure_ascii=False))
        except Exception:
            self.error(traceback.format_exc())
