"""Admin services on their own: validation, normalisation, audit, and the CLI refresh."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty_portal.models import AuditLog, StatsState
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import Conflict, ValidationFailed
from loyalty_portal.services.core.validation import Problems
from loyalty_portal.services.earning import rules
from loyalty_portal.services.program import groups, settings
from loyalty_portal.services.rewards import codes as codes_service
from loyalty_portal.services.rewards import offers, redeeming
from loyalty_portal.timeutil import utcnow

ADMIN = Actor.system("test-admin")


def test_offer_checks_every_reference(ctx, make):
    data = offers.OfferInput(
        title="Mug", cost=10, shop_id="nope", min_tier_id=999, usergroup_ids=["ghosts"]
    )
    with pytest.raises(ValidationFailed) as refused:
        offers.create_offer(ctx, "new", data, actor=ADMIN, now=utcnow())
    details = refused.value.details
    assert details["id"] == ["“new” is reserved; choose another id."]
    assert details["shop_id"] == ["No such shop."]
    assert details["min_tier_id"] == ["No such tier."]
    assert details["usergroup_ids"] == ["Unknown group(s): ghosts."]


def test_unchanged_state_is_not_audited_and_used_offers_stay(ctx, make):
    offer = make.offer("mug", cost=10)
    offers.set_active(ctx, offer, True, actor=ADMIN, now=utcnow())
    offers.update_offer(
        ctx, offer, offers.OfferInput(title=offer.title, cost=10), actor=ADMIN, now=utcnow()
    )
    assert ctx.query(AuditLog).count() == 0
    member = make.member("ann", balance=10)
    redeeming.redeem(ctx, member, "mug", now=utcnow(), actor=Actor.member("ann"))
    with pytest.raises(Conflict):
        offers.delete_offer(ctx, offer, actor=ADMIN, now=utcnow())


def test_read_codes_skips_the_header_and_blank_lines():
    codes, invalid = codes_service.read_codes('Code\n A-1 \n\n"B,2",ignored\n' + "x" * 200)
    assert codes == [(2, "A-1"), (4, "B,2")]
    assert [line for line, _ in invalid] == [5]


def test_rule_options_that_do_not_apply_are_cleared(ctx, make):
    data = rules.RuleInput(
        title="Login",
        type="FIX",
        points=10,
        points_per_unit=Decimal(2),
        threshold=Decimal(5),
        expiry_policy="never",
        expiry_days=30,
    )
    rule = rules.create_rule(ctx, "login", data, actor=ADMIN, now=utcnow())
    assert (rule.points_per_unit, rule.threshold, rule.expiry_days) == (None, None, None)


def test_rule_overrides_need_known_groups_and_the_right_measure(ctx, make):
    make.group("vip")
    data = rules.RuleInput(
        title="Buy",
        type="TRANSACTION",
        points_per_unit=Decimal(1),
        overrides=[
            rules.OverrideInput("vip", points=5),
            rules.OverrideInput("ghosts", points_per_unit=Decimal(2)),
        ],
    )
    with pytest.raises(ValidationFailed) as refused:
        rules.create_rule(ctx, "buy", data, actor=ADMIN, now=utcnow())
    assert refused.value.details["overrides"] == [
        "vip: give points per unit.",
        "Unknown user group ghosts.",
    ]


def test_sample_parsing():
    assert rules.parse_sample('{"total": 5}', "2.50") == ({"total": 5}, Decimal("2.50"))
    with pytest.raises(ValidationFailed) as refused:
        rules.parse_sample("[1]", "lots")
    assert set(refused.value.details) == {"metadata", "amount"}


def test_translations():
    problems = Problems()
    parsed = groups.parse_translations("de: Stamm\n\nde-CH: Stamm CH\n", problems, "t")
    assert parsed == {"de": "Stamm", "de-CH": "Stamm CH"} and not problems
    groups.parse_translations("default: x\nDE: y", problems, "t")
    assert len(problems.details["t"]) == 2


def test_time_zones_are_checked_against_the_iana_database():
    assert settings.valid_timezone("Europe/Berlin") and settings.valid_timezone("UTC")
    assert not settings.valid_timezone("Europe/Atlantis")
    assert not settings.valid_timezone("../../etc/passwd")


def test_cli_refreshes_the_analytics(app, runner, ctx):
    result = runner.invoke(args=["admin", "analytics-refresh"])
    assert result.exit_code == 0 and "up to date" in result.output
    ctx.expire_all()
    assert ctx.get(StatsState, 1).refreshed_at is not None
