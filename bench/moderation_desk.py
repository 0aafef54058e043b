"""Count what clearing a queue of 50 held comments costs a moderator at the desk (issue 19).

    .venv/bin/python bench/moderation_desk.py

A `threadline_desk_bench` database on the embedded server (or DATABASE_URL) is emptied and given
the queue of comments/held_queue.py (35 fine, 10 spam or abusive, 5 bad only given their parent),
as readers post them; gunicorn serves it with the production settings; headless Chromium, at
1280×900, starts logged in on the admin's home page and does what a careful moderator does:
opens the queue, reads each comment, decides it with one key. Every click, key and page load is
counted; before each decision the script checks that the comment's whole text and its parent's are
rendered (not folded, not cut) in the focused row. At the end the database must hold every decision.
"""

import argparse
import json
import sys
import tempfile
import time

from common import ROOT, Gunicorn, bench_database_url, manage, production_env

KEYS = {"approve": "a", "reject": "r", "spam": "s", "remove": "d"}
STATUS = {"approve": "approved", "reject": "rejected", "spam": "spam", "remove": "removed"}
PASSWORD = "bench-desk-password-19"
SET_UP = f"""
import json
from django.contrib.auth import get_user_model
from articles.models import Article
from comments.held_queue import build_held_queue
from django.utils import timezone
get_user_model().objects.create_superuser("deskbench", "desk@example.org", {PASSWORD!r})
article = Article.objects.create(
    title="Harbour district goes car-free", slug="harbour-district-goes-car-free", summary="s", body="b",
    status="published", published_at=timezone.now(),
)
held = build_held_queue(article)
print(json.dumps([
    {{"pk": h.comment.pk, "decision": h.decision, "kind": h.kind, "body": h.comment.body,
      "parent": h.comment.parent.body if h.comment.parent_id else None}}
    for h in held
]))
"""
STATUSES = """
import json
from comments.models import Comment
print(json.dumps(dict(Comment.objects.filter(pk__in={pks}).values_list("pk", "status"))))
"""


class Moderator:
    """A moderator's hands on a Playwright page: each click, key and page load counted."""

    def __init__(self, page):
        self.page = page
        self.clicks = self.keys = self.loads = 0
        page.on("load", self._loaded)

    def _loaded(self, _page):
        self.loads += 1

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def press(self, key: str):
        self.keys += 1
        self.page.keyboard.press(key)


def words(text: str) -> str:
    return " ".join(text.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8419)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    static_root = tempfile.mkdtemp(prefix="desk-bench-static-")
    env = production_env(bench_database_url("threadline_desk_bench"), STATIC_ROOT=static_root)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "flush", "--noinput")  # this bench's own database: a fresh queue each run
    manage(env, "collectstatic", "--noinput", "-v0")
    plan = json.loads(manage(env, "shell", "-c", SET_UP).strip().splitlines()[-1])
    assert len(plan) == 50, len(plan)

    with Gunicorn(env, args.port) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{server.url}/admin/login/?next=/admin/")
        page.get_by_label("Username").fill("deskbench")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{server.url}/admin/")

        # From here on, the moderator: counted.
        hands = Moderator(page)
        started = time.monotonic()
        hands.click(page.get_by_role("link", name="Open the queue"))
        page.wait_for_selector(".desk-item.is-current")
        unseen, taller = [], 0
        for item in plan:
            row = page.locator(f"#desk-{item['pk']}")
            focused = page.evaluate("document.activeElement.closest('.desk-item')?.dataset.pk")
            if focused != str(item["pk"]):
                raise SystemExit(f"focus on {focused}, expected {item['pk']}")
            shown = words(row.inner_text())  # rendered text only: a folded <details> would be missing
            if words(item["body"]) not in shown or (item["parent"] and words(item["parent"]) not in shown):
                unseen.append(item["pk"])
            taller += row.bounding_box()["height"] > 900
            hands.press(KEYS[item["decision"]])
        page.wait_for_selector("#desk-done:focus", timeout=30_000)
        # Focus moves on at each key; the decisions are saved behind it: wait for the last answer.
        expect(page.locator(".desk-item.is-decided")).to_have_count(len(plan), timeout=60_000)
        seconds = time.monotonic() - started
        errors = page.locator(".desk-outcome.desk-error").all_inner_texts()
        browser.close()

    landed = json.loads(
        manage(env, "shell", "-c", STATUSES.format(pks=[i["pk"] for i in plan])).splitlines()[-1]
    )
    wrong = [i["pk"] for i in plan if landed.get(str(i["pk"])) != STATUS[i["decision"]]]
    kinds = {kind: sum(i["kind"] == kind for i in plan) for kind in ("fine", "spam", "abusive", "in context")}
    long_ones = sum(len(i["body"]) > 240 for i in plan)
    print(f"Queue: {len(plan)} held comments {kinds}, {long_ones} longer than 240 characters")
    print(f"Clicks: {hands.clicks}  keys: {hands.keys}  actions: {hands.clicks + hands.keys}")
    print(f"Page loads: {hands.loads}")
    print(f"Comments whose whole text or parent was not shown: {len(unseen)} {unseen}")
    print(f"Rows taller than the 900 px window: {taller}")
    print(f"Decisions in the database as made: {len(plan) - len(wrong)}/{len(plan)} {wrong or ''}")
    print(f"Refusals shown on the desk: {len(errors)} {errors[:3]}")
    print(f"Wall time, queue opened to cleared: {seconds:.1f} s")
    sys.exit(1 if wrong or unseen else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
