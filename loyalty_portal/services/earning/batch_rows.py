"""Batch ingest's writes: the rows `events.book` decided, inserted set-based.

`book` stays the one place that says what an event books; it hands back transient ORM
objects. Flushing hundreds of them through the unit of work costs far more than storing
them (`core.rows`), and on SQLite the ORM even inserts them one row per statement: it
needs RETURNING in parameter order, which SQLite does not promise, so insertmanyvalues
downgrades to row-at-a-time (307 statements per 100 events). So the objects never join
the session: their column values are read into plain dicts (`rows.row_of`) and each
table gets one statement without RETURNING (`sql.insert_many`: unnested arrays on
PostgreSQL, an executemany on SQLite). The only ids
needed afterwards, the logs' (lots, pending awards and referrals name them), are reserved
up front by one statement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select

from loyalty_portal.models import EventLog, LedgerEntry, OutboxMessage, PendingAward
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.rows import row_of
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import insert_many
from loyalty_portal.services.earning.events import Booking


class BatchRows:
    """The bookings and messages of one batch, written by `write` in one go per table."""

    def __init__(self) -> None:
        self.bookings: list[Booking] = []
        self.messages: list[dict[str, Any]] = []

    def book(self, booking: Booking) -> None:
        self.bookings.append(booking)

    def message(self, message_type: str, data: dict[str, Any], now: datetime) -> None:
        """An outbox message, as `outbox.publish` writes it (same columns, same id)."""
        self.messages.append(outbox.message_row(message_type, data, now))

    def write_messages(self, session: DbSession) -> None:
        """The messages so far, now: a message another service publishes next (a tier
        change) then comes after them, in the order the worker delivers (by id)."""
        insert_many(session, OutboxMessage.__table__, self.messages)
        self.messages = []

    def write(self, session: DbSession) -> None:
        """Logs (with their reserved ids), then the credits that name them, then messages."""
        logs = [b.log for b in self.bookings]
        ids = reserve_ids(session, EventLog.__table__, len(logs))
        for log, log_id in zip(logs, ids, strict=True):
            log.id = log_id
        entries: list[LedgerEntry] = []
        awards: list[PendingAward] = []
        for booking in self.bookings:
            lot, pending = booking.linked_credits()
            entries.extend(e for e in (lot, booking.repayment) if e is not None)
            awards.extend(a for a in (pending,) if a is not None)
        insert_many(session, EventLog.__table__, [row_of(o) for o in logs])
        insert_many(session, LedgerEntry.__table__, [row_of(o) for o in entries])
        insert_many(session, PendingAward.__table__, [row_of(o) for o in awards])
        self.write_messages(session)


def reserve_ids(session: DbSession, table: Table, count: int) -> list[int]:
    """`count` new ids of `table`, ascending (rows keep the order of their items).

    PostgreSQL: from the column's sequence, as an insert would take them. SQLite: the ids
    after the largest, which is what SQLite itself assigns (the tables have no
    AUTOINCREMENT); safe because a write transaction holds the database's write lock from
    BEGIN IMMEDIATE (loyalty_portal.database) until it ends.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        ids = session.scalars(
            select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        ).all()
        return sorted(int(i) for i in ids)
    last = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(last + 1, last + 1 + count))
