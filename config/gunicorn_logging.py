"""gunicorn's access log as one JSON object a line, with the request's duration and id."""

import json
import traceback

from gunicorn.glogging import Logger


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        entry = {
            "time": atoms["t"].strip("[]"),
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
