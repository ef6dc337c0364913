"""Jinja helpers: thousands separators, dates in the program's zone, labels, page links."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, request, url_for

from loyalty_portal.extensions import db
from loyalty_portal.models.enums import LABELS
from loyalty_portal.services.program.settings import Program, load_program


def current_program() -> Program:
    """The program's settings, read once per request."""
    if "program" not in g:
        g.program = load_program(db.session)
    program: Program = g.program
    return program


def program_zone() -> ZoneInfo:
    return current_program().timezone


def fmt_points(value: int | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    text = f"{abs(value):,}" if signed else f"{value:,}"
    if signed:
        return ("+" if value > 0 else "−" if value < 0 else "") + text
    return text


def fmt_date(value: datetime | None, fmt: str = "%-d %b %Y") -> str:
    if value is None:
        return ""
    return value.astimezone(program_zone()).strftime(fmt)


def fmt_datetime(value: datetime | None) -> str:
    return fmt_date(value, "%-d %b %Y, %H:%M")


def label(value: str | None) -> str:
    """What people read for a stored status, kind or type."""
    if value is None:
        return ""
    return LABELS.get(value, str(value).replace("_", " ").capitalize())


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args = {**(request.view_args or {}), **request.args.to_dict()}
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for(request.endpoint or "portal.index", **args)


def register_template_helpers(app: Flask) -> None:
    app.add_template_global(url_with, "url_with")
    app.add_template_filter(label, "label")
    app.add_template_filter(fmt_points, "points")
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_datetime, "datetime")

    @app.context_processor
    def _program() -> dict[str, object]:
        return {"program": current_program}
