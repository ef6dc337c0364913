"""`flask mail ...`: send what is still queued, and check the SMTP settings."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from loyalty_portal.mail.delivery import deliver_unsent, hand_over
from loyalty_portal.models import OutgoingMail
from loyalty_portal.timeutil import utcnow

mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("send")
def send() -> None:
    """Send mail still queued after a failed send (run it from cron)."""
    sent, failed = deliver_unsent()
    click.echo(f"{sent} sent, {failed} not sent.")
    if failed:
        raise SystemExit(1)


@mail_cli.command("test")
@click.argument("recipient")
def test(recipient: str) -> None:
    """Send a test message to RECIPIENT now, with the configured settings."""
    mail = OutgoingMail(
        id=0,
        recipient=recipient,
        subject="Test message from Loyalty Portal",
        body="If you can read this, the mail settings work.",
        created_at=utcnow(),
    )
    try:
        hand_over(mail)
    except Exception as exc:
        raise click.ClickException(f"Not sent: {type(exc).__name__}: {exc}") from None
    where = "the SMTP server" if current_app.config.get("SMTP_URL") else "the console"
    click.echo(f"Sent to {recipient} through {where}.")
