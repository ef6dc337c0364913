"""Helpers for the portal's web tests: log a member in, read the database between requests.

pytest-flask keeps a request context pushed for the whole test, so requests share its
database session; like tests/factories.py these helpers use that session and end their
transaction at once (SQLite would otherwise stay locked by the open transaction).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from loyalty_portal.extensions import db
from loyalty_portal.models import Account, LedgerEntry, Member, Offer, Redemption
from tests.factories import Factories

T = TypeVar("T")
HTMX = {"HX-Request": "true"}


@contextmanager
def _session(app: Flask) -> Iterator[Session]:
    if has_app_context():
        yield db.session
        return
    with app.app_context():
        yield db.session


def read(app: Flask, query: Callable[[Session], T]) -> T:
    """Plain values read in a transaction of their own."""
    with _session(app) as session:
        try:
            return query(session)
        finally:
            session.rollback()


def write(app: Flask, change: Callable[[Session], Any]) -> None:
    with _session(app) as session:
        session.rollback()
        change(session)
        session.commit()


def logged_in_member(
    client: FlaskClient, make: Factories, email: str = "ann@example.com", **fields: Any
) -> Account:
    account = make.member_login(email, **fields)
    as_new_request()
    response = client.post(
        "/auth/login", data={"email": email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 303, response.data
    return account


def balance_of(app: Flask, member_id: int) -> int:
    return read(app, lambda s: s.get_one(Member, member_id).balance)


def redemptions_of(app: Flask, member_id: int) -> list[tuple[str, str]]:
    return read(
        app,
        lambda s: [
            (r.offer_id, r.status)
            for r in s.scalars(select(Redemption).where(Redemption.member_id == member_id))
        ],
    )


def entries_of(app: Flask, member_id: int) -> int:
    return read(
        app,
        lambda s: s.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.member_id == member_id)
        ),
    )


def stock_of(app: Flask, offer_id: str) -> int | None:
    return read(app, lambda s: s.get_one(Offer, offer_id).stock)


def form_key(html: str, offer_id: str) -> str:
    """The idempotency key rendered into an offer's redeem form."""
    card = html[html.index(f'id="offer-{offer_id}"') :]
    match = re.search(r'name="idempotency_key" value="([^"]+)"', card)
    assert match, f"no redeem form on {offer_id}"
    return match.group(1)


def text_of(html: str) -> str:
    """The visible text, whitespace collapsed (for asserting what a member reads)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").strip()


def as_new_request() -> None:
    """Forget what the test's long-lived app context cached in `g` during earlier requests
    (the logged-in user, program settings, CSRF token), as a real next request would.

    pytest-flask keeps one app context for the whole test (PITFALLS), so without this a
    second client would act as the first one's user and counts would miss per-request
    queries.
    """
    if has_app_context():
        for name in ("_login_user", "program", "csrf_token"):
            g.pop(name, None)


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    with _session(app):
        engine = db.engine
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
