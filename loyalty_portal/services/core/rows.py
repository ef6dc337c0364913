"""Rows decided as ORM objects, written in Core: the hot paths' inserts.

The services build transient ORM objects (the one place that says what a change writes);
flushing them through the unit of work costs several times what storing them does
(attribute events, flush bookkeeping, a RETURNING per row for ids nobody reads), so the
hot paths read their column values into plain dicts (`row_of`) and insert those:
batch ingest set-based (`sql.insert_many`), a single event one statement a row
(`insert_row`). A row written so never joins the session.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Insert, Table, insert

from loyalty_portal.models.base import Base
from loyalty_portal.services.core.session import DbSession


def row_of(obj: Base) -> dict[str, Any]:
    """A transient ORM object's column values by column name: what a flush inserts. The
    attributes it was given; as the ORM does, a None is left out where the column has a
    default (which then applies), so that most rows of a table share one set of columns."""
    values = obj.__dict__
    row = {}
    for attr, column, default_for_none in _columns(type(obj)):
        if attr in values and not (default_for_none and values[attr] is None):
            row[column] = values[attr]
    return row


def insert_row(session: DbSession, obj: Base, *, returning_id: bool = False) -> Any:
    """INSERT `obj`'s row on the session's connection (no flush; the object stays out of
    the session); with `returning_id`, the new row's id, also set on `obj`."""
    table: Table = obj.__table__
    result = session.connection().execute(_inserting(table, returning_id), row_of(obj))
    if not returning_id:
        return None
    new_id = result.scalar_one()
    obj.id = new_id  # type: ignore[attr-defined]
    return new_id


@functools.cache
def _inserting(table: Table, returning_id: bool) -> Insert:
    stmt = insert(table)
    return stmt.returning(table.c.id) if returning_id else stmt


@functools.cache
def _columns(model: type[Base]) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, column name, whether None means "the default") of the model's columns."""
    mapper = model.__mapper__
    found = []
    for prop in mapper.column_attrs:
        col = prop.columns[0]
        has_default = col.default is not None or col.server_default is not None
        found.append((prop.key, col.key, has_default and not col.type.should_evaluate_none))
    return tuple(found)
