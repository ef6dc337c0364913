"""GET /v1/openapi.json: public, no credential needed."""

from __future__ import annotations

from flask import Response, jsonify

from loyalty_portal.api.blueprint import bp
from loyalty_portal.api.openapi import document


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
