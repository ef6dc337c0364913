"""Member row locks: every change of a member's points happens under one.

PostgreSQL: SELECT ... FOR UPDATE. SQLite: the write transaction is BEGIN IMMEDIATE, so
it is serialised already and the clause is ignored.
"""

from __future__ import annotations

from sqlalchemy import select

from loyalty_portal.models import Member
from loyalty_portal.services.core.session import DbSession


def lock_member(session: DbSession, member_id: int) -> Member:
    """Lock the member row for this transaction and return it freshly loaded."""
    stmt = (
        select(Member)
        .where(Member.id == member_id)
        .with_for_update(of=Member)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one()
