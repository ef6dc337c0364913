"""One page of a list, for every list the doors show or answer.

A page knows whether more rows follow by fetching one row more than it shows, never by
counting the table (a member with 100,000 entries costs the same as one with ten).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select

from loyalty_portal.services.core.session import DbSession

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """`items` of page `number` (from 1); `next_cursor` for keyset paging; `arg` is the
    query argument a pager link sets."""

    items: list[T]
    has_more: bool
    number: int = 1
    next_cursor: str | None = None
    arg: str = "page"

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def fetch_page(
    session: DbSession,
    stmt: Select[*tuple[Any, ...]],
    *,
    per_page: int,
    number: int = 1,
    offset: int | None = None,
    arg: str = "page",
    scalars: bool = True,
) -> Page[Any]:
    """Page `number` of `stmt` (already ordered); `offset` overrides the page's own."""
    start = (number - 1) * per_page if offset is None else offset
    stmt = stmt.offset(start).limit(per_page + 1)
    result = session.scalars(stmt).unique() if scalars else session.execute(stmt)
    rows = list(result)
    return Page(rows[:per_page], len(rows) > per_page, number, arg=arg)
