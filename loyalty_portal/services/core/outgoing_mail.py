"""Queueing mail in the transaction that causes it.

A service adds the message as a row and flushes; nothing leaves before the transaction
commits, and a rolled-back change sends nothing. `loyalty_portal.mail` sends the rows
once the commit is done (and `flask mail send` retries any that could not be sent).
"""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.models import OutgoingMail
from loyalty_portal.services.core.session import DbSession

#: `session.info` key: ids of the mail queued in the session's current transaction.
QUEUED_KEY = "outgoing_mail_ids"


def queue_mail(
    session: DbSession, recipient: str, subject: str, body: str, now: datetime
) -> OutgoingMail:
    mail = OutgoingMail(recipient=recipient, subject=subject[:200], body=body, created_at=now)
    session.add(mail)
    session.flush()
    session.info.setdefault(QUEUED_KEY, []).append(mail.id)
    return mail
