"""Create, migrate and seed a benchmark database; drop it afterwards."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from loyalty_portal import create_app
from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule, Offer
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.members import api_keys, members
from loyalty_portal.timeutil import utcnow

USERS = 1_000
OPENING_BALANCE = 1_000_000
EVENT_ID = "bench_event"
OFFER_ID = "bench_offer"
OFFER_STOCK = 100_000_000  # a stock to decrement, as a real offer has (never runs out)
SECRETS = {"SECRET_KEY": secrets.token_urlsafe(48), "API_SECRET": secrets.token_urlsafe(48)}


@contextmanager
def postgres_database(base_url: str, name: str | None = None, keep: bool = False) -> Iterator[str]:
    """A fresh database beside `base_url` (a random name unless given; an old one of that
    name is dropped first), dropped afterwards unless `keep`."""
    url = make_url(base_url)
    name = name or f"loyalty_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_for(database_url: str, instance: Path):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), **SECRETS})


def prepare(database_url: str, instance: Path) -> str:
    """Migrate and seed: a FIX rule, a 1-point auto-code offer with stock, USERS members
    with plenty of points, and a full-scope API key (returned)."""
    from flask_migrate import upgrade

    app = app_for(database_url, instance)
    with app.app_context():
        upgrade()
        session = db.session
        session.add(EarningRule(event_id=EVENT_ID, title="Benchmark event", type="FIX", points=1))
        session.add(Offer(id=OFFER_ID, title="Benchmark offer", cost=1, stock=OFFER_STOCK))
        now = utcnow()
        actor = Actor.system("bench")
        for i in range(1, USERS + 1):
            member = members.create_member(session, f"bench-{i}", now)
            adjustments.adjust(
                session, member, OPENING_BALANCE, reason="bench", actor=actor, now=now
            )
            if i % 100 == 0:
                session.commit()
        _, plain = api_keys.create(
            session, "bench", ["events", "users", "redeem", "read"], actor, now
        )
        session.commit()
        db.engine.dispose()
    return plain


def server_version(database_url: str, instance: Path) -> str:
    app = app_for(database_url, instance)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            version = str(db.session.execute(text("SHOW server_version")).scalar())
            label = f"PostgreSQL {version}"
        else:
            version = str(db.session.execute(text("SELECT sqlite_version()")).scalar())
            label = f"SQLite {version} (WAL)"
        db.engine.dispose()
    return label
