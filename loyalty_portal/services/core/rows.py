"""Rows decided as ORM objects, written in Core: the hot paths' inserts and batch updates.

The services build transient ORM objects (the one place that says what a change writes);
flushing them through the unit of work costs several times what storing them does
(attribute events, flush bookkeeping, a RETURNING per row for ids nobody reads), so the
hot paths read their column values into plain dicts (`row_of`) and insert those:
batch ingest set-based (`sql.insert_many`), a single event one statement a row
(`insert_row`). A row written so never joins the session, unless the caller hands it
on (`insert_and_hold`). Batch ingest also stores its members' changes set-based
(`write_changes`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

from sqlalchemy import Insert, Table, insert, inspect
from sqlalchemy.orm import InstanceState, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from loyalty_portal.models.base import Base
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import update_many

M = TypeVar("M", bound=Base)


def transient(model: type[M], **values: Any) -> M:
    """`model(**values)` without the ORM's attribute event for each value: the hot paths
    build a log and a lot per event (a batch, thousands) mostly to read their rows back
    (`row_of`), and the events cost more than the rest of building them. The object is an
    ordinary transient one: later changes are tracked, and a session it joins inserts it.
    A model with `@validates` hooks is refused: they would be skipped here."""
    if unknown := values.keys() - _settable(model):
        raise TypeError(f"{', '.join(sorted(unknown))} not an attribute of {model.__name__}")
    obj: M = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


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


def insert_and_hold(session: DbSession, obj: Base) -> None:
    """`insert_row`, then hold `obj` in the session as that row's persistent object, as a
    flush would have left it (the identity map finds it, later changes flush as UPDATEs,
    bulk updates refresh it) without the unit of work's cost of inserting it. A column
    it was not given holds NULL unless it has a default, which is read back if asked for."""
    insert_row(session, obj)
    values = obj.__dict__
    for attr in _without_default(type(obj)):
        if attr not in values:
            set_committed_value(obj, attr, None)
    make_transient_to_detached(obj)
    session.add(obj)


def write_changes(session: DbSession, model: type[Base], objects: Iterable[Base]) -> None:
    """Store the changed columns of loaded `model` objects set-based (`sql.update_many`) and
    mark them stored, so the next flush has nothing left to write for them. What else
    changed on them (a collection) is left to that flush.

    Batch ingest changes hundreds of members. Flushing them cost about a fifth of the
    batch's time: an UPDATE a row, and around each the unit of work's bookkeeping (the
    history of every relationship, for objects merely marked dirty as well)."""
    columns = _column_names(model)
    attributes = _attribute_keys(model)
    rows: list[dict[str, Any]] = []
    written: list[tuple[InstanceState[Any], AbstractSet[str], bool]] = []
    for obj in objects:
        state = inspect(obj)
        if not state.persistent:
            continue
        changed = attributes - state.unmodified
        keys = changed & columns.keys()
        if keys:
            values = state.dict
            rows.append({"id": values["id"], **{columns[k]: values[k] for k in keys}})
            written.append((state, keys, keys == changed))
    if rows:
        with session.no_autoflush:  # else the flush would write them first, row by row
            update_many(session, model.__table__, rows)
    for state, stored, only_columns in written:
        if only_columns:  # clean now, as after a flush: the next one skips it
            state._commit_all(state.dict, session.identity_map)
        else:
            for key in stored:
                set_committed_value(state.obj(), key, state.dict[key])


@functools.cache
def _attribute_keys(model: type[Base]) -> frozenset[str]:
    """Every mapped attribute (columns and relationships): `state.attrs` builds an
    AttributeState for each on every call."""
    return frozenset(model.__mapper__.attrs.keys())


@functools.cache
def _settable(model: type[Base]) -> frozenset[str]:
    """The attributes `transient` may set: all of them, for a model without validators."""
    if model.__mapper__.validators:
        raise TypeError(f"{model.__name__} validates its attributes: build it with its constructor")
    return _attribute_keys(model)


@functools.cache
def _column_names(model: type[Base]) -> dict[str, str]:
    """Column name by attribute."""
    return {attr: column for attr, column, _ in _columns(model)}


@functools.cache
def _inserting(table: Table, returning_id: bool) -> Insert:
    stmt = insert(table)
    return stmt.returning(table.c.id) if returning_id else stmt


@functools.cache
def _without_default(model: type[Base]) -> tuple[str, ...]:
    """The column attributes whose column has no default (NULL when not given)."""
    return tuple(
        prop.key
        for prop in model.__mapper__.column_attrs
        if prop.columns[0].default is None and prop.columns[0].server_default is None
    )


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
