"""POST /v1/event/batch: per-item results and idempotency, and the same outcome as the same
events sent one by one (issue 9)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog, LedgerEntry, Member, PendingAward, Tier
from tests.api.conftest import Api, error_code
from tests.factories import Factories

USERS = 25


@pytest.fixture
def program(make: Factories) -> None:
    """Rules of every kind, caps per day and week, a user-group override, pending points,
    expiring lots, and tiers whose multipliers change what later events earn."""
    make.tier("Bronze", 0)
    make.tier("Silver", 150, "1.5")
    make.group("vip")
    make.rule("login", points=10, cap_count=3, cap_period="day", overrides={"vip": 25})
    make.rule(
        "review",
        type="CONDITIONAL",
        points=20,
        value_field="rating",
        threshold=4,
        cap_count=2,
        cap_period="week",
    )
    make.rule(
        "purchase",
        type="TRANSACTION",
        points_per_unit=1,
        max_per_event=80,
        expiry_policy="end_of_month",
    )
    make.rule("signup", points=5, pending_days=3)
    make.member("p0", groups=["vip"])
    make.member("b0", groups=["vip"])


def _events(prefix: str, count: int = 500) -> list[dict[str, Any]]:
    """The same random stream for any prefix: known and new users, every rule, bad items."""
    rng = random.Random(9)
    events = []
    for _ in range(count):
        user = f"{prefix}{rng.randrange(USERS)}"
        kind = rng.choice(
            ["login", "login", "review", "purchase", "purchase", "signup", "join", "bad"]
        )
        if kind == "join":  # joins the group whose override then applies to its next events
            event = {"eventId": "login", "userId": user, "metadata": {"usergroup": ["vip"]}}
        elif kind == "review":
            event = {"eventId": "review", "userId": user, "metadata": {"rating": rng.randint(1, 5)}}
        elif kind == "purchase":
            event = {"eventId": "purchase", "userId": user, "amount": rng.randint(1, 120)}
        elif kind == "bad":
            event = rng.choice(
                [
                    {"eventId": "nope", "userId": user},
                    {"eventId": "review", "userId": user},  # the rating is missing
                    {"eventId": "login", "userId": user, "metadata": {"usergroup": ["ghost"]}},
                ]
            )
        else:
            event = {"eventId": kind, "userId": user}
        events.append(event)
    return events


def _state(app: Flask, prefix: str) -> dict[str, Any]:
    """Every member's balance, lots and event log, with the prefix taken off the userIds."""
    with app.app_context():
        ids = dict(
            db.session.execute(
                select(Member.id, Member.user_id).where(Member.user_id.like(f"{prefix}%"))
            ).all()
        )
        name = {i: u.removeprefix(prefix) for i, u in ids.items()}
        tiers = dict(db.session.execute(select(Tier.id, Tier.name)).all())
        members = {
            name[m.id]: (
                m.balance,
                m.lifetime_points,
                tiers.get(m.tier_id),
                [g.id for g in m.usergroups],
            )
            for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))
        }
        entries = sorted(
            (
                (
                    name[e.member_id],
                    e.kind,
                    e.delta,
                    e.remaining,
                    e.expires_at,
                    e.title,
                    e.description,
                )
                for e in db.session.scalars(
                    select(LedgerEntry).where(LedgerEntry.member_id.in_(ids))
                )
            ),
            key=repr,  # a lot may never expire: None beside datetimes
        )
        logs = [
            (name[e.member_id], e.event_key, e.points, e.pending_points, e.reason, e.completed)
            for e in db.session.scalars(
                select(EventLog).where(EventLog.member_id.in_(ids)).order_by(EventLog.id)
            )
        ]
        pending = sorted(
            (name[p.member_id], p.points, p.status)
            for p in db.session.scalars(select(PendingAward).where(PendingAward.member_id.in_(ids)))
        )
        db.session.rollback()
    return {"members": members, "entries": entries, "logs": logs, "pending": pending}


