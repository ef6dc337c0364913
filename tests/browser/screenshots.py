"""Screenshots of the member portal at desktop and phone widths (`make screenshots`).

Seeds the demo program into a throw-away SQLite database, serves the app on a free local
port and drives Debian's Chromium through Playwright (no network beyond 127.0.0.1).
The PNGs go to static/screenshots/ (the README shows them).

    python -m tests.browser.screenshots [--out static/screenshots] [--member bob@example.com]
"""

from __future__ import annotations

import argparse
import logging
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from loyalty_portal import create_app, demo
from loyalty_portal.extensions import db
from loyalty_portal.timeutil import utcnow
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, accept_confirmations

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "screenshot-password"
PAGES = [
    ("dashboard", "/portal/"),
    ("rewards", "/portal/rewards"),
    ("history", "/portal/history"),
    ("my-rewards", "/portal/coupons"),
    ("leaderboard", "/portal/leaderboard"),
    ("ways-to-earn", "/portal/earn"),
    ("tiers", "/portal/tiers"),
]
VIEWPORTS = {"desktop": (1280, 900), "phone": (360, 780)}


def demo_app(instance: Path) -> Flask:
    from flask_migrate import upgrade

    app = create_app(
        {
            "SECRET_KEY": secrets.token_urlsafe(32),
            "API_SECRET": secrets.token_urlsafe(32),
            "DATABASE_URL": f"sqlite:///{instance / 'demo.db'}",
            "INSTANCE_PATH": str(instance),
        }
    )
    with app.app_context():
        upgrade()
        demo.seed(db.session, utcnow(), password=PASSWORD)
        db.session.commit()
    return app


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def shoot(base_url: str, out: Path, email: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                base_url=base_url, viewport={"width": width, "height": height}
            )
            page = context.new_page()
            page.goto("/auth/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/portal/")
            for slug, path in PAGES:
                page.goto(path)
                saved.append(out / f"{slug}-{name}.png")
                page.screenshot(path=saved[-1], full_page=True)
            saved.append(_redeemed(page, out / f"redeemed-{name}.png"))
            context.close()
        browser.close()
    return saved


def _redeemed(page: object, path: Path) -> Path:
    """The catalog right after an HTMX redemption: the card shows its coupon."""
    page.goto("/portal/rewards")  # type: ignore[attr-defined]
    accept_confirmations(page)
    card = page.locator("#offer-free-coffee")  # type: ignore[attr-defined]
    card.get_by_test_id("redeem-button").click()
    card.get_by_test_id("coupon-code").wait_for()
    card.scroll_into_view_if_needed()
    page.screenshot(path=path)  # type: ignore[attr-defined]
    return path


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "static" / "screenshots")
    parser.add_argument("--member", default="bob@example.com")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = demo_app(Path(tmp))
        with serving(app) as base_url:
            for path in shoot(base_url, args.out, args.member):
                print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
