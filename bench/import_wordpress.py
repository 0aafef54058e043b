"""Import a generated WordPress export of 100,000 comments: time and peak memory (issue 18).

    DEBUG=1 .venv/bin/python bench/import_wordpress.py --comments 100000 --posts 500

Writes the WXR to var/bench/, imports it into a fresh bench database with
`manage.py import_wordpress`, then runs it again (expected: "0 new") and `check_comment_trees`.
Peak memory is sampled from /proc every 0.1 s: the import's main process, and the sum over it
and its rendering workers (shared pages counted in each, so an upper bound).
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT, bench_database_url, manage, production_env  # noqa: E402

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench</title><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>ed</wp:author_login>
<wp:author_display_name>The Editor</wp:author_display_name></wp:author>
"""
WORDS = (
    "the train night station ticket council budget people town river bridge ferry bus route "
    "think agree point article figures cost years route service late early winter summer"
).split()
STATUSES = ["1"] * 90 + ["0"] * 4 + ["spam"] * 4 + ["trash", "post-trashed"]


def comment_text(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        paragraphs.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60))).capitalize() + ".")
    text = "\n\n".join(paragraphs)
    if rng.random() < 0.15:  # some readers used markup
        text += ' See <a href="https://example.org/report">the <em>report</em></a>.'
    return text


def generate(path: Path, *, comments: int, posts: int, seed: int) -> None:
    rng = random.Random(seed)
    per_post = comments // posts
    next_id = 1000
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for post in range(1, posts + 1):
            out.write(
                f"<item><title>Post {post}</title><link>https://old.example.org/{post}/post-{post}/</link>"
                "<dc:creator>ed</dc:creator>"
                f"<content:encoded><![CDATA[<p>Body of post {post}.</p>]]></content:encoded>"
                f"<wp:post_id>{post}</wp:post_id><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt>"
                f"<wp:post_name>post-{post}</wp:post_name><wp:status>publish</wp:status>"
                "<wp:post_type>post</wp:post_type>\n"
            )
            ids: list[tuple[int, int]] = []  # (id, depth)
            for n in range(per_post + (comments % posts if post == posts else 0)):
                next_id += 1
                parent, depth = 0, 0
                if ids and rng.random() > 0.2:
                    parent, parent_depth = rng.choice(ids[-60:])
                    depth = parent_depth + 1
                    if depth > 7:
                        parent, depth = 0, 0
                ids.append((next_id, depth))
                out.write(
                    f"<wp:comment><wp:comment_id>{next_id}</wp:comment_id>"
                    f"<wp:comment_author>Reader {rng.randint(1, 5000)}</wp:comment_author>"
                    f"<wp:comment_author_email>reader{n}@example.org</wp:comment_author_email>"
                    f"<wp:comment_author_IP>192.0.2.{rng.randint(1, 254)}</wp:comment_author_IP>"
                    f"<wp:comment_date_gmt>2020-01-{1 + n // 2000 % 28:02d} "
                    f"{n // 60 % 24:02d}:{n % 60:02d}:00</wp:comment_date_gmt>"
                    f"<wp:comment_content>{escape(comment_text(rng))}</wp:comment_content>"
                    f"<wp:comment_approved>{rng.choice(STATUSES)}</wp:comment_approved>"
                    f"<wp:comment_type>comment</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent>"
                    "</wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel></rss>\n")


def _rss_mb(pid: int, *, children: bool = True) -> float:
    """Resident memory of the process (and its children: the rendering workers), in MB."""
    total = 0.0
    try:
        with open(f"/proc/{pid}/status") as status:
            total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
        if children:
            with open(f"/proc/{pid}/task/{pid}/children") as found:
                total += sum(_rss_mb(int(child)) for child in found.read().split())
    except (OSError, StopIteration, ValueError):
        pass
    return total


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of the process itself so far (not its children)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def timed_import(env: dict, path: Path) -> tuple[float, float, float, float, float, str]:
    """Wall seconds, CPU seconds (workers included), the main process's own CPU seconds, peak RSS of
    the main process and of the whole process tree (MB, sampled every 0.1 s), and the output of one
    import_wordpress run."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    start = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, "manage.py", "import_wordpress", str(path)], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    peak = tree_peak = main_cpu = 0.0
    while process.poll() is None:
        peak = max(peak, _rss_mb(process.pid, children=False))
        tree_peak = max(tree_peak, _rss_mb(process.pid))
        main_cpu = _cpu_seconds(process.pid) or main_cpu
        time.sleep(0.1)
    stdout, stderr = process.communicate()
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"import failed:\n{stdout}\n{stderr}")
    return seconds, usage.ru_utime + usage.ru_stime - cpu, main_cpu, peak, tree_peak, stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"wxr-{args.comments}-{args.posts}.xml"
    generate(path, comments=args.comments, posts=args.posts, seed=args.seed)
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB, {args.comments} comments in {args.posts} posts")
    env = production_env(bench_database_url("threadline_bench_import"))
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", "from articles.models import Article; Article.objects.all().delete()")
    load = os.getloadavg()[0]
    seconds, cpu, main_cpu, peak, tree_peak, output = timed_import(env, path)
    print(output.strip())
    print(
        f"first import: {seconds:.1f} s wall, {cpu:.1f} s CPU ({main_cpu:.1f} s of it in the main process), "
        f"peak RSS {peak:.0f} MB (main process), {tree_peak:.0f} MB (with its workers); "
        f"load average before: {load:.1f}"
    )
    seconds, cpu, _, _, _, output = timed_import(env, path)
    print(output.strip().splitlines()[1])
    print(f"re-run: {seconds:.1f} s wall, {cpu:.1f} s CPU")
    print(manage(env, "check_comment_trees").strip())


if __name__ == "__main__":
    main()
