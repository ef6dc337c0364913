"""Running it in production: proxies, secrets and rate-limit storage.

LOYALTY_TRUSTED_PROXIES makes the login limit key on each member's own address behind a
proxy (without it everyone shares the proxy's bucket), and never on an address a client
wrote into X-Forwarded-For itself.
"""

from __future__ import annotations

import logging

import pytest

from loyalty_portal import create_app
from loyalty_portal.extensions import db
from tests.conftest import make_config

PROXY = "10.0.0.2"


def app_with(database_url, tmp_path, **config):
    return create_app(
        make_config(database_url, tmp_path, LOGIN_RATE_LIMIT="2 per minute", **config)
    )


def login_from(client, forwarded_for):
    """A failed login arriving through our proxy, which appended the client's address."""
    return client.post(
        "/auth/login",
        data={"email": "nobody@example.com", "password": "wrong-password-123"},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": PROXY},
    ).status_code


@pytest.fixture
def dispose():
    apps = []
    yield apps.append
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_behind_one_proxy_each_client_has_its_own_login_limit(database_url, tmp_path, dispose):
    app = app_with(database_url, tmp_path, TRUSTED_PROXIES=1)
    dispose(app)
    client = app.test_client()
    assert [login_from(client, "203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert login_from(client, "198.51.100.7") == 200  # another member, another bucket
    # The limited client writes its own X-Forwarded-For; the proxy appends the real address.
    assert login_from(client, "192.0.2.99, 203.0.113.5") == 429
    assert login_from(client, "192.0.2.98, 192.0.2.97, 203.0.113.5") == 429


def test_two_proxy_hops_trust_exactly_two_entries(database_url, tmp_path, dispose):
    app = app_with(database_url, tmp_path, TRUSTED_PROXIES=2)
    dispose(app)
    client = app.test_client()
    assert [login_from(client, "203.0.113.5, 10.0.0.9") for _ in range(3)] == [200, 200, 429]
    assert login_from(client, "6.6.6.6, 203.0.113.5, 10.0.0.9") == 429
    assert login_from(client, "198.51.100.7, 10.0.0.9") == 200


def test_without_the_setting_the_header_is_ignored(database_url, tmp_path, dispose):
    app = app_with(database_url, tmp_path)
    dispose(app)
    client = app.test_client()
    assert [login_from(client, "203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert login_from(client, "198.51.100.7") == 429  # a forged header buys no new bucket


def test_a_bad_proxy_count_refuses_to_start(database_url, tmp_path):
    with pytest.raises(RuntimeError, match="LOYALTY_TRUSTED_PROXIES"):
        create_app(make_config(database_url, tmp_path, TRUSTED_PROXIES="nginx"))


@pytest.mark.parametrize("name", ["SECRET_KEY", "API_SECRET"])
def test_production_refuses_secrets_shorter_than_32_bytes(database_url, tmp_path, name, dispose):
    with pytest.raises(RuntimeError, match=f"LOYALTY_{name} must be at least 32 bytes"):
        create_app(make_config(database_url, tmp_path, TESTING=False, **{name: "x"}))
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        create_app(make_config(database_url, tmp_path, TESTING=False, **{name: "a" * 31}))
    dispose(create_app(make_config(database_url, tmp_path, TESTING=False, **{name: "a" * 32})))


def test_several_workers_with_memory_storage_log_a_warning(
    database_url, tmp_path, caplog, monkeypatch, dispose
):
    caplog.set_level(logging.WARNING, logger="loyalty_portal.config")
    dispose(create_app(make_config(database_url, tmp_path, WORKERS=4)))
    assert "4 worker processes share no rate-limit counters" in caplog.text
    caplog.clear()
    monkeypatch.setattr("sys.argv", ["/venv/bin/gunicorn", "-w", "3", "app:app"])
    dispose(create_app(make_config(database_url, tmp_path)))
    assert "3 worker processes" in caplog.text
    caplog.clear()
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    monkeypatch.setattr("sys.argv", ["/venv/bin/gunicorn", "app:app"])
    dispose(create_app(make_config(database_url, tmp_path)))
    assert "2 worker processes" in caplog.text
    caplog.clear()
    redis = "redis://127.0.0.1:6379/0"
    dispose(create_app(make_config(database_url, tmp_path, WORKERS=4, RATELIMIT_STORAGE_URI=redis)))
    dispose(create_app(make_config(database_url, tmp_path, WORKERS=1)))
    assert "worker processes" not in caplog.text
