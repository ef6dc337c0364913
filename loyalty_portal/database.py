"""Engine set-up: SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE.

pysqlite's deferred BEGIN lets two read-then-write transactions interleave; taking the
write lock at BEGIN (SQLAlchemy's documented recipe) serialises writers instead. A
request marked read-only (`read_only()`, set for GET and HEAD) begins deferred, so WAL
readers run beside the writer instead of queueing behind it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event

_READ_ONLY: ContextVar[bool] = ContextVar("loyalty_read_only", default=False)


def mark_read_only(value: bool) -> None:
    """Mark the current request (context) as reading only: SQLite begins it deferred."""
    _READ_ONLY.set(value)


def read_only() -> bool:
    return _READ_ONLY.get()


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if _READ_ONLY.get() else "BEGIN IMMEDIATE")
