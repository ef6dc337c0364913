"""Log in, log out, registration and password changes for members and admins."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from loyalty_portal.auth import routes, token  # noqa: E402,F401
