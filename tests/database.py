"""Test databases: one SQLite file and one PostgreSQL database per test session.

PostgreSQL comes from TEST_DATABASE_URL; the suite creates its own database next to it
(so parallel runs never collide) and drops it at the end. Under CI=true a missing or
unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from loyalty_portal.models import Base

IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ("sqlite", "postgresql")


def normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and PostgreSQL is required: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests need TEST_DATABASE_URL ({reason})")


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a fresh database beside TEST_DATABASE_URL; yield its URL; drop it after."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        missing("TEST_DATABASE_URL is not set")
    url = make_url(normalise(base))
    name = f"{url.database or 'loyalty'}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        missing(f"cannot reach {url.render_as_string()}: {exc.orig}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reset(engine: Engine) -> None:
    """Empty every table (the schema and alembic_version stay)."""
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))
        # the migration's one config_version row: without it no change would bump the version
        conn.execute(text("INSERT INTO config_version (id, version) VALUES (1, 0)"))
