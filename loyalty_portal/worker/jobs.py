"""The worker's jobs. Each runs in the app context, commits its own work, and returns the
one-line summary the worker logs.

The periodic jobs call the same service functions as their CLI commands (`flask points
expire`, `flask tiers recompute`, `flask admin analytics-refresh`, `flask
purge-idempotency`, `flask mail send`). On PostgreSQL each periodic job takes an advisory
lock for its transaction, so with several workers one runs it at a time.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.mail.delivery import deliver_unsent
from loyalty_portal.services.analytics import dashboard
from loyalty_portal.services.core import idempotency
from loyalty_portal.services.ledger import expiry, hold_expiry, pending
from loyalty_portal.services.members import birthdays
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.services.webhooks import deliveries, sending
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import plural

#: A job returns its summary, or None when it found nothing to do (logged at DEBUG).
Job = Callable[[threading.Event], str | None]
#: Deliveries claimed at once, and batches per run before the other jobs get their turn.
BATCH = 50
#: Messages fanned out per round (`deliveries.dispatch`).
DISPATCH_BATCH = 200
MAX_BATCHES = 20


def _exclusive(name: str) -> bool:
    """Take the job's advisory lock for this transaction (PostgreSQL); always true on SQLite,
    whose write transactions run one at a time anyway."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"loyalty-worker:{name}".encode())
    return bool(db.session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def deliver_webhooks(stop: threading.Event) -> str | None:
    """Fan new messages out, then send the due deliveries, a batch at a time, until none is
    due or the worker is told to stop (what it claimed but did not try goes back)."""
    config = current_app.config
    dispatched = ok = failed = 0
    for _batch in range(MAX_BATCHES):
        fanned = deliveries.dispatch(db.session, utcnow(), limit=DISPATCH_BATCH)
        dispatched += fanned
        db.session.commit()
        claimed = deliveries.claim_due(
            db.session,
            utcnow(),
            limit=BATCH,
            lease_seconds=int(config["WEBHOOK_CLAIM_SECONDS"]),
        )
        db.session.commit()
        if not claimed and fanned < DISPATCH_BATCH:
            break  # a full fan-out may leave messages behind: those nobody hears come first
        for index, delivery_id in enumerate(claimed):
            if stop.is_set():
                deliveries.release(db.session, claimed[index:])
                db.session.commit()
                break
            reply = _attempt(delivery_id)
            if reply is not None:
                ok, failed = ok + reply.ok, failed + (not reply.ok)
        if stop.is_set():
            break
    if not (dispatched or ok or failed):
        return None
    return f"dispatched {dispatched} messages; {ok} delivered, {failed} attempts failed"


def _attempt(delivery_id: int) -> sending.Reply | None:
    config = current_app.config
    outgoing = deliveries.prepare(db.session, delivery_id, utcnow())
    db.session.rollback()  # no transaction stays open during the POST
    if outgoing is None:
        return None
    if outgoing.endpoint_active:
        reply = sending.post(
            outgoing.url,
            outgoing.body,
            outgoing.headers,
            timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
            allow_private=bool(config["WEBHOOKS_ALLOW_PRIVATE"]),
        )
    else:
        reply = sending.Reply(False, None, 0, error="The endpoint is disabled.")
    delays = tuple(int(d) for d in config["WEBHOOK_RETRY_DELAYS"])
    deliveries.record(db.session, delivery_id, reply, utcnow(), delays=delays)
    db.session.commit()
    return reply


def release_pending(stop: threading.Event) -> str:
    if not _exclusive("pending_release"):
        return "skipped: another worker runs it"
    released = pending.release_all_due(db.session, utcnow(), load_program(db.session))
    db.session.commit()
    return f"released {released:,} pending points"


def expire_lots(stop: threading.Event) -> str:
    if not _exclusive("lot_expiry"):
        return "skipped: another worker runs it"
    members, points = expiry.expire_all_due(db.session, utcnow())
    db.session.commit()
    return f"expired {plural(points, 'point')} of {plural(members, 'member')}"


def expire_holds(stop: threading.Event) -> str:
    """Settle checkouts' holds past `expiresAt` (reads already count them as released)."""
    if not _exclusive("hold_expiry"):
        return "skipped: another worker runs it"
    members = hold_expiry.expire_all_due_holds(db.session, utcnow())
    db.session.commit()
    return f"settled the expired holds of {plural(members, 'member')}"


def pay_birthdays(stop: threading.Event) -> str:
    """Today's birthday rewards (program time zone); paid once a year, so runs may repeat."""
    if not _exclusive("birthdays"):
        return "skipped: another worker runs it"
    paid, points = birthdays.award_birthdays(db.session, utcnow())
    db.session.commit()
    return f"birthday rewards: {plural(points, 'point')} to {plural(paid, 'member')}"


def recompute_tiers(stop: threading.Event) -> str:
    if not _exclusive("tier_recompute"):
        return "skipped: another worker runs it"
    program = load_program(db.session)
    changed = tiers.recompute_all(db.session, utcnow(), program.tier_window_days)
    db.session.commit()
    return f"{changed:,} members changed tier"


def refresh_analytics(stop: threading.Event) -> str:
    if not _exclusive("analytics_refresh"):
        return "skipped: another worker runs it"
    _state, changed = dashboard.refresh(db.session, utcnow(), max_age=timedelta(0))
    db.session.commit()
    return "rollups refreshed" if changed else "rollups already up to date"


def purge_idempotency(stop: threading.Event) -> str:
    hours = current_app.config["IDEMPOTENCY_TTL_HOURS"]
    removed = idempotency.purge(db.session, utcnow() - timedelta(hours=hours))
    db.session.commit()
    return f"removed {removed:,} idempotency records"


def purge_outbox(stop: threading.Event) -> str:
    days = int(current_app.config["WEBHOOK_RETENTION_DAYS"])
    removed = deliveries.purge(db.session, utcnow() - timedelta(days=days))
    db.session.commit()
    return f"removed {removed:,} webhook messages older than {days} days"


def send_mail(stop: threading.Event) -> str:
    sent, failed = deliver_unsent()
    return f"{sent} mails sent, {failed} not sent"


#: name -> job; the names are the keys of WORKER_INTERVALS.
JOBS: dict[str, Job] = {
    "deliveries": deliver_webhooks,
    "pending_release": release_pending,
    "lot_expiry": expire_lots,
    "hold_expiry": expire_holds,
    "birthdays": pay_birthdays,
    "tier_recompute": recompute_tiers,
    "analytics_refresh": refresh_analytics,
    "idempotency_purge": purge_idempotency,
    "outbox_purge": purge_outbox,
    "mail_retry": send_mail,
}
