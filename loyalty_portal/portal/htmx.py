"""HTMX helpers: one template serves the full page and, alone, the HTMX swap."""

from __future__ import annotations

from typing import Any

from flask import render_template, request


def is_htmx() -> bool:
    """A request made by htmx (not a boosted full-page navigation)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def page_or_fragment(page: str, fragment: str, **context: Any) -> str:
    """The fragment alone for HTMX requests, else the page that includes it."""
    return render_template(fragment if is_htmx() else page, **context)
