"""Rows written in Core beside the unit of work: batch ingest's set-based member updates,
and the transient objects the hot paths build to read their rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member, Redemption, UserGroup
from loyalty_portal.services.core.rows import insert_and_hold, row_of, transient, write_changes


def _members(ctx, *user_ids):
    return ctx.scalars(select(Member).where(Member.user_id.in_(user_ids)).order_by(Member.id)).all()


def test_changed_columns_are_stored_in_one_statement_and_the_flush_writes_nothing(ctx, make):
    make.member("ann", balance=10)
    make.member("bob", balance=20)
    make.member("cyd", balance=30)
    ann, bob, cyd = _members(ctx, "ann", "bob", "cyd")
    ann.balance, ann.lifetime_points = 15, 15
    bob.balance = 25
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        write_changes(ctx, Member, [ann, bob, cyd])
        ctx.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    # one per set of changed columns, none for the unchanged member, none left for the flush
    assert len(updates) == 2, statements
    assert not ctx.dirty
    ctx.commit()
    ctx.expire_all()
    assert [(m.balance, m.lifetime_points) for m in _members(ctx, "ann", "bob", "cyd")] == [
        (15, 15),
        (25, 0),  # an adjustment is not earned: no lifetime points
        (30, 0),
    ]


def test_a_collection_changed_beside_the_columns_is_left_to_the_flush(ctx, make):
    make.group("vip")
    make.member("ann", balance=10)
    (ann,) = _members(ctx, "ann")
    vip = ctx.get(UserGroup, "vip")
    with ctx.no_autoflush:
        ann.balance = 11
        ann.usergroups.append(vip)
        write_changes(ctx, Member, [ann])
    ctx.commit()
    ctx.expire_all()
    (ann,) = _members(ctx, "ann")
    assert ann.balance == 11
    assert [g.id for g in ann.usergroups] == ["vip"]


def _lot_values(member_id: int) -> dict:
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    return dict(
        member_id=member_id,
        kind="earn",
        delta=5,
        remaining=5,
        title="Lot",
        created_at=at,
        source_note="test",
    )


def test_a_transient_object_has_the_row_the_constructor_gives(ctx, make):
    values = _lot_values(7)
    built, constructed = transient(LedgerEntry, **values), LedgerEntry(**values)
    assert row_of(built) == row_of(constructed)
    assert built.delta == 5 and built.expires_at is None and built.id is None
    built.remaining = 3  # later changes are the ORM's as usual
    assert row_of(built)["remaining"] == 3


def test_a_transient_object_refuses_an_unknown_attribute_as_the_constructor_does(ctx):
    with pytest.raises(TypeError, match="points_left"):
        transient(LedgerEntry, points_left=5)
    with pytest.raises(TypeError):
        LedgerEntry(points_left=5)


def test_a_transient_object_a_session_adds_is_inserted_by_the_flush(ctx, make):
    make.member("ann", balance=10)
    (ann,) = _members(ctx, "ann")
    lot = transient(LedgerEntry, **_lot_values(ann.id))
    ctx.add(lot)
    ctx.flush()
    assert lot.id is not None
    ctx.commit()
    ctx.expire_all()
    stored = ctx.get(LedgerEntry, lot.id)
    assert (stored.member_id, stored.kind, stored.delta, stored.title) == (ann.id, "earn", 5, "Lot")


def test_a_model_that_validates_its_attributes_is_refused():
    class Other(DeclarativeBase):
        pass

    class Checked(Other):
        __tablename__ = "checked"
        id: Mapped[int] = mapped_column(primary_key=True)
        points: Mapped[int]

        @validates("points")
        def _positive(self, _key, value):
            assert value > 0
            return value

    with pytest.raises(TypeError, match="validates"):
        transient(Checked, points=-1)


def _coupon(ctx, make, coupon_id: str = "cp_held") -> Redemption:
    make.offer("gift", cost=5)
    make.member("ann", balance=10)
    (ann,) = _members(ctx, "ann")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return transient(
        Redemption,
        id=coupon_id,
        member_id=ann.id,
        offer_id="gift",
        points=5,
        status="ACTIVE",
        code="ABC",
        coupon_metadata={},
        created_at=now,
    )


def test_an_inserted_and_held_object_is_the_sessions_object_of_its_row(ctx, make):
    coupon = _coupon(ctx, make)
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        insert_and_hold(ctx, coupon)
        found = ctx.get(Redemption, "cp_held")  # the identity map's: no SELECT
        assert found is coupon and coupon.used_at is None and coupon.note is None
        ctx.flush()  # nothing left to insert
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT")
    coupon.status = "USED"  # a later change is an UPDATE of the row
    ctx.execute(update(Redemption).values(note="bulk"))  # and a bulk update reaches it
    assert coupon.note == "bulk"
    ctx.commit()
    ctx.expire_all()
    stored = ctx.get(Redemption, "cp_held")
    assert (stored.status, stored.code, stored.note) == ("USED", "ABC", "bulk")
