"""Registration through a referral link: the code is checked before anything is created,
and the new member is referred by the service the API uses too (services.earning.referrals)."""

from __future__ import annotations

from collections.abc import Callable

from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning import referrals
from loyalty_portal.services.earning.referrals import invitation
from loyalty_portal.services.members.registration import Registration
from loyalty_portal.timeutil import utcnow

__all__ = ["invitation", "register_invited"]


def register_invited(
    session: DbSession, code: str | None, register: Callable[[], Registration]
) -> Registration:
    """Run `register`; when it made a new account and `code` is valid, refer the member.
    An invalid code is `referral_invalid` (shown on the form), nothing created."""
    referrer = referrals.referrer_for_code(session, code, friend_user_id=None) if code else None
    done = register()
    account = done.new_account
    if referrer is not None and account is not None and account.member is not None:
        referrals.refer(session, account.member, referrer, utcnow())
    return done
