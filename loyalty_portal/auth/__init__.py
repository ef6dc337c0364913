"""Log in, log out, registration, password changes and account recovery (reset links,
email verification) for members and admins."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from loyalty_portal.auth import recovery, routes, token  # noqa: E402,F401
