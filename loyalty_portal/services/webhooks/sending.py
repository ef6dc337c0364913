"""One signed POST to the checked address (no redirects), with a timeout.

Standard Webhooks: `webhook-id` (the message's id, the same on every attempt),
`webhook-timestamp` (this attempt, unix seconds) and `webhook-signature` (`v1,<sig>` for
each secret that signs now), computed by the `standardwebhooks` package.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime

from standardwebhooks import Webhook

from loyalty_portal.services.webhooks.addresses import Target, UnsafeAddress, resolve

EXCERPT_BYTES = 1024
USER_AGENT = "LoyaltyPortal-Webhooks/1"


@dataclass(frozen=True)
class Reply:
    ok: bool
    status: int | None
    latency_ms: int
    excerpt: str = ""
    error: str | None = None


def signature(secrets: list[str], message_id: str, at: datetime, body: str) -> str:
    return " ".join(Webhook(s).sign(message_id, at, body) for s in secrets)


def headers_for(message_id: str, at: datetime, body: str, secrets: list[str]) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(secrets, message_id, at, body),
    }


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address the guard checked, whatever the name resolves to now."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str, body: str, headers: dict[str, str], *, timeout: float, allow_private: bool
) -> Reply:
    """POST `body`; 2xx is success, anything else (or no answer in `timeout`) a failure."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = resolve(url, allow_private=allow_private)
    except UnsafeAddress as exc:
        return Reply(False, None, took(), error=str(exc)[:300])
    except Exception as exc:  # a URL the guard refuses outright
        return Reply(False, None, took(), error=str(exc)[:300])
    conn_type = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    conn = conn_type(target, timeout)
    try:
        conn.request("POST", target.path, body=body.encode(), headers=headers)
        response = conn.getresponse()
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
        status = response.status
    except TimeoutError:
        return Reply(False, None, took(), error=f"No answer within {timeout:g} s.")
    except (OSError, http.client.HTTPException) as exc:
        return Reply(False, None, took(), error=f"{type(exc).__name__}: {exc}"[:300])
    finally:
        conn.close()
    return Reply(200 <= status < 300, status, took(), excerpt=excerpt)
