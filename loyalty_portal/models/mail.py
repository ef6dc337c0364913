"""Outgoing mail: written in the transaction that caused it, sent once that commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_portal.models.base import Base, BigId
from loyalty_portal.timeutil import utcnow


class OutgoingMail(Base):
    """One message to one recipient. A sent message keeps no body (it carried a link)."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        Index(
            "ix_outgoing_mail_unsent",
            "created_at",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    #: A sender holds the message until then; another sender may take it over after.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} to {self.recipient} sent={self.sent_at is not None}>"
