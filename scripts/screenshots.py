"""Screenshots of the running site for the README: `make screenshots` (or run against any URL).

    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8000 --out docs/screenshots

Takes the home page and an article with a deep discussion on a desktop and on a 360 px phone,
in light mode (plus the article in dark mode). Only the given base URL is contacted.
"""

import argparse
import os
import sys
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def shrink(path: Path) -> None:
    """A 128-colour palette keeps text sharp at a quarter of the size (the README stays light)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--article", default="harbour-district-goes-car-free", help="slug of a discussed article"
    )
    parser.add_argument(
        "--deep-article", default="why-the-night-train-came-back", help="slug, deeper threads"
    )
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--full-page-height", type=int, default=1800, help="crop long pages to this height")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    base = options.base_url.rstrip("/")
    article = f"{base}/articles/{options.article}/"
    shots = [
        ("home-desktop", f"{base}/", DESKTOP, "light", 1, None),
        ("article-desktop", article, DESKTOP, "light", 1, None),
        ("discussion-desktop", f"{article}#discussion", DESKTOP, "light", 1, "#discussion"),
        ("discussion-desktop-dark", f"{article}#discussion", DESKTOP, "dark", 1, "#discussion"),
        ("home-phone", f"{base}/", PHONE, "light", 2, None),
        ("discussion-phone", f"{article}#discussion", PHONE, "light", 2, "#discussion"),
        (
            "deep-thread-phone",
            f"{base}/articles/{options.deep_article}/#discussion",
            PHONE,
            "dark",
            2,
            "#discussion",
        ),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, url, viewport, scheme, scale, anchor in shots:
            context = browser.new_context(viewport=viewport, color_scheme=scheme, device_scale_factor=scale)
            page = context.new_page()
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
            )
            page.goto(url, wait_until="networkidle")
            clip_top = (
                page.eval_on_selector(anchor, "e => e.getBoundingClientRect().top + window.scrollY")
                if anchor
                else 0
            )
            height = min(
                page.evaluate("document.documentElement.scrollHeight") - clip_top, options.full_page_height
            )
            path = out / f"{name}.png"
            page.screenshot(
                path=path,
                full_page=True,
                clip={"x": 0, "y": clip_top, "width": viewport["width"], "height": height},
            )
            shrink(path)
            print(f"{path} ({path.stat().st_size // 1024} KiB)")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