def _strip(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {**data, "userId": data["userId"].removeprefix(prefix)}


def test_500_events_in_a_batch_equal_the_same_500_sent_one_by_one(
    api: Api, app: Flask, program: None, runner: Any
):
    key = api.key("events")
    singles = []
    for event in _events("p"):
        r = api.post("/v1/event", key, event)
        singles.append((r.status_code, r.get_json()))
    r = api.post("/v1/event/batch", key, {"events": _events("b")})
    assert r.status_code == 200, r.get_json()
    batch = r.get_json()
    assert batch["accepted"] + batch["failed"] == 500
    assert batch["accepted"] == sum(1 for status, _ in singles if status == 200)
    for item, (status, single) in zip(batch["results"], singles, strict=True):
        assert item["status"] == status, (item, single)
        if status == 200:
            assert _strip(item["data"], "b") == _strip(single["data"], "p")
        else:
            assert item["error"]["code"] == single["error"]["code"]
    assert _state(app, "b") == _state(app, "p")
    assert _state(app, "b")["pending"]  # the stream did reach every kind of outcome
    members = _state(app, "b")["members"].values()
    assert any(tier == "Silver" for _, _, tier, _ in members)
    assert any(groups == ["vip"] for *_, groups in members)  # joined by an item
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_items_stand_alone_and_a_bad_envelope_is_400(api: Api, program: None):
    key = api.key("events")
    r = api.post(
        "/v1/event/batch",
        key,
        {"events": [{"eventId": "login", "userId": "x1"}, "not an event", {"userId": "x1"}]},
    )
    body = r.get_json()
    assert r.status_code == 200 and (body["accepted"], body["failed"]) == (1, 2)
    assert [i["status"] for i in body["results"]] == [200, 400, 400]
    assert body["results"][0]["data"]["points"] == 10
    for envelope in ({"events": []}, {"events": {}}, {"events": [{}] * 1001}, {}):
        r = api.post("/v1/event/batch", key, envelope)
        assert r.status_code == 400 and error_code(r) == "validation_error"


def test_an_item_key_replays_its_first_result_across_batches_and_single_events(
    api: Api, app: Flask, program: None
):
    key = api.key("events")
    event = {"eventId": "login", "userId": "k1"}
    first = api.post("/v1/event", {**key, "Idempotency-Key": "ev-1"}, event).get_json()
    items = [
        {**event, "idempotencyKey": "ev-1"},  # answered by the single event above
        {**event, "idempotencyKey": "ev-2"},
        {**event, "idempotencyKey": "ev-2"},  # a repeat inside the batch
        {"eventId": "login", "userId": "k2", "idempotencyKey": "ev-1"},  # another body
    ]
    body = api.post("/v1/event/batch", key, {"events": items}).get_json()
    results = body["results"]
    assert results[0]["data"] == first["data"]
    assert results[1]["data"] == results[2]["data"] and results[1]["data"]["balance"] == 20
    assert results[3]["status"] == 422 and results[3]["error"]["code"] == "idempotency_key_reused"
    again = api.post("/v1/event/batch", key, {"events": items[1:2]}).get_json()
    assert again["results"][0]["data"] == results[1]["data"]
    single = api.post("/v1/event", {**key, "Idempotency-Key": "ev-2"}, event)
    assert single.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        logs = db.session.scalars(select(EventLog.id).join(Member).where(Member.user_id == "k1"))
        assert len(list(logs)) == 2


def test_the_cli_imports_json_lines_and_sums_up_the_rejected_ones(
    app: Flask, program: None, runner: Any, tmp_path: Any
):
    import json

    unknown = {"eventId": "nope", "userId": "c0"}  # at least one, whatever the stream drew
    lines = [json.dumps(e) for e in [*_events("c", 60), unknown]]
    lines += ["not json", '{"eventId": 5}', ""]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code == 0, result.output
    bad = sum(1 for e in [*_events("c", 60), unknown] if e["eventId"] == "nope")
    assert f"event_not_found: {bad}" in result.output
    assert "invalid_json: 1" in result.output and "validation_error:" in result.output
    state = _state(app, "c")
    accepted = int(result.output.split(" events imported")[0].split()[-1].replace(",", ""))
    assert len(state["logs"]) == accepted > 0
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_batch_counts_the_tier_window_net_of_refunds_as_a_single_event_does(
    api: Api, app: Flask, program: None
):
    """Two orders reach Silver, a refund takes one back: the next logins earn at Bronze,
    whether sent one by one or in a batch (the window is earned minus reversed)."""
    key = api.key("events")
    for prefix in ("p", "b"):
        for order in ("o1", "o2"):
            body = {"eventId": "purchase", "userId": f"{prefix}r", "amount": 100}
            assert api.post("/v1/event", key, {**body, "orderId": order}).status_code == 200
        refund = api.post("/v1/order/o1/refund", key, {"userId": f"{prefix}r"})
        assert refund.status_code == 200, refund.get_json()
    logins = [{"eventId": "login", "userId": "pr"}] * 2
    singles = [api.post("/v1/event", key, e).get_json()["data"] for e in logins]
    r = api.post("/v1/event/batch", key, {"events": [{**e, "userId": "br"} for e in logins]})
    batch = [item["data"] for item in r.get_json()["results"]]
    assert [_strip(d, "b") for d in batch] == [_strip(d, "p") for d in singles]
    assert _state(app, "b") == _state(app, "p")


def test_a_batch_runs_the_same_statements_for_10_items_as_for_200(
    api: Api, app: Flask, program: None
):
    """Set-based on both databases: nothing is written row by row (on SQLite the ORM's
    inserts were one statement per row, 307 for 100 events)."""
    from tests.api.test_statement_budgets import _show, executed

    key = api.key("events")
    users = [f"s{n}" for n in range(50)]
    for user in users:
        api.make.member(user)

    def batch(size: int) -> list[str]:
        events = [
            {"eventId": "purchase", "userId": users[n % 50], "amount": 10 + n % 7}
            for n in range(size)
        ]
        with executed(app) as statements:
            r = api.post("/v1/event/batch", key, {"events": events})
        assert r.status_code == 200 and r.get_json()["accepted"] == size
        return statements

    batch(10)  # warm
    small, large = batch(10), batch(200)
    assert len(large) == len(small) <= 12, _show(large)
