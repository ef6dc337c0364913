"""The member portal: balance, history, rewards, coupons and the leaderboard."""

from flask import Blueprint
from werkzeug.wrappers import Response

bp = Blueprint("portal", __name__)


@bp.after_request
def _vary_on_htmx(response: Response) -> Response:
    """Pages and their HTMX fragments share URLs, so caches must key on HX-Request."""
    response.vary.add("HX-Request")
    return response


from loyalty_portal.portal import (  # noqa: E402,F401
    coupons,
    history,
    leaderboard,
    rewards,
    routes,
)
