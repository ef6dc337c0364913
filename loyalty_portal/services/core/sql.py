"""Dialect-aware statements the ORM has no portable spelling for, and the bind parameters
the hot paths' prebuilt statements share."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    BindParameter,
    ClauseElement,
    ColumnElement,
    CursorResult,
    Insert,
    Result,
    Select,
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from loyalty_portal.services.core.session import DbSession

#: The instant a prebuilt statement judges by, bound at each run (`{"now": now}`). The hot
#: paths build their statements once per process (`functools.cache`): building a statement
#: costs SQLAlchemy more than SQLite takes to run it (bench/README.md).
NOW: BindParameter[Any] = bindparam("now")


def insert_ignore(
    session: DbSession, table: Table, values: dict[str, Any], conflict: list[str]
) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id; the new id, or None if it existed."""
    stmt = _ignoring_conflict(_dialect(session), table, tuple(conflict)).returning(table.c.id)
    if any(isinstance(v, ClauseElement) for v in values.values()):  # SQL in the values
        return session.execute(stmt.values(**values)).scalar()
    return session.execute(stmt, values).scalar()


def insert_many_ignore(
    session: DbSession, table: Table, rows: list[dict[str, Any]], conflict: list[str]
) -> list[Any]:
    """One multi-row INSERT ... ON CONFLICT DO NOTHING (rows in the given order); the ids
    of the rows it inserted."""
    if not rows:
        return []
    stmt = _ignoring_conflict(_dialect(session), table, tuple(conflict))
    return list(session.scalars(stmt.values(rows).returning(table.c.id)))


def upsert_add(
    session: DbSession, table: Table, keys: dict[str, Any], column: str, amount: int
) -> None:
    """INSERT the row with `column` = amount, or add amount to it if the row exists."""
    upsert_add_many(session, table, tuple(keys), column, [{**keys, column: amount}])


def upsert_add_many(
    session: DbSession, table: Table, keys: tuple[str, ...], column: str, rows: list[dict[str, Any]]
) -> None:
    """`upsert_add` for many rows (each with the `keys` columns and `column`; rows with the
    same keys add up), one statement built once per process: on PostgreSQL rows unnested
    from arrays (see `insert_many`), on SQLite an executemany."""
    summed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in summed:
            summed[key][column] += row[column]
        else:
            summed[key] = {**{k: row[k] for k in keys}, column: row[column]}
    dialect = _dialect(session)
    if dialect == "postgresql" and len(summed) > 1:
        columns = (*keys, column)
        stmt = _adding_on_conflict(dialect, table, keys, column, unnested=True)
        session.execute(stmt, _as_arrays(columns, list(summed.values())))
    elif summed:
        stmt = _adding_on_conflict(dialect, table, keys, column)
        session.execute(stmt, list(summed.values()))


def insert_many(session: DbSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows, one statement per set of columns given (columns left out take
    their defaults; no RETURNING).

    PostgreSQL: INSERT ... SELECT FROM unnest(arrays), one array per column. An
    executemany (psycopg pipelines it) runs the executor once per row and costs the
    client a round of protocol messages per row: 100 lots took 15 ms that way, against
    9 ms as one statement, the client's time included. SQLite: its executemany, which
    loops in C over one prepared statement."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    unnesting = _dialect(session) == "postgresql"
    for columns, group in groups.items():
        if unnesting:
            session.execute(_inserting_unnested(table, columns), _as_arrays(columns, group))
        else:
            session.execute(_inserting(table), group)


def _as_arrays(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in columns}


@functools.cache
def _inserting(table: Table) -> Insert:
    return insert(table)


@functools.cache
def _inserting_unnested(table: Table, columns: tuple[str, ...]) -> Insert:
    return insert(table).from_select(list(columns), _unnested(table, columns))


def _unnested(table: Table, columns: tuple[str, ...]) -> Select[Any]:
    """SELECT * FROM unnest(:a, :b, ...): rows from one array per column, each bound as
    an array of the column's type (so the column's own bind processing applies per item)."""
    arrays = [bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns]
    return select(func.unnest(*arrays).table_valued(*columns).render_derived())


def _dialect(session: DbSession) -> str:
    return session.get_bind().dialect.name


def _insert_module(dialect: str) -> Any:
    return postgresql if dialect == "postgresql" else sqlite


@functools.cache
def _ignoring_conflict(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    """Built once per table: the values are bound at each run."""
    return _insert_module(dialect).insert(table).on_conflict_do_nothing(index_elements=conflict)


@functools.cache
def _adding_on_conflict(
    dialect: str, table: Table, keys: tuple[str, ...], column: str, unnested: bool = False
) -> Any:
    stmt = _insert_module(dialect).insert(table)
    if unnested:
        stmt = stmt.from_select([*keys, column], _unnested(table, (*keys, column)))
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + stmt.excluded[column]}
    )


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """Rows an UPDATE or DELETE matched. `Session.execute` is typed to return a `Result`;
    for a DML statement without RETURNING it is a `CursorResult`, which has the count."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def matching(text: str, *columns: Any) -> ColumnElement[bool]:
    """Rows where any of `columns` contains `text`, case-insensitively; `%` and `_` in the
    text are matched literally (every search box uses this, so none forgets to escape)."""
    return or_(*(column.icontains(text, autoescape=True) for column in columns))
