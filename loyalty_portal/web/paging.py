"""Paging glue for the HTML doors: the page number from the query string, one page of rows."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import Select

from loyalty_portal.services.core.pages import Page, fetch_page
from loyalty_portal.services.core.session import DbSession

PER_PAGE = 25
MAX_PAGE = 100_000


def page_number(arg: str = "page") -> int:
    """The page asked for (1 when missing or not a number; clamped to a sane range)."""
    try:
        return max(1, min(int(request.args.get(arg, "1")), MAX_PAGE))
    except ValueError:
        return 1


def paginate(
    session: DbSession,
    stmt: Select[*tuple[Any, ...]],
    *,
    arg: str = "page",
    per_page: int = PER_PAGE,
    scalars: bool = True,
) -> Page[Any]:
    """The requested page of `stmt` (already ordered)."""
    return fetch_page(
        session, stmt, per_page=per_page, number=page_number(arg), arg=arg, scalars=scalars
    )
