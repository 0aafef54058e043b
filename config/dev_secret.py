"""A SECRET_KEY for development: random, made once per checkout under var/, never committed.

A key published in the repository let anyone forge the signed cookies (a guest's ownership of
comments, sessions) of any demo left reachable; this one is this checkout's alone.
"""

import os
import secrets
from pathlib import Path


def development_secret(var_dir: Path) -> str:
    """The checkout's key from var/dev-secret-key, created (0600) on first use."""
    path = var_dir / "dev-secret-key"
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        key = secrets.token_urlsafe(50)
        file.write(key + "\n")
    return key
