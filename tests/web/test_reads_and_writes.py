"""A GET that writes begins like a write; only views declared `reads_only` begin deferred.

On SQLite a deferred transaction that has read cannot take the write lock once another
connection has committed since (the emailed link then answered 409 while the mail thread
marked a message sent). PostgreSQL runs the same tests: the behaviour holds on both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from loyalty_portal.extensions import db
from loyalty_portal.models import Account, Member
from loyalty_portal.services.members import account_tokens
from loyalty_portal.timeutil import utcnow
from tests.api.conftest import Api


@contextmanager
def _commit_elsewhere_before_the_first_flush(
    app, member_id: int
) -> Iterator[list[threading.Thread]]:
    """Another connection writes just before the request writes its own: it commits at
    once if it can (the request has no write lock yet), else after the request."""
    writers: list[threading.Thread] = []

    def write() -> None:
        with app.app_context(), db.engine.connect() as other:
            other.execute(
                update(Member).where(Member.id == member_id).values(display_name="Elsewhere")
            )
            other.commit()

    def other_writer(session: Session, _context, _instances) -> None:
        if writers:
            return
        writers.append(threading.Thread(target=write))
        writers[0].start()
        writers[0].join(2)  # done unless it waits for this request's lock

    event.listen(Session, "before_flush", other_writer)
    try:
        yield writers
    finally:
        event.remove(Session, "before_flush", other_writer)
        for each in writers:
            each.join(30)


def test_an_emailed_link_confirms_even_when_another_write_lands_first(app, client, make):
    account = make.member_login("dana@example.com")
    bystander = make.member("bystander")
    with app.app_context():
        db.session.execute(
            update(Account).where(Account.id == account.id).values(email_verified_at=None)
        )
        db.session.commit()
        fresh = db.session.get(Account, account.id)
        token = account_tokens.verification_token(app.config["SECRET_KEY"], fresh, utcnow())
        db.session.rollback()

    with _commit_elsewhere_before_the_first_flush(app, bystander.id):
        confirmed = client.get(f"/auth/verify/{token}")

    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/auth/login"
    with app.app_context():
        assert db.session.get(Account, account.id).email_verified_at is not None
        assert db.session.get(Member, bystander.id).display_name == "Elsewhere"


def test_a_points_read_answers_while_another_request_holds_the_write_lock(app, client, make):
    make.member("ann", balance=120)
    api = Api(client, make)
    key = api.key("read")
    started, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with app.app_context(), db.engine.connect() as writer:
            writer.execute(text("UPDATE member SET display_name = 'busy' WHERE user_id = 'ann'"))
            started.set()
            release.wait(30)
            writer.rollback()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert started.wait(10)
        answer = api.get("/v1/user/ann/points", key)  # a blocked read would answer 409
    finally:
        release.set()
        holder.join(10)

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["points"] == 120


@pytest.mark.parametrize("path", ["/v1/user/ann", "/v1/user/ann/points"])
def test_views_declared_read_only_refuse_to_write(app, client, make, path, monkeypatch):
    """The guard behind `reads_only`: a declared read that flushes a change fails loudly."""
    from loyalty_portal.services.members import summary

    make.member("ann", balance=10)
    api = Api(client, make)

    def writing(real):
        def read_that_writes(session, user_id, *args, **kwargs):
            result = real(session, user_id, *args, **kwargs)
            member = session.scalars(select(Member).filter_by(user_id=user_id)).one()
            member.display_name = "written by a read"
            session.flush()
            return result

        return read_that_writes

    # the profile read goes through standing, the points read through points_now
    monkeypatch.setattr(summary, "standing", writing(summary.standing))
    monkeypatch.setattr(summary, "points_now", writing(summary.points_now))
    answer = api.get(path, api.key("read"))
    assert answer.status_code == 500
    with app.app_context():
        names = db.session.scalars(text("SELECT display_name FROM member")).all()
        assert "written by a read" not in names
