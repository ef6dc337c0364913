"""The append-only points ledger. Positive entries are lots that spending consumes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loyalty_portal.models.base import Base, BigId, index_where_set
from loyalty_portal.models.enums import EntryKind, one_of
from loyalty_portal.timeutil import utcnow

if TYPE_CHECKING:
    from loyalty_portal.models.earning import EventLog
    from loyalty_portal.models.redemption import Redemption

_LIVE_LOT = text("remaining > 0")


class LedgerEntry(Base):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_non_zero"),
        CheckConstraint(one_of("kind", EntryKind), name="kind"),
        CheckConstraint(
            "remaining IS NULL OR (remaining >= 0 AND remaining <= delta)", name="remaining"
        ),
        CheckConstraint(
            "event_log_id IS NOT NULL OR redemption_id IS NOT NULL OR lot_id IS NOT NULL "
            "OR actor_account_id IS NOT NULL OR api_key_id IS NOT NULL OR source_note IS NOT NULL",
            name="has_source",
        ),
        Index("ix_ledger_entry_member_time", "member_id", "created_at", "id"),
        Index("ix_ledger_entry_member_kind_time", "member_id", "kind", "created_at"),
        Index("ix_ledger_entry_time", "created_at"),
        Index(
            "ix_ledger_entry_live_lots",
            "member_id",
            "expires_at",
            sqlite_where=_LIVE_LOT,
            postgresql_where=_LIVE_LOT,
        ),
        # Expiry entries point at their lot; deleting or checking a lot finds them by index
        # (without it, SQLite's foreign-key check scans the whole table per deleted row).
        index_where_set("ix_ledger_entry_lot", "lot_id"),
        index_where_set("ix_ledger_entry_event_log_id", "event_log_id"),
        index_where_set("ix_ledger_entry_redemption_id", "redemption_id"),
        index_where_set("ix_ledger_entry_order_id", "order_id"),
        index_where_set("ix_ledger_entry_hold_id", "hold_id"),
        Index(
            "ix_ledger_entry_expiring",
            "expires_at",
            sqlite_where=_LIVE_LOT,
            postgresql_where=_LIVE_LOT,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    delta: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Lots (positive entries) only:
    expires_at: Mapped[datetime | None]
    remaining: Mapped[int | None]
    # Where it came from (at least one):
    event_log_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("event_log.id"))
    #: Set instead of the id when the log is new: one flush inserts both, in order.
    event_log: Mapped[EventLog | None] = relationship(foreign_keys=[event_log_id])
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("earning_rule.id"))
    redemption_id: Mapped[str | None] = mapped_column(ForeignKey("redemption.id"))
    #: So that a flush inserts a new coupon before the entry that pays for it.
    redemption: Mapped[Redemption | None] = relationship(foreign_keys=[redemption_id])
    lot_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_entry.id"))
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    source_note: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("shop_order.id", ondelete="SET NULL")
    )
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("points_hold.id", ondelete="SET NULL"))

    @property
    def is_lot(self) -> bool:
        return self.remaining is not None

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.kind} {self.delta:+d} member={self.member_id}>"
