"""Flask extensions, created unbound and initialised in the factory."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from loyalty_portal.models.base import Base

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()


#: Where the API door leaves the caller's rate-limit bucket for `rate_limit_key`.
RATE_LIMIT_PRINCIPAL = "loyalty.rate_limit_principal"


def rate_limit_key() -> str:
    """The credential when there is one (API), else the client address."""
    credential: str | None = request.environ.get(RATE_LIMIT_PRINCIPAL)
    return credential or get_remote_address()


limiter = Limiter(key_func=rate_limit_key, default_limits=[])
