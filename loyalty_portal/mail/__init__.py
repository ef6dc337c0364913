"""Mail delivery: SMTP or the console (`transport`), after the commit (`delivery`).

Services queue mail with `services.core.outgoing_mail.queue_mail`; `init_app` makes the
app send it as soon as the transaction that queued it commits.
"""

from __future__ import annotations

from flask import Flask

from loyalty_portal.mail.delivery import Deliveries, install_hooks
from loyalty_portal.mail.transport import parse_smtp_url


def init_app(app: Flask) -> None:
    """Check the settings (a wrong SMTP URL stops the start), send after each commit."""
    from loyalty_portal.mail.commands import mail_cli

    if app.config.get("SMTP_URL"):
        parse_smtp_url(app.config["SMTP_URL"])
        if not (app.debug or app.testing or app.config.get("PUBLIC_URL")):
            app.logger.warning(
                "LOYALTY_PUBLIC_URL is not set: links in mail use the Host header of the "
                "request, which a client can forge. Set it to the site's address."
            )
    install_hooks()
    app.extensions["mail"] = Deliveries()
    app.cli.add_command(mail_cli)


def wait_for_deliveries(app: Flask, timeout: float = 60) -> None:
    """Wait until the app's sending threads are done (tests, shutdown)."""
    deliveries = app.extensions.get("mail")
    if deliveries is not None:
        deliveries.wait(timeout)
