"""Portal forms: the redeem button's form (CSRF and a per-render idempotency key), the
birthday on the profile, and the GET filters of the history and the catalog (no CSRF:
they change nothing)."""

from __future__ import annotations

import calendar
import secrets
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, Form, HiddenField, IntegerField, SelectField
from wtforms.validators import Length, NumberRange, Optional

from loyalty_portal.models.enums import LABELS, OfferType
from loyalty_portal.services.ledger.history import PORTAL_TYPES
from loyalty_portal.web.forms import day_in_range

try:  # wtforms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover (older wtforms)
    SelectChoice = None


def choices(pairs: list[tuple[str, str]]) -> list[Any]:
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(18)


class RedeemForm(FlaskForm):
    """Each rendering carries a fresh key, so a double click redeems once, and the price
    shown, so a price changed since is refused instead of charged."""

    idempotency_key = HiddenField(
        default=new_idempotency_key, validators=[Optional(), Length(min=8, max=64)]
    )
    expected_points = IntegerField(validators=[Optional(), NumberRange(min=0, max=10**12)])


HISTORY_TYPE_LABELS = {
    "earned": "Earned",
    "redeemed": "Redeemed",
    "refunded": "Refunded",
    "expired": "Expired",
    "adjusted": "Adjusted",
    "returned": "Returned orders",
    "paid": "Paid with points",
}
assert set(HISTORY_TYPE_LABELS) == set(PORTAL_TYPES)


class HistoryFilterForm(Form):
    type = SelectField(
        "Type",
        choices=choices([("", "All types"), *HISTORY_TYPE_LABELS.items()]),
        default="",
        validators=[Optional()],
    )
    start = DateField("From", validators=[Optional(), day_in_range])
    end = DateField("To", validators=[Optional(), day_in_range])

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        ok: bool = super().validate(extra_validators)
        if ok and self.start.data and self.end.data and self.start.data > self.end.data:
            self.end.errors = [*self.end.errors, "The end date is before the start date."]
            return False
        return ok

    @property
    def is_filtered(self) -> bool:
        return bool(self.type.data or self.start.data or self.end.data)


SHOW_CHOICES = [("all", "All rewards"), ("affordable", "Within my points")]
TYPE_CHOICES = [("", "Any type"), *((t.value, LABELS[t]) for t in OfferType)]


class CatalogFilterForm(Form):
    show = SelectField(
        "Show", choices=choices(SHOW_CHOICES), default="all", validators=[Optional()]
    )
    shop = SelectField(
        "Shop", choices=choices([("", "All shops")]), default="", validators=[Optional()]
    )
    type = SelectField("Type", choices=choices(TYPE_CHOICES), default="", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=10_000)])

    def with_shops(self, shops: list[tuple[str, str]]) -> CatalogFilterForm:
        self.shop.choices = choices([("", "All shops"), *shops])
        return self


MONTHS = [("", "Not set")] + [(str(i), calendar.month_name[i]) for i in range(1, 13)]


class BirthdayForm(FlaskForm):
    birth_month = SelectField("Birthday month", choices=choices(MONTHS), validators=[Optional()])
    birth_day = IntegerField("Day", validators=[Optional()])
    birth_year = IntegerField(
        "Year (optional)", validators=[Optional()], description="Not needed for the reward."
    )
