"""Shared fixtures: the app on each backend, factories, a CLI runner, a logged-in client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from loyalty_portal import create_app
from loyalty_portal.extensions import db
from loyalty_portal.mail import wait_for_deliveries
from tests.database import BACKENDS, postgres_database, reset
from tests.factories import Factories
from tests.smtp import SmtpServer

SECRET = "test-secret-key-that-is-long-enough-0123456789"
API_SECRET = "test-api-secret-that-is-long-enough-0123456789"


def make_config(database_url: str, instance: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "API_SECRET": API_SECRET,
        "TENANT_ID": "test-tenant",
        "PROJECT_ID": "test-project",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "API_RATE_LIMIT": "10000 per minute",
        "TOKEN_EXCHANGE_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


def _migrate(database_url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(make_config(database_url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Each backend, schema built by the Alembic migrations (so they run on both)."""
    instance = tmp_path_factory.mktemp("instance")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
        _migrate(url, instance)
        yield url
        return
    with postgres_database() as url:
        _migrate(url, instance)
        yield url


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replace pytest-flask's implicit request context with none.

    Flask reuses an already pushed app context for test-client requests, so that context's
    session (and Flask-Login's `g._login_user`) would outlive each request and leak between
    them; on SQLite its open transaction would also hold the write lock. Tests that need
    the app use `ctx` (service tests) or a short `with app.app_context():` block.
    """


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client that keeps no context between requests (pytest-flask's would)."""
    return app.test_client()


class LiveServer:
    """The app served over real HTTP on a free port of 127.0.0.1."""

    def __init__(self, app: Flask, port: int) -> None:
        self.app = app
        self.port = port

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """Serve the app from a thread of this process (replaces pytest-flask's fixture).

    pytest-flask forks a process per server; a fork taken while Playwright's driver runs
    inherits its pipes, and a server that ignores the stop signal then keeps the driver
    alive, so the test session hangs at exit. A thread stops for certain.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, server.server_port)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1; point the app at it with
    `app_config = {"SMTP_URL": smtp_server.url}`."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module (or parametrize) to change the app's settings."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(make_config(database_url, tmp_path / "instance", **app_config))
    yield app
    wait_for_deliveries(app)  # no mail thread may outlive its test (and touch the next one's rows)
    with app.app_context():
        db.session.remove()
        reset(db.engine)
        db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Any]:
    """An app context for service-level tests (not for tests that use the client)."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def make(app: Flask) -> Factories:
    return Factories(app)


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class AuthActions:
    """Log in and out through the real forms (the flaskr tutorial's `auth` helper)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = "correct-horse-battery") -> Any:
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
