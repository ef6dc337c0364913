"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for mail tests."""

from __future__ import annotations

import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """aiosmtpd 1.4.6 cannot start on port 0 (it connects to itself to check): pick one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """Start with `start()`; `wait_for(n)` returns the first n messages once they arrived."""

    def __init__(self, *, login: tuple[str, str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_next = 0  # answer "451 try again" to that many messages
        self.refused = 0
        self._login = login
        self._arrived = threading.Condition()
        self.port = free_port()
        options: dict[str, Any] = {}
        if login:
            options = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    @property
    def url(self) -> str:
        user = f"{self._login[0]}:{self._login[1]}@" if self._login else ""
        return f"smtp://{user}127.0.0.1:{self.port}"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self._login == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        if self.refuse_next:
            self.refuse_next -= 1
            self.refused += 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert arrived, f"expected {count} mail(s), got {len(self.messages)}"
        return list(self.messages)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def body_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The first link in the message whose path starts with `path`, as path and query."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", body_of(message))
    assert match, f"no {path} link in: {body_of(message)}"
    return match.group(1)
