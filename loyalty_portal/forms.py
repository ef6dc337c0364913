"""Helpers shared by the HTML forms of every blueprint."""

from __future__ import annotations

from flask_wtf import FlaskForm

from loyalty_portal.services.errors import ValidationFailed


def show_errors(form: FlaskForm, exc: ValidationFailed, default_field: str) -> None:
    """Put a service's validation messages next to the fields they concern."""
    details = exc.details or {default_field: [exc.message]}
    for field_name, messages in details.items():
        field = getattr(form, field_name, None) or getattr(form, default_field)
        field.errors = [*field.errors, *messages]
