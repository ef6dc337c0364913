"""Input no route can use, refused once for every door before any view runs.

NUL characters (PostgreSQL cannot store them; SQLite stores and then mismatches them),
JSON nested deeper than any request of ours, and whole numbers in the path too large for
an id column all used to reach a query and come back as 500. Here they are a 400 with the
usual error answer (JSON under /v1, the error page elsewhere).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from loyalty_portal.services.core.validation import refuse_deep_json, refuse_nul

#: Bodies larger than this are left to the route (which answers 413).
GUARDED_BODY_BYTES = 1024 * 1024
#: The largest id a path may name (PostgreSQL's INTEGER); larger numbers simply match no
#: route, as any other path that names nothing.
MAX_PATH_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only ids a database column can hold."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_PATH_INT)
        super().__init__(map, *args, **kwargs)


def _refuse_nul(field: str) -> None:
    refuse_nul("\x00", field)


def guard_request() -> None:
    """Refuse NUL anywhere in the path, query, form or JSON body, and too-deep JSON."""
    if "\x00" in request.path:
        _refuse_nul("path")
    for source, values in (("query", request.args), ("form", request.form)):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                _refuse_nul(name if "\x00" not in name else source)
    for name, upload in request.files.items(multi=True):
        if "\x00" in (upload.filename or ""):
            _refuse_nul(name)
    if request.is_json and (request.content_length or 0) <= GUARDED_BODY_BYTES:
        _guard_json(request.get_data(cache=True))


def _guard_json(raw: bytes) -> None:
    refuse_deep_json(raw)
    if b"\\u0000" in raw:  # a NUL can only arrive escaped (raw control bytes are not JSON)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return  # the route says "invalid JSON"
        refuse_nul(body, "body")


def register_request_guard(app: Flask) -> None:
    """Call before any blueprint is registered (the converter applies to routes added later)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(guard_request)
