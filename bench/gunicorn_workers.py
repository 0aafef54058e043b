"""Compare gunicorn worker classes and counts on the article page and the posting path.

    python bench/gunicorn_workers.py --slug SLUG [--big-slug SLUG] [--post-slug SLUG] [--seconds 8]

For each configuration (sync and gthread, a few counts) it starts gunicorn with
config/gunicorn.conf.py in production mode on 127.0.0.1:8700, loads it with wrk for a
bounded time (GET the article page, then POST a guest comment to --post-slug), stops it
and prints one Markdown table row per run: throughput and latency from wrk, the CPU time
gunicorn's processes spent per request (less sensitive than throughput to other jobs on a
shared machine), and the load average (compare rows of one run only).

Uses DATABASE_URL when set, else the embedded PostgreSQL; installs Debian's wrk when it is
missing. Posting writes real comments into --post-slug's discussion.
"""

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import common  # bench/common.py: the benches share one environment

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONFIGS = [
    ("sync", 2, 1),
    ("sync", 4, 1),
    ("gthread", 2, 4),
    ("gthread", 4, 4),
]
POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken={token}"
counter = 0
-- A new author and text every time (a run id, then a random number per wrk thread and a
-- counter): the same author and text again would be refused as a duplicate (409).
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  prefix = "{run}-" .. math.random(1000000000)
end
request = function()
  counter = counter + 1
  local id = prefix .. "-" .. counter
  local body = "csrfmiddlewaretoken={token}&name=Bench&email=bench" .. id ..
    "%40example.org&parent=&body=Benchmark+comment+" .. id
  return wrk.format(nil, nil, nil, body)
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing Debian's package…", file=sys.stderr)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from config import embedded_db

    return embedded_db.start()


def production_env(db_url: str, static_root: str, port: int) -> dict:
    return common.production_env(
        db_url, ALLOWED_HOSTS="127.0.0.1", STATIC_ROOT=static_root, GUNICORN_BIND=f"127.0.0.1:{port}"
    )


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {url} in {seconds} s")


def run_wrk(wrk: str, url: str, *, seconds: int, connections: int, script: str | None) -> dict:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "bad": int(errors.group(1)) if errors else 0,
        "socket": socket_errors.group(1).strip() if socket_errors else "",
    }


def _latency(output: str, percentile: str) -> str:
    match = re.search(rf"^\s+{re.escape(percentile)}\s+(\S+)", output, re.M)
    return match.group(1) if match else "?"


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the live processes of one process group."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slug", required=True, help="article page to read")
    parser.add_argument("--big-slug", help="also read this (large) discussion's page")
    parser.add_argument("--post-slug", help="article to post to (default: --slug)")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run (bounded: max 30)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="run the configurations forwards, then backwards, ... (load drift)",
    )
    args = parser.parse_args()
    # A stopped bench stops its gunicorn too (the finally below runs on SIGTERM).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    seconds = min(args.seconds, 30)
    wrk = ensure_wrk()
    db_url = database_url()
    post_slug = args.post_slug or args.slug

    with tempfile.TemporaryDirectory(prefix="threadline-bench-") as tmp:
        static_root = os.path.join(tmp, "static")
        env = production_env(db_url, static_root, args.port)
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        post_script = os.path.join(tmp, "post.lua")
        token = secrets.token_hex(16)
        base = f"http://127.0.0.1:{args.port}"
        print(f"wrk -t2 -c{args.connections} -d{seconds}s; cores: {os.cpu_count()}; load before: {load()}\n")
        print("| workers | path | req/s | p50 | p99 | CPU ms/req | non-2xx/3xx | load after |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        order = [
            config
            for n in range(max(1, min(args.rounds, 4)))
            for config in CONFIGS[:: 1 if n % 2 == 0 else -1]
        ]
        for worker_class, workers, threads in order:
            run_env = {
                **env,
                "GUNICORN_WORKER_CLASS": worker_class,
                "WEB_CONCURRENCY": str(workers),
                "GUNICORN_THREADS": str(threads),
            }
            server = subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn.conf.py"],
                cwd=ROOT,
                env=run_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                wait_until_up(f"{base}/healthz", server)
                # The comment form's signed time stamp (a bot trap): taken from the real form page.
                page = urllib.request.urlopen(f"{base}/articles/{post_slug}/", timeout=30).read().decode()
                stamp = re.search(r'name="form_stamp" value="([^"]+)"', page).group(1)
                Path(post_script).write_text(
                    POST_SCRIPT.format(token=token, run=secrets.token_hex(4)).replace(
                        "&parent=", f"&form_stamp={quote(stamp)}&parent="
                    )
                )
                label = f"{worker_class} {workers}" + (
                    f"×{threads} threads" if worker_class == "gthread" else ""
                )
                paths = [("GET article", f"{base}/articles/{args.slug}/", None)]
                if args.big_slug:
                    paths.append(("GET big article", f"{base}/articles/{args.big_slug}/", None))
                paths.append(("POST comment", f"{base}/comments/post/{post_slug}/", post_script))
                for path, url, script in paths:
                    run_wrk(wrk, url, seconds=2, connections=args.connections, script=script)  # warm-up
                    # Let requests queued by the warm-up drain before the measured run starts.
                    wait_until_up(f"{base}/healthz", server)
                    time.sleep(1)
                    cpu_before = group_cpu_seconds(server.pid)
                    result = run_wrk(wrk, url, seconds=seconds, connections=args.connections, script=script)
                    cpu = group_cpu_seconds(server.pid) - cpu_before
                    requests = result["rps"] * seconds
                    cpu_ms = f"{cpu * 1000 / requests:.1f}" if requests else "-"
                    print(
                        f"| {label} | {path} | {result['rps']:.1f} | {result['p50']} | {result['p99']} "
                        f"| {cpu_ms} | {result['bad']} | {load()} |",
                        flush=True,
                    )
            finally:
                server.terminate()  # the master stops its workers gracefully
                server.wait(timeout=40)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)  # stragglers of this run's process group
    return 0


if __name__ == "__main__":
    sys.exit(main())
