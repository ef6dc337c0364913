"""Dialect-aware statements the ORM has no portable spelling for, and the bind parameters
the hot paths' prebuilt statements share."""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    ClauseElement,
    ColumnElement,
    CursorResult,
    Insert,
    Result,
    Select,
    Table,
    Text,
    Update,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.selectable import TableValuedAlias

from loyalty_portal.services.core.session import DbSession

#: The instant a prebuilt statement judges by, bound at each run (`{"now": now}`). The hot
#: paths build their statements once per process (`functools.cache`): building a statement
#: costs SQLAlchemy more than SQLite takes to run it (bench/README.md).
NOW: BindParameter[Any] = bindparam("now")


def insert_ignore(
    session: DbSession, table: Table, values: dict[str, Any], conflict: list[str]
) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id; the new id, or None if it existed."""
    stmt = _ignoring_conflict_returning_id(_dialect(session), table, tuple(conflict))
    if any(isinstance(v, ClauseElement) for v in values.values()):  # SQL in the values
        return session.execute(stmt.values(**values)).scalar()
    return session.execute(stmt, values).scalar()


def run_core(session: DbSession, statement: Any, params: dict[str, Any]) -> CursorResult[Any]:
    """Run a prebuilt statement on the session's connection, not through the ORM: an
    ORM-enabled UPDATE is annotated anew at every run (so its cache key is computed again)
    and synchronises loaded objects, which cost more than the statement on the hot paths.
    The session flushes first, as `session.execute` would (unless autoflush is off);
    a caller that holds objects the statement changes expires them itself."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


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

    PostgreSQL: INSERT ... SELECT FROM json_populate_recordset, the rows bound as one
    JSON text. An executemany (psycopg pipelines it) runs the executor once per row and
    costs the client a round of protocol messages per row: 100 lots took 15 ms that way,
    against 9 ms as one statement. Unnested arrays, one per column, were one statement
    too, but psycopg writes array literals in Python, quoting and escaping item by item
    (every timestamp and JSON text needs it): about a sixth of a batch's client time,
    against one C-encoded `json.dumps`. SQLite: its executemany, which loops in C over
    one prepared statement."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    recordset = _dialect(session) == "postgresql"
    for columns, group in groups.items():
        if recordset:
            stmt = _inserting_from_json(table, columns)
            session.execute(stmt, {"rows": json_rows(group)})
        else:
            session.execute(_inserting(table), group)


def update_many(session: DbSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE many rows by id (each row: its "id" and the columns to set), one statement
    per set of columns: on PostgreSQL UPDATE ... FROM json_populate_recordset (as
    `insert_many`), on SQLite an executemany."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(c for c in row if c != "id"), []).append(row)
    recordset = _dialect(session) == "postgresql"
    for columns, group in groups.items():
        if recordset:
            session.execute(_updating_from_json(table, columns), {"rows": json_rows(group)})
        else:
            session.execute(_updating(table, columns), [_id_apart(row) for row in group])


def json_rows(rows: list[dict[str, Any]]) -> str:
    """Rows as the JSON text `json_populate_recordset` reads."""
    return json.dumps(rows, default=_json_value)


def _json_value(value: Any) -> Any:
    """What PostgreSQL reads back into the column from a JSON text: a timestamp as ISO
    8601 with its offset (every datetime here is aware, `models.base.UTCDateTime`), a
    decimal as its exact digits."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a recordset")


def _recordset(table: Table, columns: tuple[str, ...]) -> TableValuedAlias:
    """json_populate_recordset(NULL::t, :rows): each JSON object of the bound text becomes a
    row of the table's own type, its keys matched to columns."""
    return func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast(bindparam("rows", type_=Text), JSON)
    ).table_valued(*columns)


@functools.cache
def _inserting_from_json(table: Table, columns: tuple[str, ...]) -> Insert:
    """INSERT INTO t (columns) SELECT columns FROM json_populate_recordset(NULL::t, :rows)."""
    rows = _recordset(table, columns)
    return insert(table).from_select(list(columns), select(*(rows.c[c] for c in columns)))


@functools.cache
def _updating_from_json(table: Table, columns: tuple[str, ...]) -> Update:
    rows = _recordset(table, ("id", *columns))
    return update(table).values({c: rows.c[c] for c in columns}).where(table.c.id == rows.c.id)


@functools.cache
def _updating(table: Table, columns: tuple[str, ...]) -> Update:
    values: dict[str, Any] = {c: bindparam(c) for c in columns}
    return update(table).values(values).where(table.c.id == bindparam("id_"))


def _id_apart(row: dict[str, Any]) -> dict[str, Any]:
    """A row's values with its id bound as "id_" (a bind parameter may not share the name
    of a column the UPDATE sets or compares)."""
    return {("id_" if name == "id" else name): value for name, value in row.items()}


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
def _ignoring_conflict_returning_id(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    """Built once per table (a generative `.returning` is a new statement at each call,
    whose cache key SQLAlchemy would compute again)."""
    return _ignoring_conflict(dialect, table, conflict).returning(table.c.id)


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
