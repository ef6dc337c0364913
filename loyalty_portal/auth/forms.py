"""Auth forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from loyalty_portal.services.members.passwords import MAX_LENGTH, MIN_LENGTH

#: The service checks the whole rule (common passwords too); the form catches the obvious.
NEW_PASSWORD = [
    DataRequired(),
    Length(min=MIN_LENGTH, message=f"Use at least {MIN_LENGTH} characters."),
    Length(max=MAX_LENGTH),
]
PASSWORD_HELP = f"At least {MIN_LENGTH} characters, and not a common password."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Log in")


class RegisterForm(FlaskForm):
    display_name = StringField("Your name", validators=[Optional(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=NEW_PASSWORD, description=PASSWORD_HELP)
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )
    ref = HiddenField()  # the inviting member's referral code (?ref=CODE)
    submit = SubmitField("Create account")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=NEW_PASSWORD, description=PASSWORD_HELP)
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")],
    )
    submit = SubmitField("Change password")


class LogoutForm(FlaskForm):
    submit = SubmitField("Log out")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a link")


class ResendVerificationForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send a new link")


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("New password", validators=NEW_PASSWORD, description=PASSWORD_HELP)
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")],
    )
    submit = SubmitField("Set password")
