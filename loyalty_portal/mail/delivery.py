"""Sending queued mail right after its transaction commits, outside any transaction.

An `after_commit` hook hands the ids queued in the committed transaction to a short-lived
thread, so mail leaves within seconds whether or not a worker runs, and a slow SMTP server
never holds a request or a database lock. Each message is claimed (a conditional UPDATE,
committed) before it is sent, so two senders never send it at once; a failed send is
logged and retried a few times, and what still fails stays queued for `flask mail send`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from loyalty_portal.extensions import db
from loyalty_portal.mail.transport import build_message, parse_smtp_url, send_smtp, send_to_console
from loyalty_portal.models import OutgoingMail
from loyalty_portal.services.core.outgoing_mail import QUEUED_KEY
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import rowcount
from loyalty_portal.timeutil import utcnow

log = logging.getLogger(__name__)
#: How long a sender holds a claimed message before another may take it over.
CLAIM = timedelta(minutes=2)
#: After this many attempts a message is left alone (it stays listed as unsent).
MAX_ATTEMPTS = 10


class Deliveries:
    """The app's sending threads, so tests and shutdown can wait for them."""

    def __init__(self) -> None:
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def start(self, app: Flask, ids: list[int]) -> None:
        thread = threading.Thread(
            target=self._run, args=(app, ids), name="mail-delivery", daemon=True
        )
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _run(self, app: Flask, ids: list[int]) -> None:
        try:
            with app.app_context():
                for mail_id in ids:
                    deliver(mail_id, retry_delays=app.config["MAIL_RETRY_DELAYS"])
        except Exception:  # a thread's error would otherwise vanish
            log.exception("mail delivery failed; `flask mail send` retries")
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads or time.monotonic() > deadline:
                return
            threads[0].join(max(0.0, deadline - time.monotonic()))


def _after_commit(session: DbSession) -> None:
    ids = session.info.pop(QUEUED_KEY, None)
    if not ids or not has_app_context():
        return
    deliveries = current_app.extensions.get("mail")
    if deliveries is not None:
        deliveries.start(current_app._get_current_object(), ids)  # type: ignore[attr-defined]  # the proxy's real app


def _after_rollback(session: DbSession) -> None:
    session.info.pop(QUEUED_KEY, None)


def install_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _claim(mail_id: int) -> OutgoingMail | None:
    """Take the message for sending (one committed UPDATE); None if sent or held."""
    now = utcnow()
    taken = rowcount(
        db.session.execute(
            update(OutgoingMail)
            .where(
                OutgoingMail.id == mail_id,
                OutgoingMail.sent_at.is_(None),
                or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
            )
            .values(claimed_until=now + CLAIM, attempts=OutgoingMail.attempts + 1)
        )
    )
    db.session.commit()
    return db.session.get(OutgoingMail, mail_id) if taken else None


def _finish(mail_id: int, error: str | None) -> None:
    values: dict[str, object] = {"claimed_until": None, "last_error": error}
    if error is None:
        values |= {"sent_at": utcnow(), "body": ""}
    db.session.execute(update(OutgoingMail).where(OutgoingMail.id == mail_id).values(**values))
    db.session.commit()


def hand_over(mail: OutgoingMail) -> None:
    """Send one message by SMTP, or to the console when no SMTP server is set."""
    config = current_app.config
    message = build_message(config["MAIL_FROM"], mail.recipient, mail.subject, mail.body)
    if config.get("SMTP_URL"):
        send_smtp(parse_smtp_url(config["SMTP_URL"]), message)
    else:
        name = f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id}"
        send_to_console(Path(current_app.instance_path) / "mail", name, message)


def deliver(mail_id: int, retry_delays: Iterable[float] = ()) -> bool:
    """Send a queued message, retrying after each delay; True once it has left."""
    for delay in (0, *retry_delays):
        time.sleep(delay)
        mail = _claim(mail_id)
        if mail is None:
            return False
        try:
            hand_over(mail)
        except Exception as exc:  # SMTP, network or TLS errors alike: log, keep it queued
            _finish(mail_id, f"{type(exc).__name__}: {exc}"[:500])
            log.warning(
                "mail %s to %s not sent (attempt %s): %s",
                mail_id,
                mail.recipient,
                mail.attempts,
                exc,
            )
            continue
        _finish(mail_id, None)
        return True
    log.error("mail %s still not sent; `flask mail send` retries it", mail_id)
    return False


def deliver_unsent(limit: int = 500) -> tuple[int, int]:
    """Send what is still queued (cron, or a worker); (sent, not sent)."""
    now = utcnow()
    ids = db.session.scalars(
        select(OutgoingMail.id)
        .where(
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.attempts < MAX_ATTEMPTS,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
        )
        .order_by(OutgoingMail.created_at, OutgoingMail.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    sent = sum(deliver(mail_id) for mail_id in ids)
    return sent, len(ids) - sent
