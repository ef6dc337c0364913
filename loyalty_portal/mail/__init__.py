"""Mail delivery: SMTP or the console (`transport`), after the commit (`delivery`).

Services queue mail with `services.core.outgoing_mail.queue_mail`; `init_app` makes the
app send it as soon as the transaction that queued it commits.
"""

from __future__ import annotations

from flask import Flask

from loyalty_portal.mail.delivery import Deliveries, install_hooks


def init_app(app: Flask) -> None:
    from loyalty_portal.mail.commands import mail_cli

    install_hooks()
    app.extensions["mail"] = Deliveries()
    app.cli.add_command(mail_cli)


def wait_for_deliveries(app: Flask, timeout: float = 60) -> None:
    """Wait until the app's sending threads are done (tests, shutdown)."""
    deliveries = app.extensions.get("mail")
    if deliveries is not None:
        deliveries.wait(timeout)
