"""The member portal: balance, history, rewards, coupons and the leaderboard."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for
from werkzeug.wrappers import Response

bp = Blueprint("portal", __name__)


@bp.after_request
def _vary_on_htmx(response: Response) -> Response:
    """Pages and their HTMX fragments share URLs, so caches must key on HX-Request."""
    response.vary.add("HX-Request")
    return response


@bp.after_request
def _htmx_navigates_on_redirect(response: Response) -> Response:
    """A redirect answering an HTMX request must move the whole page, not be followed by
    the XHR and swapped into a card. When the session ended (the redirect goes to the
    login page) the tap is answered 401 with a sentence saying so and a link to log in
    again, which app.js shows on the card that was tapped."""
    from loyalty_portal.web.htmx import is_htmx

    if not (is_htmx() and response.status_code in (301, 302, 303) and response.location):
        return response
    target = response.location
    if urlsplit(target).path == url_for("auth.login"):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        page = current.path + (f"?{current.query}" if current.query else "")
        ended = Response(
            render_template(
                "portal/_session_ended.html", login_url=url_for("auth.login", next=page or None)
            ),
            status=401,
            mimetype="text/html",
        )
        ended.vary.add("HX-Request")
        return ended
    navigate = Response(status=204)
    navigate.headers["HX-Redirect"] = target
    navigate.vary.add("HX-Request")
    return navigate


from loyalty_portal.portal import (  # noqa: E402,F401
    coupons,
    history,
    invite,
    leaderboard,
    profile,
    qr,
    rewards,
    routes,
    tiers_explained,
    ways_to_earn,
)
