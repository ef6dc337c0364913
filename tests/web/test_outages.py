"""A database outage answers 503 with Retry-After (JSON under /v1, a short page elsewhere)
and writes one log line as it starts and one as it ends, not a traceback per request.
Busy databases (lock and statement timeouts, SQLite's "database is locked") are not
outages: those answers are left to the other handlers."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from loyalty_portal import create_app
from loyalty_portal.extensions import db
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.members import api_keys, members
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.outages import is_outage
from tests.conftest import make_config
from tests.tcp_relay import TcpRelay


class Outage:
    """The app's database, which the test takes away and brings back."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.relay: TcpRelay | None = None
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            self.live = tmp_path / "db"
            self.gone = tmp_path / "db-away"
            self.live.mkdir()
            shutil.copy(str(url.database), self.live / "test.db")
            self.url = f"sqlite:///{self.live / 'test.db'}"
        else:
            self.relay = TcpRelay(url.host or "127.0.0.1", url.port or 5432)
            self.relay.start()
            relayed = url.set(host="127.0.0.1", port=self.relay.port)
            self.url = relayed.render_as_string(hide_password=False)
        self.app = create_app(make_config(self.url, tmp_path / "instance"))

    def down(self) -> None:
        if self.relay is not None:
            self.relay.stop()  # refused, and every open connection cut
        else:
            self.live.rename(self.gone)  # the volume went away
            with self.app.app_context():
                db.engine.dispose()

    def up(self) -> None:
        if self.relay is not None:
            self.relay.start()
        else:
            self.gone.rename(self.live)


@pytest.fixture
def outage(database_url: str, tmp_path: Path) -> Iterator[Outage]:
    outage = Outage(database_url, tmp_path)
    yield outage
    outage.up() if outage.relay is None and outage.gone.exists() else None
    with outage.app.app_context():
        db.session.remove()
        db.engine.dispose()
    if outage.relay is not None:
        outage.relay.stop()


def seed(app: Any) -> dict[str, str]:
    with app.app_context():
        members.create_member(db.session, "ann", utcnow())
        _, plain = api_keys.create(db.session, "k", ["read", "events"], Actor.system("t"), utcnow())
        db.session.commit()
    return {"x-api-key": plain}


def test_an_outage_is_503_with_one_line_per_episode(outage, caplog):
    app = outage.app
    key = seed(app)
    client = app.test_client()
    assert client.get("/v1/user/ann/points", headers=key).status_code == 200
    outage.down()
    caplog.clear()
    caplog.set_level(logging.INFO)
    for _ in range(4):
        api = client.get("/v1/user/ann/points", headers=key)
        assert api.status_code == 503 and api.headers["Retry-After"] == "5"
        assert api.get_json()["error"]["code"] == "unavailable"
        event = client.post("/v1/event", json={"eventId": "x", "userId": "ann"}, headers=key)
        assert event.status_code == 503 and event.get_json()["error"]["code"] == "unavailable"
        page = client.get("/auth/login")
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert page.headers["Retry-After"] == "5"
        assert "Back in a moment" in page.get_data(as_text=True)
        assert "Content-Security-Policy" in page.headers
        assert client.get("/healthz").status_code == 503
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) == 1
    assert loud[0].getMessage().startswith("database unavailable, answering 503 until it is")
    assert not any(r.exc_info for r in caplog.records)
    outage.up()
    caplog.clear()
    assert client.get("/v1/user/ann/points", headers=key).status_code == 200
    assert client.get("/auth/login").status_code == 200
    back = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(back) == 1 and back[0].startswith("database reachable again after")


def _wrapped(orig: Exception, kind: type[sa_exc.DBAPIError] = sa_exc.OperationalError) -> Any:
    return kind("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    "orig",
    [
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("no such table: member"),
    ],
    ids=["lock-timeout", "statement-timeout", "deadlock", "serialization", "locked", "no-table"],
)
def test_a_busy_database_is_not_an_outage(orig):
    assert not is_outage(_wrapped(orig))


@pytest.mark.parametrize(
    "orig",
    [
        psycopg.OperationalError("connection failed: Connection refused"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        sqlite3.OperationalError("unable to open database file"),
    ],
    ids=["refused", "closed", "killed-backend", "starting-up", "sqlite-unable-to-open"],
)
def test_connection_failures_are_outages(orig):
    assert is_outage(_wrapped(orig))


def test_other_errors_are_not_outages():
    assert not is_outage(RuntimeError("kaboom"))
    assert not is_outage(None)
    integrity = psycopg.errors.UniqueViolation("duplicate key")
    assert not is_outage(_wrapped(integrity, sa_exc.IntegrityError))
