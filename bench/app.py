"""The app as gunicorn serves it in production, plus two routes that exist only here:

- GET /bench/ping, the framework's ceiling (Flask, the app's hooks, gunicorn);
- POST /bench/anchor/<user_id>/<offer_id>/redeem, the minimal correct redemption: two
  conditional UPDATEs (stock, balance) and one INSERT in SQLAlchemy Core, one
  transaction, nothing else (no lots, no limits, no idempotency). The project's redeem is
  measured against it.
"""

from __future__ import annotations

import secrets

from flask import jsonify
from sqlalchemy import insert, or_, update

from loyalty_portal import create_app
from loyalty_portal.extensions import csrf, db
from loyalty_portal.models import Member, Offer, Redemption
from loyalty_portal.runtime import tune_garbage_collector
from loyalty_portal.timeutil import utcnow

tune_garbage_collector()  # as app.py, the production entry point, does
app = create_app()


@app.get("/bench/ping")
def ping():  # type: ignore[no-untyped-def]
    return jsonify(ok=True)


@csrf.exempt
@app.post("/bench/anchor/<user_id>/<offer_id>/redeem")
def anchor_redeem(user_id: str, offer_id: str):  # type: ignore[no-untyped-def]
    with db.engine.begin() as conn:
        cost = conn.execute(
            update(Offer)
            .where(Offer.id == offer_id, or_(Offer.stock.is_(None), Offer.stock > 0))
            .values(stock=Offer.stock - 1)
            .returning(Offer.cost)
        ).scalar()
        if cost is None:
            conn.rollback()
            return jsonify(error="out_of_stock"), 409
        row = conn.execute(
            update(Member)
            .where(Member.user_id == user_id, Member.balance >= cost)
            .values(balance=Member.balance - cost)
            .returning(Member.id, Member.balance)
        ).first()
        if row is None:
            conn.rollback()
            return jsonify(error="insufficient_points"), 409
        coupon = "cp_" + secrets.token_hex(8)
        conn.execute(
            insert(Redemption.__table__).values(
                id=coupon,
                member_id=row.id,
                offer_id=offer_id,
                points=cost,
                status="ACTIVE",
                code=secrets.token_hex(4),
                metadata={},
                created_at=utcnow(),
            )
        )
    return jsonify(couponId=coupon, points=row.balance), 201
