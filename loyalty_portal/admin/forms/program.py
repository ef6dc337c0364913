"""Forms for tiers, user groups and the program's settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

GROUP_STATUS_CHOICES = {"ACTIVE": "Active", "INACTIVE": "Inactive"}


class TierForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    threshold = IntegerField(
        "Threshold",
        validators=[Optional()],
        description="Points earned in the tier window to reach this tier.",
    )
    multiplier = DecimalField(
        "Multiplier",
        places=None,
        default=1,
        validators=[Optional()],
        description="Earned points are multiplied by this (1: none).",
    )
    benefits = TextAreaField("Benefits", validators=[Optional(), Length(max=2000)])


class GroupForm(FlaskForm):
    id = StringField(
        "Group id",
        validators=[Optional(), Length(max=10_000)],
        description="Letters, digits, _ or -. Left empty, one is generated.",
    )
    # Lengths and required texts are the service's rules (`program.groups`); the form's
    # own limits only keep a pasted novel out of the request.
    title = StringField("Title", validators=[Length(max=10_000)])
    title_de = StringField(
        "Title in German",
        validators=[Length(max=10_000)],
        description="Required, as the public Lynes API requires it (de).",
    )
    title_translations = TextAreaField(
        "Title in other languages",
        validators=[Optional(), Length(max=5000)],
        description="One per line: fr: Clients fidèles",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    description_translations = TextAreaField(
        "Description in other languages",
        validators=[Optional(), Length(max=10_000)],
        description="One per line, e.g. de: Beschreibung",
    )
    status = SelectField("Status", choices=GROUP_STATUS_CHOICES)


class SettingsForm(FlaskForm):
    name = StringField("Program name", validators=[DataRequired(), Length(max=120)])
    timezone = StringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64)],
        description="An IANA name such as Europe/Berlin; calendar rules and dates use it.",
    )
    expiry_policy = SelectField(
        "Points expire (default)",
        choices={
            "never": "Never",
            "days": "After a number of days",
            "end_of_month": "At the end of the month",
            "end_of_year": "At the end of the year",
        },
    )
    expiry_days = IntegerField("Expiry days", validators=[Optional()])
    pending_days = IntegerField(
        "Pending days (default)",
        validators=[Optional()],
        description="Days before earned points can be spent; 0: at once.",
    )
    tier_window_days = IntegerField(
        "Tier window (days)",
        validators=[Optional()],
        description="Tiers count the points earned in this many trailing days.",
    )
    coupon_valid_days = IntegerField(
        "Coupons valid for (days)", validators=[Optional()], description="Empty: no end."
    )
    welcome_bonus = IntegerField(
        "Welcome bonus (points)",
        validators=[Optional()],
        description="Points every new member gets when they join; empty or 0: none.",
    )
    tenant_id = StringField(
        "Tenant id",
        validators=[DataRequired(), Length(max=128)],
        description="The iss claim of member JWTs.",
    )
    project_id = StringField(
        "Project id",
        validators=[DataRequired(), Length(max=128)],
        description="The aud claim of member JWTs.",
    )
    embed_origins = TextAreaField(
        "Sites that may embed the portal",
        validators=[Optional(), Length(max=4000)],
        description=(
            "One origin per line, e.g. https://app.shop.example, for an app that shows the "
            "portal in a web view or frame. Empty: only this site may frame it."
        ),
    )
