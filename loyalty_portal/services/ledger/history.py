"""A member's ledger history: filtered, newest first, paged without counting the table.

Offset paging serves the API (its contract); keyset paging ("load more") serves the
portal. Both fetch one row more than asked to know whether more exist, and both walk
the (member_id, created_at, id) index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, or_, select

from loyalty_portal.models import LedgerEntry
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.pages import Page, fetch_page
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import check_days
from loyalty_portal.timeutil import local_midnight

#: Portal filter names -> entry kinds.
PORTAL_TYPES: dict[str, tuple[str, ...]] = {
    "earned": ("earn",),
    "redeemed": ("redeem",),
    "refunded": ("refund",),
    "expired": ("expire",),
    "adjusted": ("adjust",),
    "returned": ("reverse",),
    "paid": ("payment",),
}
#: API `types` names -> entry kinds (API.md), and each kind's API type.
API_TYPES: dict[str, tuple[str, ...]] = {
    "event": ("earn",),
    "redemption": ("redeem",),
    "refund": ("refund",),
    "expire": ("expire",),
    "adjust": ("adjust",),
    "reverse": ("reverse",),
    "payment": ("payment",),
}
KIND_TO_API_TYPE = {kind: name for name, kinds in API_TYPES.items() for kind in kinds}


@dataclass(frozen=True)
class HistoryFilter:
    kinds: tuple[str, ...] | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive


def kinds_for(names: list[str], table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    unknown = [n for n in names if n not in table]
    if unknown:
        raise ValidationFailed(
            f"Unknown type(s): {', '.join(unknown)}. Use {', '.join(table)}.",
            details={"types": [f"unknown type {n}" for n in unknown]},
        )
    return tuple(kind for n in names for kind in table[n])


def day_range(
    first: date | None, last: date | None, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """Inclusive calendar dates in the program's zone -> [start, end) in UTC."""
    check_days(**{"from": first, "to": last})
    if first and last and first > last:
        raise ValidationFailed("'from' is after 'to'.", details={"from": ["after to"]})
    start = local_midnight(first, tz) if first else None
    end = local_midnight(last + timedelta(days=1), tz) if last else None
    return start, end


def _query(member_id: int, flt: HistoryFilter) -> Select[LedgerEntry]:
    stmt = select(LedgerEntry).where(LedgerEntry.member_id == member_id)
    if flt.kinds:
        stmt = stmt.where(LedgerEntry.kind.in_(flt.kinds))
    if flt.start is not None:
        stmt = stmt.where(LedgerEntry.created_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(LedgerEntry.created_at < flt.end)
    return stmt.order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())


def page_by_offset(
    session: DbSession, member_id: int, flt: HistoryFilter, *, limit: int, offset: int
) -> Page[LedgerEntry]:
    return fetch_page(
        session, _query(member_id, flt), per_page=limit, offset=offset, number=offset // limit + 1
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def encode_cursor(entry: LedgerEntry) -> str:
    return f"{(entry.created_at - _EPOCH) // _MICRO}.{entry.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros, entry_id = cursor.split(".")
        return _EPOCH + int(micros) * _MICRO, int(entry_id)
    except (ValueError, OverflowError, OSError):
        raise ValidationFailed("Invalid page cursor.", details={"cursor": ["invalid"]}) from None


def page_by_cursor(
    session: DbSession, member_id: int, flt: HistoryFilter, *, limit: int, cursor: str | None
) -> Page[LedgerEntry]:
    """Entries older than the cursor's entry (keyset paging, newest first)."""
    stmt = _query(member_id, flt)
    if cursor:
        at, entry_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                LedgerEntry.created_at < at,
                and_(LedgerEntry.created_at == at, LedgerEntry.id < entry_id),
            )
        )
    rows = list(session.scalars(stmt.limit(limit + 1)))
    entries = rows[:limit]
    more = len(rows) > limit
    return Page(entries, more, next_cursor=encode_cursor(entries[-1]) if more else None)
