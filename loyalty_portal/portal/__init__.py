"""The member portal: balance, history, rewards."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from loyalty_portal.portal import routes  # noqa: E402,F401
