"""CSV exports (streamed, bounded memory) and the member import with its dry run."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, LedgerEntry, Member, ProgramSettings
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_ledger_for_a_date_range(app, client, admin, make):
    make.member("ann", display_name="Ann")
    with app.app_context():
        db.session.add(ProgramSettings(id=1, timezone="Europe/Berlin"))
        member = db.session.query(Member).filter_by(user_id="ann").one()
        for day, points, reason in [(1, 10, "=HYPERLINK(1)"), (2, 20, "two"), (3, 30, "three")]:
            at = datetime(2026, 5, day, 21, 30, tzinfo=UTC)  # 23:30 in Berlin: still that day
            adjustments.adjust(
                db.session, member, points, reason=reason, actor=Actor.system("t"), now=at
            )
        db.session.commit()
    response = client.post(
        "/admin/exports", data={"kind": "ledger", "start": "2026-05-02", "end": "2026-05-03"}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ledger-')
    exported = rows(response)
    assert [(r["userId"], r["points"], r["description"]) for r in exported] == [
        ("ann", "20", "two"),
        ("ann", "30", "three"),
    ]
    assert exported[0]["createdAt"] == "2026-05-02T21:30:00+00:00"
    everything = rows(client.post("/admin/exports", data={"kind": "ledger"}))
    assert everything[0]["description"] == "'=HYPERLINK(1)"  # a spreadsheet won't run it
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(action="data.export").first()
    assert entry.target_id == "ledger" and entry.after == {"from": "2026-05-02", "to": "2026-05-03"}


def test_export_members_and_redemptions(app, client, admin, make):
    make.member_login("ann@example.com", user_id="ann", balance=100)
    make.offer("mug", title="Mug", cost=40)
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        coupon = redeeming.redeem(db.session, ann, "mug", now=utcnow(), actor=Actor.member("ann"))
        coupon_id, code = coupon.id, coupon.code
        db.session.commit()
    (member,) = rows(client.post("/admin/exports", data={"kind": "members"}))
    assert (member["userId"], member["email"], member["balance"]) == (
        "ann",
        "ann@example.com",
        "60",
    )
    (row,) = rows(client.post("/admin/exports", data={"kind": "redemptions"}))
    assert (row["couponId"], row["offerTitle"], row["status"]) == (coupon_id, "Mug", "ACTIVE")
    assert row["code"] == code


def test_export_refuses_a_backwards_range(app, client, admin):
    response = client.post(
        "/admin/exports", data={"kind": "ledger", "start": "2026-05-03", "end": "2026-05-01"}
    )
    assert response.status_code == 400
    assert "&#39;from&#39; is after &#39;to&#39;." in response.data.decode()
    with app.app_context():
        assert db.session.query(AuditLog).count() == 0


def test_export_of_100000_ledger_rows_streams_in_bounded_memory(app, client, admin, make):
    member = make.member("bulk")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        db.session.execute(
            insert(LedgerEntry),
            [
                {
                    "member_id": member.id,
                    "kind": "adjust",
                    "delta": 1,
                    "title": "Bulk entry with a reasonably long title",
                    "description": f"row {n} of the hundred thousand",
                    "created_at": start + timedelta(seconds=n),
                    "source_note": "bulk",
                }
                for n in range(100_000)
            ],
        )
        db.session.commit()
    response = client.post("/admin/exports", data={"kind": "ledger"}, buffered=False)
    assert response.status_code == 200
    lines = size = 0
    tracemalloc.start()
    try:
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count("\r\n") if isinstance(chunk, str) else chunk.count(b"\r\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    assert lines == 100_001  # the header and every row
    assert size > 10_000_000
    print(f"export: {size:,} bytes of CSV, tracemalloc peak {peak:,} bytes")
    assert peak < 4_000_000, f"peak {peak:,} bytes for {size:,} bytes of CSV"


def import_file(client, text: str, *, dry_run: bool):
    button = {"dry_run": "1"} if dry_run else {"import": "1"}
    return client.post(
        "/admin/imports/members",
        data={"file": (io.BytesIO(text.encode()), "members.csv"), **button},
        content_type="multipart/form-data",
    )


def snapshot(app):
    with app.app_context():
        return (
            db.session.query(Member).count(),
            db.session.query(LedgerEntry).count(),
            db.session.query(AuditLog).count(),
        )


BAD_FILE = (
    "userId,name,balance,groups\n"
    "ok-1,Ann,100,staff\n"
    "bad id,Bob,10,\n"
    "ok-1,Dup,5,\n"
    "ok-3,Cid,-4,\n"
    "ok-4,Dee,lots,\n"
    "taken,Eve,1,\n"
    "ok-6,Fay,1,nosuchgroup\n"
    "ok-7,Gus,1,,extra\n"
)


def test_dry_run_reports_every_bad_row_and_writes_nothing(app, client, admin, make):
    make.group("staff")
    make.member("taken")
    before = snapshot(app)
    for dry_run in (True, False):  # pressing Import on a bad file writes nothing either
        html = import_file(client, BAD_FILE, dry_run=dry_run).data.decode()
        assert "7 problems found; nothing was imported." in html
        for expected in (
            "Line 3: userId must be 1 to 128 letters",
            "Line 4: userId ok-1 is also on line 2",
            "Line 5: balance must be 0 to 10,000,000",
            "Line 6: balance &#39;lots&#39; is not a whole number",
            "Line 7: userId taken already exists",
            "Line 8: unknown user group nosuchgroup",
            "Line 9: More cells than columns.",
        ):
            assert expected in html, expected
        assert snapshot(app) == before


def test_a_clean_dry_run_then_the_import(app, client, admin, make):
    make.group("staff")
    text = "userId,name,balance,groups\nann,Ann,100,staff\nbob,,0,\ncid,Cid,250,\n"
    before = snapshot(app)
    html = import_file(client, text, dry_run=True).data.decode()
    assert "The file is clean: 3 members with 350 points would be imported." in html
    assert snapshot(app) == before
    html = import_file(client, text, dry_run=False).data.decode()
    assert "Imported 3 members with 350 points." in html
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        assert (ann.display_name, ann.balance) == ("Ann", 100)
        assert [g.id for g in ann.usergroups] == ["staff"]
        assert db.session.query(Member).filter_by(user_id="bob").one().balance == 0
        opening = db.session.query(LedgerEntry).filter_by(member_id=ann.id).one()
        assert (opening.kind, opening.title, opening.description) == (
            "adjust",
            "Opening balance",
            "Opening balance (import)",
        )
        assert opening.actor_account_id == admin.id
        entry = db.session.query(AuditLog).filter_by(action="data.import").one()
        assert entry.after == {"members": 3, "points": 350, "logins": 0}
        assert verify(db.session) == []


def test_import_needs_a_user_id_column(client, admin):
    html = import_file(client, "id,balance\nann,5\n", dry_run=True).data.decode()
    assert "The first line must name the columns, including userId." in html
    html = import_file(client, "userId,points\nann,5\n", dry_run=True).data.decode()
    assert "Unknown column(s): points." in html
