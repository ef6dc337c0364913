"""The /v1 routes, one module per resource; importing them registers them."""

from loyalty_portal.api.routes import (  # noqa: F401
    campaigns,
    event_batch,
    events,
    holds,
    meta,
    offers,
    orders,
    redemptions,
    referrals,
    social,
    users,
    webhooks,
)
