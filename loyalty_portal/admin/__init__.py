"""The admin area. Every route is admin-only, enforced once here."""

from flask import Blueprint

from loyalty_portal.web.access import require_admin

bp = Blueprint("admin", __name__)
bp.before_request(require_admin)

from loyalty_portal.admin import helpers  # noqa: E402,F401  (template helpers)
from loyalty_portal.admin.views import (  # noqa: E402,F401
    audit,
    campaigns,
    coupons,
    dashboard,
    data,
    fulfilment,
    keys,
    member_checkout,
    members,
    offers,
    program,
    referrals,
    rules,
    settings,
    shops,
    webhooks,
)
