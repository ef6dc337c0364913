"""The demo program's growth programs, as API.md describes them."""

from __future__ import annotations

from sqlalchemy import select

from loyalty_portal import demo
from loyalty_portal.extensions import db
from loyalty_portal.models import GrowthSettings, Member, Referral
from loyalty_portal.services.program.campaigns import CampaignStatus, campaign_report
from loyalty_portal.timeutil import utcnow


def test_demo_has_referral_settings_an_ended_and_a_scheduled_campaign(app):
    with app.app_context():
        now = utcnow()
        demo.seed(db.session, now, password="demo-pass-123")
        db.session.commit()
        row = db.session.get(GrowthSettings, 1)
        assert (row.referrals_enabled, row.qualifying_event_id, row.minimum_value) == (
            True,
            "purchase_completed",
            None,
        )
        assert (row.referrer_points, row.friend_points, row.monthly_cap) == (200, 100, 10)
        statuses = sorted(r.status for r in campaign_report(db.session, now))
        assert statuses == [CampaignStatus.ENDED, CampaignStatus.SCHEDULED]
        referral = db.session.scalars(select(Referral)).one()
        carol = db.session.scalar(select(Member).where(Member.user_id == "carol"))
        assert referral.friend_id == carol.id and referral.completed_at is not None
        assert (referral.referrer_points, referral.friend_points) == (200, 100)
