"""HTMX helpers: one template serves the full page and, alone, the HTMX swap."""

from __future__ import annotations

from typing import Any

from flask import render_template, request


def is_htmx() -> bool:
    """A request made by htmx for a fragment (not a boosted page or a history restore).

    base.html turns htmx's history cache off (it would keep balances and coupon codes in
    localStorage after logout), so going back reloads the full page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and not headers.get("HX-Boosted")
        and not headers.get("HX-History-Restore-Request")
    )


def page_or_fragment(page: str, fragment: str, **context: Any) -> str:
    """The fragment alone for HTMX requests, else the page that includes it."""
    return render_template(fragment if is_htmx() else page, **context)
