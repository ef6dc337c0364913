"""API test helpers: real credentials (API keys through the service, JWTs signed with the
app's secret) and a small client that sends them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from loyalty_portal.extensions import db
from loyalty_portal.models import (
    EventLog,
    IdempotencyKey,
    LedgerEntry,
    Member,
    Offer,
    Redemption,
    UserGroup,
)
from tests.conftest import API_SECRET
from tests.factories import Factories

TENANT = "test-tenant"
PROJECT = "test-project"


def claims_for(user_id: str, *, ttl: int = 3600, **overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {
        "sub": user_id,
        "iss": TENANT,
        "aud": PROJECT,
        "iat": now,
        "exp": now + ttl,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def member_token(user_id: str, *, secret: str = API_SECRET, **overrides: Any) -> str:
    return jwt.encode(claims_for(user_id, **overrides), secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """Calls /v1 through the test client with a chosen credential."""

    def __init__(self, client: FlaskClient, make: Factories) -> None:
        self.client = client
        self.make = make

    def key(self, *scopes: str) -> dict[str, str]:
        _, plain = self.make.api_key(list(scopes) or None)
        return {"x-api-key": plain}

    def member(self, user_id: str) -> dict[str, str]:
        return bearer(member_token(user_id))

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        json: Any = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.open(path, method=method, headers=headers or {}, json=json, **kwargs)

    def get(self, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        return self.call("GET", path, headers, **kwargs)

    def post(self, path: str, headers: dict[str, str], json: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, headers, {} if json is None else json, **kwargs)


@pytest.fixture
def api(client: FlaskClient, make: Factories) -> Api:
    return Api(client, make)


@pytest.fixture
def admin_key(api: Api) -> dict[str, str]:
    """An API key with every scope."""
    return api.key()


def error_code(response: Any) -> str:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return str(body["error"]["code"])


def snapshot(app: Flask) -> dict[str, Any]:
    """Row counts and balances: what any write would change.

    Reads in the test's app context (pytest-flask pushes one and the client's requests
    share it) and ends its transaction, so SQLite's write lock is never left held.
    """
    with app.app_context() if not has_app_context() else nullcontext():
        counts = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (EventLog, IdempotencyKey, LedgerEntry, Member, Redemption, UserGroup)
        }
        counts["balances"] = dict(db.session.execute(select(Member.user_id, Member.balance)).all())
        counts["stock"] = dict(db.session.execute(select(Offer.id, Offer.stock)).all())
        counts["statuses"] = dict(
            db.session.execute(select(Redemption.id, Redemption.status)).all()
        )
        db.session.rollback()
        return counts


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
