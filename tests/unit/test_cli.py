"""The flask commands, through app.test_cli_runner()."""

from __future__ import annotations

from datetime import timedelta

import jwt
from sqlalchemy import func, select, text

from loyalty_portal.extensions import db
from loyalty_portal.models import (
    Account,
    ApiKey,
    EarningRule,
    LedgerEntry,
    Member,
    Offer,
    Redemption,
)
from loyalty_portal.services.earning import events
from loyalty_portal.services.members import api_keys
from loyalty_portal.timeutil import utcnow
from tests.conftest import API_SECRET


def test_seed_demo_builds_the_program_once(app, runner, tmp_path):
    logins = tmp_path / "logins.txt"
    result = runner.invoke(
        args=["seed-demo", "--password", "demo-pass-123", "--logins-file", str(logins)]
    )
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output and "demo-pass-123" in result.output
    assert logins.stat().st_mode & 0o777 == 0o600
    with app.app_context():
        s = db.session
        rules = {r.event_id: r for r in s.scalars(select(EarningRule))}
        assert {"daily_login", "purchase_completed", "review_written"} <= set(rules)
        assert rules["purchase_completed"].max_per_event == 500
        assert s.scalar(select(func.count()).select_from(Offer)) >= 8
        offers = list(s.scalars(select(Offer)))
        limited = [o for o in offers if o.stock is not None]
        assert any(o.stock + redemptions(s, o.id) == 5 for o in limited)  # stock of 5 at start
        assert any(o.limit_per_member == 1 for o in offers) and any(o.stock is None for o in offers)
        assert any(o.min_tier and o.min_tier.name == "Gold" for o in offers)
        assert any(o.fulfilment == "manual" for o in offers)
        assert any(o.valid_until and o.valid_until < utcnow() for o in offers)
        assert any(o.valid_from and o.valid_from > utcnow() for o in offers)
        demo = s.scalars(select(Member).where(Member.user_id.in_(["alice", "bob", "carol"]))).all()
        assert len(demo) == 3
        oldest = s.scalar(select(func.min(LedgerEntry.created_at)))
        assert utcnow() - oldest > timedelta(days=90)  # months of history
        before = s.scalar(select(func.count()).select_from(LedgerEntry))
    again = runner.invoke(args=["seed-demo", "--logins-file", str(logins)])
    assert again.exit_code == 0 and "nothing seeded" in again.output
    assert "demo-pass-123" in again.output  # the logins are still shown
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == before
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def redemptions(session, offer_id):
    return session.scalar(
        select(func.count()).select_from(Redemption).where(Redemption.offer_id == offer_id)
    )


def test_create_admin_and_member(app, runner, client, auth):
    result = runner.invoke(args=["create-admin", "Boss@Example.com", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "create-member",
            "ann@example.com",
            "--user-id",
            "ann-42",
            "--password",
            "s3cret-pass",
        ]
    )
    assert result.exit_code == 0 and "ann-42" in result.output
    duplicate = runner.invoke(args=["create-admin", "boss@example.com", "--password", "x" * 10])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(args=["create-admin", "other@example.com", "--password", "short"])
    assert short.exit_code != 0 and "10 characters" in short.output
    with app.app_context():
        boss = db.session.scalars(select(Account).where(Account.email == "boss@example.com")).one()
        assert boss.role == "admin" and boss.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert auth.login("boss@example.com", "s3cret-pass").headers["Location"] == "/admin/"


def test_api_key_lifecycle(app, runner):
    created = runner.invoke(
        args=["api-key", "create", "shop backend", "--scope", "events", "--scope", "read"]
    )
    assert created.exit_code == 0, created.output
    plain = created.stdout.strip().splitlines()[-1]
    assert plain.startswith("lp_")
    with app.app_context():
        key = api_keys.authenticate(db.session, plain, utcnow())
        assert key is not None and list(key.scopes) == ["events", "read"]
        stored = db.session.get_one(ApiKey, key.id)  # authenticate answers a cached snapshot
        assert stored.key_hash != plain and plain not in str(
            db.session.execute(text("SELECT * FROM api_key")).all()
        )
    listed = runner.invoke(args=["api-key", "list"])
    assert "shop backend" in listed.output and "active" in listed.output
    assert plain not in listed.output
    bad = runner.invoke(args=["api-key", "create", "x", "--scope", "admin"])
    assert bad.exit_code != 0
    revoked = runner.invoke(args=["api-key", "revoke", str(key.id)])
    assert revoked.exit_code == 0
    with app.app_context():
        assert api_keys.authenticate(db.session, plain, utcnow()) is None
        assert db.session.get(ApiKey, key.id).revoked_at is not None


def test_token_prints_a_valid_member_jwt(runner):
    result = runner.invoke(args=["token", "ann", "--ttl", "120"])
    assert result.exit_code == 0
    claims = jwt.decode(
        result.output.strip(),
        API_SECRET,
        algorithms=["HS256"],
        audience="test-project",
        issuer="test-tenant",
    )
    assert claims["sub"] == "ann" and claims["exp"] - claims["iat"] == 120


def test_points_expire_is_idempotent(app, runner, make):
    past = utcnow() - timedelta(days=40)
    make.rule("login", points=10, expiry_policy="days", expiry_days=30)
    make.rule("slow", points=7, pending_days=3)
    with app.app_context():
        for event_id in ("login", "slow"):
            events.record_event(
                db.session, user_id="ann", event_id=event_id, now=past, source="test", trusted=True
            )
        db.session.commit()
    first = runner.invoke(args=["points", "expire"])
    assert first.exit_code == 0
    assert "Expired 10 points of 1 member;" in first.output
    assert "released 7 pending points" in first.output
    second = runner.invoke(args=["points", "expire"])
    assert "Expired 0 points of 0 members; released 0" in second.output
    with app.app_context():
        member = db.session.scalars(select(Member)).one()
        assert member.balance == 7
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_tiers_recompute(app, runner, make):
    make.tier("Bronze", 0)
    make.tier("Gold", 100, "1.5")
    make.rule("big", points=150)
    with app.app_context():
        events.record_event(
            db.session,
            user_id="ann",
            event_id="big",
            now=utcnow() - timedelta(days=400),
            source="test",
            trusted=True,
        )
        db.session.commit()
        assert db.session.scalars(select(Member)).one().tier.name == "Gold"
    result = runner.invoke(args=["tiers", "recompute"])
    assert "1 member changed tier" in result.output
    with app.app_context():
        assert db.session.scalars(select(Member)).one().tier.name == "Bronze"


def test_ledger_verify_finds_a_corrupted_balance(app, runner, make):
    make.member("ann", balance=100)
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE member SET balance = 90 WHERE user_id = 'ann'"))
        db.session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "member ann: balance 90 but entries sum to 100" in result.output
    assert "member ann: balance 90 but live lots hold 100" in result.output


def test_ledger_verify_finds_an_oversold_limit_and_a_lot_out_of_range(app, runner, make):
    make.member("ann", balance=100)
    with app.app_context():
        db.session.execute(text("UPDATE ledger_entry SET remaining = 0"))
        db.session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "live lots hold 0" in result.output
