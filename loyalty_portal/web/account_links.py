"""The links a door puts into account mail (reset, verification), as absolute URLs.

With `PUBLIC_URL` set they start with it, whatever Host header the request claimed (a
forged Host would otherwise send a victim's reset link to the forger's site); without it,
with the address the request came to (fine for a demo or behind a proxy that fixes Host).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from loyalty_portal.services.members.account_mail import AccountLinks


def public_url(endpoint: str, **values: Any) -> str:
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return str(base).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def account_links() -> AccountLinks:
    return AccountLinks(
        secret=current_app.config["SECRET_KEY"],
        reset=lambda token: public_url("auth.reset_password", token=token),
        verify=lambda token: public_url("auth.verify_email", token=token),
        login=public_url("auth.login"),
        forgot=public_url("auth.forgot_password"),
    )
