"""Wait until a URL answers (any HTTP status), at most --timeout seconds; exit 1 if it never does.

`make run` prints "Serving…" only after this returns, so the message is true when it appears.
"""

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True  # the site answered, if only with a 503 while the database wakes
    except OSError:
        return False
    return True


def alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--pid", type=int, help="give up at once if this process (the server) exits")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and alive(args.pid):
        if answers(args.url):
            return 0
        time.sleep(0.2)
    print(f"{args.url} did not answer", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
