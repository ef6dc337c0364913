"""Submitting HTML forms to the services, the same way in every blueprint.

A form's service call either succeeds (a flash message is queued; the request's one
commit happens at the door's edge, see `transactions`) or is refused, in which case the
session is rolled back and the service's sentences appear next to the fields they name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash
from flask_wtf import FlaskForm

from loyalty_portal.extensions import db
from loyalty_portal.services.core.errors import DomainError, ValidationFailed
from loyalty_portal.services.core.validation import DAY_RANGE_MESSAGE, day_out_of_range

T = TypeVar("T")
log = logging.getLogger(__name__)


def show_errors(
    form: FlaskForm, exc: DomainError, default_field: str, rename: dict[str, str] | None = None
) -> None:
    """Put a refusal next to the fields it concerns (`rename`: service name -> form field).

    A `Problems` refusal carries a sentence per field; other refusals carry one sentence
    (`exc.message`) and terse per-field codes, and then the sentence is what people read.
    """
    named = {(rename or {}).get(name, name): msgs for name, msgs in (exc.details or {}).items()}
    details = {name: list(msgs) for name, msgs in named.items() if name in form}
    sentences = [m for msgs in (exc.details or {}).values() for m in msgs]
    if exc.message not in sentences:
        first = next(iter(details), default_field)
        details[first] = [exc.message]
    elif not details:
        details[default_field] = [exc.message]
    for name, messages in details.items():
        field = form[name]
        field.errors = [*field.errors, *(m for m in messages if m not in field.errors)]


@dataclass(frozen=True)
class Submission(Generic[T]):
    """What `submit` did: `ok` with the service's result, or refused (errors on the form)."""

    ok: bool
    value: T | None = None


def submit(
    form: FlaskForm,
    action: Callable[[], T],
    *,
    field: str,
    success: str | Callable[[T], str] | None = None,
    refusals: tuple[type[DomainError], ...] = (ValidationFailed,),
    validate: bool = True,
    rename: dict[str, str] | None = None,
    all_at_once: bool = False,
) -> Submission[T]:
    """Validate the form, run `action`, and report the outcome on the form or as a flash.

    With `all_at_once`, when the form's own checks fail the service still judges the rest
    (in a savepoint that is rolled back), so every problem shows in one round, not one
    batch per fix. Only for actions whose sole effects are database rows (admin edits).
    """
    if validate and not form.validate_on_submit():
        if all_at_once and form.is_submitted() and not form.errors.get("csrf_token"):
            _collect_service_problems(form, action, field, refusals, rename)
        return Submission(False)
    try:
        value = action()
    except refusals as exc:
        db.session.rollback()
        show_errors(form, exc, field, rename)
        return Submission(False)
    if success is not None:
        flash(success(value) if callable(success) else success, "success")
    return Submission(True, value)


def _collect_service_problems(
    form: FlaskForm,
    action: Callable[[], Any],
    field: str,
    refusals: tuple[type[DomainError], ...],
    rename: dict[str, str] | None,
) -> None:
    """Run `action` only to hear its refusal; nothing it does is kept. Fields that already
    carry the form's own message keep just that one."""
    already = {name: list(form[name].errors) for name in form.errors if name in form}
    # e.g. mail queued for after the commit: none of it is kept either
    info = {k: list(v) if isinstance(v, list) else v for k, v in db.session.info.items()}
    savepoint = db.session.begin_nested()
    try:
        action()
    except refusals as exc:
        show_errors(form, exc, field, rename)
    except Exception:  # half-filled input may trip a service; the form has spoken already
        log.debug("service check of an invalid form failed", exc_info=True)
    finally:
        if savepoint.is_active:
            savepoint.rollback()
        db.session.info.clear()
        db.session.info.update(info)
    for name, errors in already.items():
        form[name].errors = errors


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 code', '2 codes', '1,000 members': the count with the right form of the noun."""
    word = singular if count == 1 else (many or singular + "s")
    return f"{count:,} {word}"


def form_data(form: FlaskForm, names: Any) -> dict[str, Any]:
    """The named fields' data, for building a service's input dataclass."""
    return {name: form[name].data for name in names}


def day_in_range(_form: Any, field: Any) -> None:
    """WTForms validator: a date the filters can use (see services/core/validation.py)."""
    from wtforms.validators import ValidationError

    if day_out_of_range(field.data):
        raise ValidationError(DAY_RANGE_MESSAGE)
