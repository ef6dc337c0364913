"""Mail leaves after its transaction commits (never before, never for a rollback), by SMTP
or to the console, and a failed send is retried and never lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.mail import wait_for_deliveries
from loyalty_portal.mail.transport import SmtpSettings, parse_smtp_url
from loyalty_portal.models import OutgoingMail
from loyalty_portal.services.core.outgoing_mail import queue_mail
from loyalty_portal.timeutil import utcnow
from tests.smtp import SmtpServer, body_of


@pytest.mark.parametrize(
    ("url", "settings"),
    [
        (
            "smtp://user:p%40ss@mail.example.com:587?starttls=true",
            SmtpSettings("mail.example.com", 587, starttls=True, username="user", password="p@ss"),
        ),
        (
            "smtp://mail.example.com?starttls=true",
            SmtpSettings("mail.example.com", 587, starttls=True),
        ),
        (
            "smtps://u:pw@mail.example.com",
            SmtpSettings("mail.example.com", 465, True, False, "u", "pw"),
        ),
        ("smtp://relay.local", SmtpSettings("relay.local", 25)),
        ("smtp://relay.local:2525?starttls=false", SmtpSettings("relay.local", 2525)),
    ],
)
def test_smtp_urls(url, settings):
    assert parse_smtp_url(url) == settings


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_a_wrong_smtp_url_is_refused(url):
    with pytest.raises(ValueError, match="LOYALTY_SMTP_URL"):
        parse_smtp_url(url)


def queue(app, recipient, subject="Hello", body="Body text", *, commit=True):
    with app.app_context():
        mail = queue_mail(db.session, recipient, subject, body, utcnow())
        mail_id = mail.id
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
    return mail_id


def stored(app, mail_id):
    wait_for_deliveries(app)
    with app.app_context():
        mail = db.session.get(OutgoingMail, mail_id)
        return None if mail is None else (mail.sent_at, mail.attempts, mail.body, mail.last_error)


class TestSmtp:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {
            "SMTP_URL": smtp_server.url,
            "MAIL_FROM": "Demo Shop <loyalty@shop.example>",
            "MAIL_RETRY_DELAYS": (0, 0),
        }

    def test_mail_leaves_after_the_commit_and_a_rollback_sends_nothing(self, app, smtp_server):
        queue(app, "never@example.com", "Rolled back", commit=False)
        mail_id = queue(app, "ann@example.com", "Your link", "Follow https://x.example/a")
        [message] = smtp_server.wait_for(1)
        wait_for_deliveries(app)
        assert [m["To"] for m in smtp_server.messages] == ["ann@example.com"]
        assert message["From"] == "Demo Shop <loyalty@shop.example>"
        assert message["Subject"] == "Your link"
        assert body_of(message).strip() == "Follow https://x.example/a"
        sent_at, attempts, body, error = stored(app, mail_id)
        assert sent_at is not None and attempts == 1 and error is None
        assert body == ""  # a sent message keeps no link

    def test_a_refused_send_is_retried(self, app, smtp_server):
        smtp_server.refuse_next = 1
        mail_id = queue(app, "ann@example.com")
        smtp_server.wait_for(1)
        sent_at, attempts, _, error = stored(app, mail_id)
        assert smtp_server.refused == 1 and attempts == 2 and sent_at and error is None

    def test_a_mail_that_keeps_failing_stays_queued_for_flask_mail_send(
        self, app, smtp_server, runner
    ):
        smtp_server.refuse_next = 3
        mail_id = queue(app, "ann@example.com", body="Keep me")
        sent_at, attempts, body, error = stored(app, mail_id)
        assert sent_at is None and attempts == 3 and body == "Keep me" and "451" in error
        assert smtp_server.messages == []

        result = runner.invoke(args=["mail", "send"])

        assert result.exit_code == 0 and "1 sent, 0 not sent" in result.output
        [message] = smtp_server.wait_for(1)
        assert body_of(message).strip() == "Keep me"
        assert stored(app, mail_id)[0] is not None
        again = runner.invoke(args=["mail", "send"])  # nothing is sent twice
        assert "0 sent, 0 not sent" in again.output and len(smtp_server.messages) == 1

    def test_flask_mail_test_sends_at_once(self, smtp_server, runner):
        result = runner.invoke(args=["mail", "test", "ops@example.com"])
        assert result.exit_code == 0 and "SMTP server" in result.output
        assert smtp_server.wait_for(1)[0]["To"] == "ops@example.com"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
class TestSmtpLogin:
    @pytest.fixture
    def server(self):
        server = SmtpServer(login=("mailer", "s3cret:pw"))
        server.start()
        yield server
        server.stop()

    @pytest.fixture
    def app_config(self, server):
        return {"SMTP_URL": server.url.replace("s3cret:pw", "s3cret%3Apw")}

    def test_the_url_credentials_log_in(self, app, server):
        queue(app, "ann@example.com")
        assert server.wait_for(1)[0]["To"] == "ann@example.com"


class TestUnreachableServer:
    @pytest.fixture
    def app_config(self):
        from tests.smtp import free_port

        return {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "MAIL_RETRY_DELAYS": (0,)}

    def test_the_failure_is_logged_and_the_mail_kept(self, app, caplog):
        mail_id = queue(app, "ann@example.com")
        sent_at, attempts, body, error = stored(app, mail_id)
        assert sent_at is None and attempts == 2 and body and "ConnectionRefused" in error
        assert "not sent" in caplog.text


def test_without_smtp_the_mail_is_printed_and_kept_in_the_instance_folder(app, capfd):
    mail_id = queue(app, "ann@example.com", "Reset", "Here: http://127.0.0.1/auth/reset/abc")
    assert stored(app, mail_id)[0] is not None
    [kept] = (Path(app.instance_path) / "mail").glob("*.eml")
    assert b"To: ann@example.com" in kept.read_bytes()
    printed = capfd.readouterr().out
    assert "Subject: Reset" in printed and "http://127.0.0.1/auth/reset/abc" in printed
    with app.app_context():
        assert db.session.scalars(select(OutgoingMail.recipient)).all() == ["ann@example.com"]
