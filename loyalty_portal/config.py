"""Settings: defaults, then instance/config.py, then LOYALTY_* variables, then test overrides."""

from __future__ import annotations

import logging
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from flask import Flask

from loyalty_portal.web.one_trip_redis import one_trip_uri

#: Values that mark a secret as "never set"; production refuses to start with them.
INSECURE_SECRETS = frozenset({"", "dev", "change-me"})
#: Production secrets must be at least this long (HS256 wants a key of 32+ bytes).
MIN_SECRET_BYTES = 32

log = logging.getLogger(__name__)

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
    # Bodies larger than this are refused (413) before anything reads them.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Proxy hops in front of the app (nginx, a load balancer): 0 trusts no X-Forwarded-*.
    "TRUSTED_PROXIES": 0,
    # Processes serving the app; unset: read from gunicorn's -w / WEB_CONCURRENCY.
    "WORKERS": None,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "API_RATE_LIMIT": "600 per minute",
    "TOKEN_EXCHANGE_RATE_LIMIT": "30 per minute",
    "JWT_LEEWAY_SECONDS": 30,
    "IDEMPOTENCY_TTL_HOURS": 48,
    # Every PostgreSQL statement and lock wait is bounded: a request never runs unbounded,
    # and a retry waiting on its twin's key answers 409 request_in_progress at worst.
    "STATEMENT_TIMEOUT_MS": 15_000,
    "LOCK_TIMEOUT_MS": 5_000,
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
        "hold_expiry": 60,
        "birthdays": 3600,
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
    # redis:// and rediss:// go to the storage that asks Redis once per request.
    app.config["RATELIMIT_STORAGE_URI"] = one_trip_uri(app.config["RATELIMIT_STORAGE_URI"])
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
    # No pool_pre_ping: it costs a statement per checkout; a dead connection fails its
    # request, which the pool then replaces.
    options = (
        f"-c statement_timeout={int(config['STATEMENT_TIMEOUT_MS'])} "
        f"-c lock_timeout={int(config['LOCK_TIMEOUT_MS'])}"
    )
    return {"pool_size": 10, "max_overflow": 20, "connect_args": {"options": options}}


def check_secrets(app: Flask) -> None:
    """Refuse to serve outside debug and testing with a default or short secret."""
    check_rate_limit_storage(app)
    if app.debug or app.testing:
        return
    unset = [k for k in ("SECRET_KEY", "API_SECRET") if app.config[k] in INSECURE_SECRETS]
    if unset:
        raise RuntimeError(
            f"Refusing to start: set LOYALTY_{' and LOYALTY_'.join(unset)} "
            "(or write them to instance/config.py; `make run` does this for you)."
        )
    short = [
        k for k in ("SECRET_KEY", "API_SECRET") if len(app.config[k].encode()) < MIN_SECRET_BYTES
    ]
    if short:
        raise RuntimeError(
            f"Refusing to start: LOYALTY_{' and LOYALTY_'.join(short)} must be at least "
            f"{MIN_SECRET_BYTES} bytes long; make one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(36))"`.'
        )


def configured_workers(config: dict[str, Any]) -> int:
    """How many processes serve: LOYALTY_WORKERS, else gunicorn's -w/--workers (on its
    command line or in GUNICORN_CMD_ARGS), else WEB_CONCURRENCY, else 1."""
    if config.get("WORKERS"):
        return int(config["WORKERS"])
    args = [*sys.argv[1:], *shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))]
    if "gunicorn" in os.path.basename(sys.argv[0] if sys.argv else ""):
        for index, arg in enumerate(args):
            if arg in ("-w", "--workers") and index + 1 < len(args):
                return _int_or_one(args[index + 1])
            if arg.startswith("--workers="):
                return _int_or_one(arg.removeprefix("--workers="))
            if arg.startswith("-w") and len(arg) > 2:
                return _int_or_one(arg[2:])
    return _int_or_one(os.environ.get("WEB_CONCURRENCY", "1"))


def _int_or_one(text: str) -> int:
    try:
        return max(1, int(text))
    except ValueError:
        return 1


def check_rate_limit_storage(app: Flask) -> None:
    """Warn at start when per-process counters would multiply every rate limit."""
    workers = configured_workers(app.config)
    if workers > 1 and str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        log.warning(
            "%d worker processes share no rate-limit counters (memory:// storage): every "
            "limit is %d times looser. Set LOYALTY_RATELIMIT_STORAGE_URI=redis://...",
            workers,
            workers,
        )
