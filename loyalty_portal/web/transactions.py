"""One commit per request, at the door's edge (as indico's request handler does).

Views and services only flush. When the view has answered, the request's changes are
committed if the answer is a success (below 400) and rolled back otherwise, so a refusal
or an error never leaves half a change behind. The idempotent write (`idempotent.py`)
is the one exception: it commits the claim of its key with the effect, itself.
"""

from __future__ import annotations

from flask import Flask, Response

from loyalty_portal.extensions import db


def finish_transaction(response: Response) -> Response:
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def register_transactions(app: Flask) -> None:
    app.after_request(finish_transaction)
