"""The embedding hand-off: an integrator's app opens the portal already logged in.

`POST /auth/token` takes a member JWT (the API's credential) as a form field or as JSON
`{"token": ...}`, validates it strictly, creates the member if needed, starts a fresh
portal session and redirects (303) into the portal. The token never travels in a URL.
The signed token is itself the proof of intent, so the route is exempt from CSRF; it is
rate-limited per client address.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.auth import bp
from loyalty_portal.auth.routes import safe_next, start_session
from loyalty_portal.extensions import csrf, db, limiter
from loyalty_portal.services.core.errors import Unauthorized
from loyalty_portal.services.members import accounts, members
from loyalty_portal.services.members.tokens import verify_member_token
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow

MAX_TOKEN_LENGTH = 4096


def _posted(name: str) -> str | None:
    """A field of the form body or of a JSON object body."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get(name) if isinstance(body, dict) else None
    else:
        value = request.form.get(name)
    return value if isinstance(value, str) else None


@bp.post("/token")
@csrf.exempt
@limiter.limit(lambda: current_app.config["TOKEN_EXCHANGE_RATE_LIMIT"])
def token_exchange() -> Response:
    if "token" in request.args:
        abort(400, "Send the token in the request body, never in the URL.")
    token = (_posted("token") or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("A member token is required.")
    user_id = verify_member_token(
        token,
        current_app.config["API_SECRET"],
        load_program(db.session),
        int(current_app.config["JWT_LEEWAY_SECONDS"]),
    )
    member = members.ensure_member(db.session, user_id, utcnow())
    account = accounts.member_login(db.session, member)
    if not account.active:
        abort(403, "This account is disabled.")
    start_session(account)
    return redirect(safe_next(_posted("next")) or url_for("portal.dashboard"), 303)
