"""Handing one message over: to an SMTP server, or to the console and `instance/mail/`.

`LOYALTY_SMTP_URL` names the server: `smtp://user:pw@host:587?starttls=true` (STARTTLS),
`smtps://user:pw@host:465` (TLS from the first byte) or `smtp://host:25` (plain, for a
local relay). Without one every message is printed and kept as an `.eml` file, so the
demo works offline.
"""

from __future__ import annotations

import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

TRUE = {"1", "true", "yes", "on"}
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpSettings:
    """`smtp://` or `smtps://` URL -> settings; the password may be percent-encoded."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("LOYALTY_SMTP_URL must look like smtp://user:pw@host:587?starttls=true")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    starttls = not implicit and query.get("starttls", "false") in TRUE
    default_port = 465 if implicit else 587 if starttls else 25
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def build_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(body)
    return message


def send_smtp(settings: SmtpSettings, message: EmailMessage) -> None:
    """Raise `smtplib.SMTPException` or `OSError` when the server does not take it."""
    context = ssl.create_default_context()
    if settings.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with client:
        if settings.starttls:
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


def send_to_console(folder: Path, name: str, message: EmailMessage) -> Path:
    """Print the message and keep it as `<folder>/<name>.eml`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    path.write_bytes(bytes(message))
    rule = "-" * 72
    headers = "".join(f"{name}: {message[name]}\n" for name in ("From", "To", "Subject"))
    print(  # decoded, so the links can be clicked or copied from the terminal
        f"{rule}\nMail (no LOYALTY_SMTP_URL set; kept in {path}):\n{headers}\n"
        f"{message.get_content().rstrip()}\n{rule}",
        file=sys.stdout,
        flush=True,
    )
    return path
