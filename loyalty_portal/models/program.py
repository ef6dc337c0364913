"""Program-wide settings, tiers and user groups."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_portal.models.base import Base
from loyalty_portal.models.enums import ExpiryPolicy, one_of
from loyalty_portal.timeutil import utcnow


class ProgramSettings(Base):
    """At most one row; a missing row or a NULL column falls back to the app config."""

    __tablename__ = "program_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(one_of("expiry_policy", ExpiryPolicy, nullable=True), name="expiry_policy"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(64))
    expiry_policy: Mapped[str | None] = mapped_column(String(16))
    expiry_days: Mapped[int | None]
    pending_days: Mapped[int | None]
    tier_window_days: Mapped[int | None]
    coupon_valid_days: Mapped[int | None]
    #: Points every new member gets on creation (through the ledger); NULL or 0: none.
    welcome_bonus: Mapped[int | None]
    tenant_id: Mapped[str | None] = mapped_column(String(128))
    project_id: Mapped[str | None] = mapped_column(String(128))
    #: Origins (space-separated) whose pages may frame the portal: the web-view embed.
    embed_origins: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Tier(Base):
    __tablename__ = "tier"
    __table_args__ = (
        CheckConstraint("threshold >= 0", name="threshold_non_negative"),
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    threshold: Mapped[int] = mapped_column(unique=True)
    multiplier: Mapped[Decimal] = mapped_column(default=Decimal(1))
    benefits: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Tier {self.name} >= {self.threshold}>"


class UserGroup(Base):
    __tablename__ = "usergroup"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def display_title(self, lang: str | None = None) -> str:
        return (lang and self.title.get(lang)) or self.title.get("default") or self.id


class MemberUserGroup(Base):
    __tablename__ = "member_usergroup"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    usergroup_id: Mapped[str] = mapped_column(
        ForeignKey("usergroup.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ConfigVersion(Base):
    """One row: a counter bumped in the same transaction as any change of configuration
    (keys, settings, rules, tiers, groups, offers), so every process's cache sees it."""

    __tablename__ = "config_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
