"""Settings: defaults, then instance/config.py, then LOYALTY_* variables, then test overrides."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

#: Values that mark a secret as "never set"; production refuses to start with them.
INSECURE_SECRETS = frozenset({"", "dev", "change-me"})

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": "dev",
    "API_SECRET": "dev",
    "TENANT_ID": "loyalty-portal",
    "PROJECT_ID": "default",
    "TIMEZONE": "UTC",
    "PROGRAM_NAME": "Loyalty Portal",
    "EXPIRY_POLICY": "never",
    "EXPIRY_DAYS": None,
    "DATABASE_URL": None,  # default: SQLite in the instance folder
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_RATE_LIMIT": "10 per minute",
    "API_RATE_LIMIT": "600 per minute",
    "TOKEN_EXCHANGE_RATE_LIMIT": "30 per minute",
    "JWT_LEEWAY_SECONDS": 30,
    "IDEMPOTENCY_TTL_HOURS": 48,
    "IDEMPOTENCY_STALE_SECONDS": 60,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A portal tab left open for a working day can still post; refusals say so clearly.
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    "SQLITE_BUSY_TIMEOUT_MS": 30_000,
    # -- mail and account recovery (password reset, email verification) -------------------
    # smtp://user:pw@host:587?starttls=true or smtps://user:pw@host:465; unset: mail is
    # printed to the console and kept in instance/mail/.
    "SMTP_URL": None,
    "MAIL_FROM": "Loyalty Portal <no-reply@localhost>",
    # e.g. https://loyalty.example.com: links in mail start with it (never with the Host
    # header a request claims); unset, they use the address the request came to.
    "PUBLIC_URL": None,
    # New self-registered accounts must follow the emailed link before they can log in.
    "REQUIRE_EMAIL_VERIFICATION": False,
    # Seconds between the attempts to send one message right after its commit.
    "MAIL_RETRY_DELAYS": (2, 5),
    # -- webhooks and the worker (`flask worker`) -----------------------------------------
    # Deliver to loopback, private and link-local addresses too (local development, tests).
    "WEBHOOKS_ALLOW_PRIVATE": False,
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    # Seconds to wait after each failed attempt; the delivery fails after the last one.
    "WEBHOOK_RETRY_DELAYS": (5, 300, 1800, 7200, 18000, 36000, 36000),
    # How long a worker holds a claimed delivery; a killed worker's claims return then.
    "WEBHOOK_CLAIM_SECONDS": 60,
    # Seconds between the runs of each worker job.
    "WORKER_LOG_LEVEL": "INFO",
    "WORKER_INTERVALS": {
        "deliveries": 1,
        "pending_release": 60,
        "lot_expiry": 300,
        "tier_recompute": 3600,
        "analytics_refresh": 300,
        "idempotency_purge": 3600,
        "mail_retry": 300,
        "outbox_purge": 3600,
    },
    # Delivered and failed webhook messages (and their attempt log) are kept this long.
    "WEBHOOK_RETENTION_DAYS": 30,
}


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config in order: defaults, instance/config.py, environment, overrides."""
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LOYALTY")
    if "DATABASE_URL" in os.environ and not os.environ.get("LOYALTY_DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.update(overrides)
    for key in ("SECRET_KEY", "API_SECRET", "TENANT_ID", "PROJECT_ID"):
        app.config[key] = str(app.config[key])
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)


def database_uri(app: Flask) -> str:
    url: str | None = app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(app.instance_path) / 'loyalty.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def check_secrets(app: Flask) -> None:
    """Refuse to serve outside debug and testing with a default secret."""
    if app.debug or app.testing:
        return
    weak = [k for k in ("SECRET_KEY", "API_SECRET") if app.config[k] in INSECURE_SECRETS]
    if weak:
        raise RuntimeError(
            f"Refusing to start: set LOYALTY_{' and LOYALTY_'.join(weak)} "
            "(or write them to instance/config.py; `make run` does this for you)."
        )
