"""Members (the points holders) and accounts (who logs in)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loyalty_portal.models.base import Base
from loyalty_portal.models.enums import Role, one_of
from loyalty_portal.timeutil import utcnow

if TYPE_CHECKING:
    from loyalty_portal.models.program import Tier, UserGroup


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_non_negative"),
        CheckConstraint("lifetime_points >= 0", name="lifetime_non_negative"),
        Index("ix_member_created", "created_at"),  # new members per day (analytics)
        Index("ix_member_birthday", "birth_month", "birth_day"),  # today's birthdays
        CheckConstraint("birth_month IS NULL OR birth_month BETWEEN 1 AND 12", name="birth_month"),
        CheckConstraint("birth_day IS NULL OR birth_day BETWEEN 1 AND 31", name="birth_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    balance: Mapped[int] = mapped_column(default=0)
    lifetime_points: Mapped[int] = mapped_column(default=0)
    #: Reversed points that had been spent already; repaid first from the next earnings.
    points_owed: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Points in holds that are HELD (an expired one counts until it is settled).
    held_points: Mapped[int] = mapped_column(default=0, server_default="0")
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]
    #: Shown to friends it invites (created on first use, unique).
    referral_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    birth_month: Mapped[int | None]
    birth_day: Mapped[int | None]
    birth_year: Mapped[int | None]

    tier: Mapped[Tier | None] = relationship(lazy="joined")
    usergroups: Mapped[list[UserGroup]] = relationship(
        secondary="member_usergroup", order_by="UserGroup.id"
    )

    @property
    def name(self) -> str:
        return self.display_name or self.user_id

    def __repr__(self) -> str:
        return f"<Member {self.user_id} balance={self.balance}>"


class Account(UserMixin, Base):
    """A login. Members may have one; admins need not be members."""

    __tablename__ = "account"
    __table_args__ = (CheckConstraint(one_of("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), unique=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: Part of every login session's id: bumping it ends all of the account's sessions.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When the owner followed a verification (or password reset) link sent to the email.
    email_verified_at: Mapped[datetime | None]

    member: Mapped[Member | None] = relationship(lazy="joined")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """Flask-Login keeps this in the session: a new version makes old sessions unknown."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<Account {self.email or self.id} {self.role}>"
