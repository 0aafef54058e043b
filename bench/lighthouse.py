"""Lighthouse on a 300-comment article served like production: `make lighthouse` (or --help).

Builds (once) an article with a 300-comment generated discussion in the bench database,
collects the static files and serves it with gunicorn and the production settings (DEBUG
off, hashed and compressed static files), then runs Lighthouse (pinned in package.json,
node_modules/.bin/lighthouse) with Debian's headless Chromium against it: mobile form factor
and Lighthouse's default simulated throttling (a mid-range phone: 4x slower CPU, slow 4G).
Every other host is unreachable from that Chromium (--host-resolver-rules). Prints a Markdown
table of each run and the median (paste it into bench/README.md).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, Gunicorn, bench_database_url, manage, production_env  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = " ".join(
    [
        "--headless=new",
        "--no-sandbox",  # as root in a container
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # nothing leaves the machine
        "--disable-background-networking",
        "--disable-component-update",
    ]
)
METRICS = {
    "first-contentful-paint": ("FCP", 1000, "s"),
    "largest-contentful-paint": ("LCP", 1000, "s"),
    "total-blocking-time": ("TBT", 1, "ms"),
    "cumulative-layout-shift": ("CLS", 1, ""),
    "speed-index": ("SI", 1000, "s"),
}


def prepare(env: dict, comments: int) -> str:
    """The bench article's slug, with exactly `comments` generated comments."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    script = f"""
from django.utils import timezone
from articles.models import Article
from comments.generator import generate_discussion
slug = "lighthouse-{comments}"
article = Article.objects.filter(slug=slug).first()
if article is None or article.comments.count() != {comments}:
    if article:
        article.delete()
    article = Article.objects.create(
        slug=slug, title="Why the night train came back", status="published", published_at=timezone.now(),
        summary="Sleeper trains return to European timetables.",
        body="Sleeper trains are back.\\n\\n" + "A paragraph of the article, long enough to read. " * 40)
    generate_discussion(article, comments={comments}, seed=17)
print(slug)
"""
    return manage(env, "shell", "-c", script).strip().splitlines()[-1]


def run_lighthouse(url: str, out: Path, attempts: int = 3) -> dict:
    env = {**os.environ, "CHROME_PATH": shutil.which("chromium") or "/usr/bin/chromium"}
    for attempt in range(1, attempts + 1):
        # Lighthouse now and then loses its trace on a busy machine (NO_NAVSTART): run it again.
        result = subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
             "--only-categories=performance,accessibility,best-practices,seo",
             "--form-factor=mobile", f"--chrome-flags={CHROME_FLAGS}"],
            env=env, timeout=240, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if result.returncode == 0:
            break
        print(f"lighthouse failed (attempt {attempt}): {result.stderr.strip()[-300:]}", file=sys.stderr)
    else:
        raise SystemExit("lighthouse failed every attempt")
    report = json.loads(out.read_text())
    audits = report["audits"]
    row = {name: round(cat["score"] * 100) for name, cat in report["categories"].items()}
    for audit, (label, divisor, _) in METRICS.items():
        row[label] = audits[audit]["numericValue"] / divisor
    row["DOM elements"] = int(audits["dom-size"]["numericValue"])
    breakdown = audits["mainthread-work-breakdown"]["details"]["items"]
    work = {item["group"]: item["duration"] for item in breakdown}
    row["style+layout ms"] = round(work.get("styleLayout", 0))
    return row


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--save", type=Path, help="keep each run's JSON report in this directory")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `npm ci` (make lighthouse does)")
    env = production_env(bench_database_url())
    print(f"Preparing a {args.comments}-comment article …", file=sys.stderr)
    slug = prepare(env, args.comments)
    rows = []
    with Gunicorn(env, args.port) as server, tempfile.TemporaryDirectory() as tmp:
        url = f"{server.url}/articles/{slug}/"
        reports = args.save or Path(tmp)
        reports.mkdir(parents=True, exist_ok=True)
        for run in range(args.runs):
            started = time.monotonic()
            rows.append(run_lighthouse(url, reports / f"lighthouse-{run + 1}.json"))
            print(f"run {run + 1}: {rows[-1]} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    columns = ["performance", "accessibility", "best-practices", "seo", *[m[0] for m in METRICS.values()],
               "DOM elements", "style+layout ms"]  # fmt: skip
    print(f"Lighthouse {lighthouse_version()}, {url}, mobile, simulated throttling\n")
    print("| run | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for number, row in enumerate(rows, 1):
        print(f"| {number} | " + " | ".join(fmt(row[c]) for c in columns) + " |")
    print("| median | " + " | ".join(fmt(statistics.median(r[c] for r in rows)) for c in columns) + " |")
    return 0


def fmt(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def lighthouse_version() -> str:
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text())["version"]


if __name__ == "__main__":
    sys.exit(main())
