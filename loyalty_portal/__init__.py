"""Loyalty Portal: the application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent


def resource_dir(name: str) -> Path:
    """Where the `templates`, `static` or `migrations` folder is.

    They live at the top of the checkout, beside the package; the wheel carries them inside
    the package instead (pyproject's force-include), since an installed wheel has no
    checkout. So: `loyalty_portal/<name>` when it exists, else `<checkout>/<name>`
    (a source checkout or an editable install).
    """
    inside = PACKAGE / name
    return inside if inside.is_dir() else ROOT / name


def default_instance_path() -> Path:
    """`<checkout>/instance` in a checkout (where `make run` writes), else `./instance`.

    An installed wheel's parent folder is site-packages: no place for settings and data.
    """
    in_checkout = resource_dir("templates") == ROOT / "templates"
    return ROOT / "instance" if in_checkout else Path.cwd() / "instance"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages, CLI."""
    instance_path = (
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("LOYALTY_INSTANCE_PATH")
        or str(default_instance_path())
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    from loyalty_portal.config import check_secrets, load_config

    load_config(app, config)
    check_secrets(app)
    register_extensions(app)
    register_guards(app)
    register_blueprints(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from loyalty_portal import models  # noqa: F401  (register every table)
    from loyalty_portal.database import configure_engine
    from loyalty_portal.extensions import csrf, db, limiter, login_manager, migrate
    from loyalty_portal.web.outages import keep_outage_retry_after

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    # Registered before the limiter's hook, so it runs after it (Flask runs after_request
    # hooks last registered first).
    app.after_request(keep_outage_retry_after)
    limiter.init_app(app)
    login_manager.init_app(app)
    from loyalty_portal import mail

    mail.init_app(app)


def register_guards(app: Flask) -> None:
    """Before any route exists: trusted proxies, input no route may see, security headers."""
    from loyalty_portal.web.proxies import trust_proxies
    from loyalty_portal.web.request_guard import register_request_guard
    from loyalty_portal.web.security_headers import register_security_headers

    trust_proxies(app)
    register_request_guard(app)
    register_security_headers(app)


def register_blueprints(app: Flask) -> None:
    from loyalty_portal.admin import bp as admin_bp
    from loyalty_portal.api import register_api
    from loyalty_portal.auth import bp as auth_bp
    from loyalty_portal.health import bp as health_bp
    from loyalty_portal.portal import bp as portal_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(portal_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    register_api(app)


def register_errors(app: Flask) -> None:
    from loyalty_portal.web.errors import register_error_handlers
    from loyalty_portal.web.transactions import register_transactions

    register_error_handlers(app)
    register_transactions(app)


def register_templates(app: Flask) -> None:
    from loyalty_portal.web.templating import register_template_helpers

    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    from loyalty_portal import worker
    from loyalty_portal.cli import register_commands

    register_commands(app)
    worker.register(app)
