"""The embedding hand-off: an integrator's app opens the portal already logged in.

`POST /auth/token` takes a member JWT (the API's credential) as a form field or as JSON
`{"token": ...}`, validates it strictly, creates the member if needed, starts a fresh
portal session and redirects (303) into the portal. The token never travels in a URL.
The route is exempt from CSRF, since an app's web view posts here from outside; what
stops a page on another site from logging a visitor into the attacker's account (login
CSRF) is this: a token opens one session only, within five minutes of being issued
(services/members/handoff.py), and a browser already logged in to another account is
asked first ("switch accounts?", a same-site form with a CSRF token) instead of being
switched. It is rate-limited per client address.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf
from werkzeug.wrappers import Response

from loyalty_portal.auth import bp
from loyalty_portal.auth.routes import safe_next, start_session
from loyalty_portal.extensions import csrf, db, limiter
from loyalty_portal.services.core.errors import Unauthorized
from loyalty_portal.services.members import accounts, handoff, members
from loyalty_portal.services.members.tokens import member_token_claims
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


def _another_account_is_logged_in(user_id: str) -> bool:
    if not current_user.is_authenticated:
        return False
    member = current_user.member
    return member is None or member.user_id != user_id


def _switch_confirmed() -> bool:
    """The member pressed "Switch" on our own confirmation page (its CSRF token proves it)."""
    if request.form.get("confirm") != "switch":
        return False
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _ask_to_switch(token: str, user_id: str) -> Any:
    page = render_template(
        "auth/switch_account.html",
        token=token,
        next=safe_next(_posted("next")) or "",
        new_user_id=user_id,
        current_name=current_user.email or current_user.member.user_id,
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/token")
@csrf.exempt
@limiter.limit(lambda: current_app.config["TOKEN_EXCHANGE_RATE_LIMIT"])
def token_exchange() -> Any:
    if "token" in request.args:
        abort(400, "Send the token in the request body, never in the URL.")
    token = (_posted("token") or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("A member token is required.")
    leeway = int(current_app.config["JWT_LEEWAY_SECONDS"])
    now = utcnow()
    claims = member_token_claims(
        token, current_app.config["API_SECRET"], load_program(db.session), leeway
    )
    user_id = str(claims["sub"])
    handoff.check_fresh(claims, now, leeway)
    if _another_account_is_logged_in(user_id) and not _switch_confirmed():
        return _ask_to_switch(token, user_id)
    handoff.claim(db.session, token, claims, now, leeway)
    member = members.ensure_member(db.session, user_id, now)
    account = accounts.member_login(db.session, member)
    if not account.active:
        abort(403, "This account is disabled.")
    start_session(account)
    target: Response = redirect(safe_next(_posted("next")) or url_for("portal.dashboard"), 303)
    return target
