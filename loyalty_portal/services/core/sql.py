"""Dialect-aware statements the ORM has no portable spelling for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Result, Table, or_
from sqlalchemy.dialects import postgresql, sqlite

from loyalty_portal.services.core.session import DbSession


def insert_ignore(
    session: DbSession, table: Table, values: dict[str, Any], conflict: list[str]
) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id; the new id, or None if it existed."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(table.c.id)
    )
    return session.execute(stmt).scalar()


def insert_many_ignore(
    session: DbSession, table: Table, rows: list[dict[str, Any]], conflict: list[str]
) -> list[Any]:
    """One multi-row INSERT ... ON CONFLICT DO NOTHING (rows in the given order); the ids
    of the rows it inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).values(rows).on_conflict_do_nothing(index_elements=conflict)
    return list(session.scalars(stmt.returning(table.c.id)))


def upsert_add(
    session: DbSession, table: Table, keys: dict[str, Any], column: str, amount: int
) -> None:
    """INSERT the row with `column` = amount, or add amount to it if the row exists."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).values(**keys, **{column: amount})
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + stmt.excluded[column]}
    )
    session.execute(stmt)


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """Rows an UPDATE or DELETE matched. `Session.execute` is typed to return a `Result`;
    for a DML statement without RETURNING it is a `CursorResult`, which has the count."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def matching(text: str, *columns: Any) -> ColumnElement[bool]:
    """Rows where any of `columns` contains `text`, case-insensitively; `%` and `_` in the
    text are matched literally (every search box uses this, so none forgets to escape)."""
    return or_(*(column.icontains(text, autoescape=True) for column in columns))
