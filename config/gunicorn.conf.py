"""gunicorn settings; every value can be overridden by the environment.

Worker class and count come from bench/gunicorn_workers.py (figures in bench/README.md):
reading a page is CPU-bound (no worker model helps; threads cost a little GIL contention),
while posting waits on PostgreSQL (lock, insert, commit), where gthread overlapped the waits:
103 posts/s against 77 for sync on 2 cores (mean of two runs), reading no slower. gthread also
keeps a worker answering while one thread waits on a slow query. Hence gthread, 2 workers per
core, 4 threads each.
"""

import multiprocessing
import os
import shutil
import tempfile


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Loopback unless told: a server reachable directly lets anyone skip the proxy (its limits, its
# X-Forwarded-For). Containers and hosts behind a proxy elsewhere set GUNICORN_BIND.
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = _env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "gthread"
threads = _env_int("GUNICORN_THREADS", 4)
# A worker silent for this long is killed and replaced (a stuck request, not a slow one:
# the statement timeout ends slow queries well before this).
timeout = _env_int("GUNICORN_TIMEOUT", 30)
# On SIGHUP/SIGTERM, workers finish the requests in hand for up to this long.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (memory growth), staggered so they do not all restart at once.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 5000)
# Trust X-Forwarded-* only from the proxy in front (nginx on the same host or network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# JSON access lines with duration_ms and the request id (config/gunicorn_logging.py);
# GUNICORN_LOG_FORMAT=plain keeps gunicorn's own format with the duration in microseconds.
if os.environ.get("GUNICORN_LOG_FORMAT", "json") == "json":
    logger_class = "config.gunicorn_logging.JsonAccessLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus %({x-request-id}o)s "%(a)s"'
# gunicorn >= 25.1 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
# several instances on one host would fight over it. Reloads go through signals (HUP) instead;
# GUNICORN_CONTROL_SOCKET=/path turns it on for this instance.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
# Temporary files on tmpfs where there is one: heartbeats never wait on a slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

# prometheus_client multiprocess mode: each worker writes its samples under this directory and
# /metrics adds them up. A fresh directory per server start, so old counters never leak in.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="threadline-metrics-")
    os.environ["THREADLINE_METRICS_DIR_IS_TEMPORARY"] = "1"  # survives a HUP reload of this file
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("THREADLINE_METRICS_DIR_IS_TEMPORARY"):
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def post_worker_init(worker):
    # Django, its URL conf, templates and caches are loaded now and live as long as the worker:
    # frozen, the cyclic garbage collector stops walking them at every full collection (pauses
    # of tens of milliseconds under load, seen as the p99 of bench/pages.py).
    import gc

    gc.freeze()
