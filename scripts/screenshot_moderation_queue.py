"""Screenshot the moderation queue of a running Threadline with demo content.

    make setup                                   # demo content and the demo admin
    COMMENT_MIN_FILL_SECONDS=0 RATE_LIMITS_ENABLED=0 .venv/bin/gunicorn config.wsgi --bind 127.0.0.1:8400 &
    .venv/bin/python scripts/screenshot_moderation_queue.py --base-url http://127.0.0.1:8400

Everything goes through the site as readers and a moderator would use it: new guests post
(their first comments are held), three readers report one comment (it is hidden) and one
reports another; then the demo admin logs in, opens the queue (the moderation desk, issue 19) and
it is captured at 1280 px to docs/screenshots/moderation-queue.png.
"""

import argparse
import pathlib
import uuid

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parent.parent
SLUG = "harbour-district-goes-car-free"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
HELD = [
    ("Tomasz K.", "First time posting. The market traders have a point about the delivery window."),
    (
        "Deals Desk",
        "Parking solved! https://cheap-parking.example https://deals.example https://more.example",
    ),
    ("Angry Resident", "Everyone who voted for this is an idiot and should move to the suburbs."),
]


def post(page, url, name, body):
    page.goto(url)
    page.get_by_label("Comment", exact=True).fill(body)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.net")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()


def report(browser, base_url, pk, reason, text=""):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/comments/{pk}/report/")
    page.locator(f'input[name="reason"][value="{reason}"]').check()
    if text:
        page.get_by_label("Details").fill(text)
    page.get_by_role("button", name="Send report").click()
    page.wait_for_load_state()
    context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8400")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "moderation-queue.png"))
    args = parser.parse_args()
    password = (ROOT / "var" / "demo-admin-password").read_text().strip()
    url = f"{args.base_url}/articles/{SLUG}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        desk.goto(f"{args.base_url}/admin/")
        desk.get_by_label("Username").fill("admin")
        desk.get_by_label("Password").fill(password)
        desk.get_by_role("button", name="Log in").click()
        desk.goto(f"{args.base_url}/admin/comments/moderationterm/add/")  # a word to hold for review
        desk.get_by_label("Phrase").fill("idiot")
        desk.get_by_role("button", name="Save", exact=True).click()
        readers = browser.new_context()
        page = readers.new_page()
        for name, body in HELD:
            post(page, url, name, body)
            page.context.clear_cookies()  # a different reader each time
        page.goto(url)
        approved = page.locator("li.comment > article:has(.report-link)").evaluate_all(
            "els => els.map(el => el.parentElement.id.slice(8))"
        )
        for reason, text in [("abuse", ""), ("abuse", ""), ("other", "Goes after another reader by name")]:
            report(browser, args.base_url, approved[1], reason, text)
        report(browser, args.base_url, approved[3], "off-topic")
        desk.goto(f"{args.base_url}/admin/")
        desk.get_by_role("link", name="Open the queue").click()
        desk.wait_for_selector(".desk-item.is-current")  # the desk's script has focused the first
        desk.screenshot(path=args.out, full_page=True)
        print(f"Saved {args.out}")
        browser.close()


if __name__ == "__main__":
    main()
