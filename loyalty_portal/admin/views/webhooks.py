"""Webhook endpoints: create (the secret is shown once, after the redirect), rotate the
secret, disable or enable, delete, send a test message; the delivery log with filters,
each delivery's attempts, and replay. Every action is audited by the services."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.webhooks import WebhookForm
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.models import OutboxMessage, WebhookAttempt, WebhookDelivery
from loyalty_portal.models.enums import TEST_MESSAGE_TYPE, DeliveryStatus, MessageType
from loyalty_portal.services.webhooks import deliveries, endpoints
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import submit
from loyalty_portal.web.paging import paginate

#: Session key of a secret waiting to be shown once on the endpoint's page.
REVEAL = "webhook_secret_once"


def _reveal_later(endpoint_id: str, secret: str) -> None:
    session[REVEAL] = {"id": endpoint_id, "secret": secret}


@bp.get("/webhooks")
def webhooks() -> str:
    return _list(WebhookForm(formdata=None))


def _list(form: WebhookForm) -> str:
    return render_template(
        "admin/webhooks/list.html", endpoints=endpoints.list_endpoints(db.session), form=form
    )


@bp.post("/webhooks")
def webhook_create() -> Response | tuple[str, int]:
    form = WebhookForm()
    done = submit(
        form,
        lambda: endpoints.create(
            db.session,
            form.url.data or "",
            list(form.events.data or []),
            description=form.description.data or "",
            actor=admin_actor(),
            now=utcnow(),
            allow_private=bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"]),
        ),
        field="url",
        success="Endpoint created.",
    )
    if done.value is None:
        return _list(form), 400
    _reveal_later(done.value.id, done.value.secret)
    return redirect(url_for("admin.webhook_detail", endpoint_id=done.value.id), 303)


@bp.get("/webhooks/<endpoint_id>")
def webhook_detail(endpoint_id: str) -> Response:
    endpoint = endpoints.get_endpoint(db.session, endpoint_id)
    now = utcnow()
    waiting = session.get(REVEAL)
    secret = None
    if waiting and waiting.get("id") == endpoint.id:
        secret = session.pop(REVEAL)["secret"]
    status = request.args.get("status", "")
    kind = request.args.get("type", "")
    stmt = (
        select(WebhookDelivery)
        .join(OutboxMessage, OutboxMessage.id == WebhookDelivery.message_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )
    if status in tuple(DeliveryStatus):
        stmt = stmt.where(WebhookDelivery.status == status)
    if kind:
        stmt = stmt.where(OutboxMessage.type == kind)
    page = paginate(db.session, stmt)
    attempts: dict[int, list[WebhookAttempt]] = {}
    ids = [d.id for d in page.items]
    if ids:
        for attempt in db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.id.desc())
        ):
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    response = make_response(
        render_template(
            "admin/webhooks/detail.html",
            endpoint=endpoint,
            secret=secret,
            page=page,
            attempts=attempts,
            status=status,
            kind=kind,
            statuses=list(DeliveryStatus),
            types=[*MessageType, TEST_MESSAGE_TYPE],
            previous_until=until
            if (until := endpoint.previous_secret_until) and until > now
            else None,
        )
    )
    if secret:
        response.headers["Cache-Control"] = "no-store"
    return response


def _back(endpoint_id: str) -> Response:
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint_id), 303)


@bp.post("/webhooks/<endpoint_id>/test")
def webhook_test(endpoint_id: str) -> Response:
    endpoint = endpoints.get_endpoint(db.session, endpoint_id)
    endpoints.send_test(db.session, endpoint, actor=admin_actor(), now=utcnow())
    flash("Test message queued: the worker sends it within seconds.", "success")
    return _back(endpoint.id)


@bp.post("/webhooks/<endpoint_id>/rotate")
def webhook_rotate(endpoint_id: str) -> Response:
    endpoint = endpoints.get_endpoint(db.session, endpoint_id)
    secret = endpoints.rotate_secret(db.session, endpoint, actor=admin_actor(), now=utcnow())
    _reveal_later(endpoint.id, secret)
    flash("New secret made. The old one keeps signing for 24 hours.", "success")
    return _back(endpoint.id)


@bp.post("/webhooks/<endpoint_id>/status")
def webhook_status(endpoint_id: str) -> Response:
    endpoint = endpoints.get_endpoint(db.session, endpoint_id)
    active = request.form.get("active") == "1"
    endpoints.set_status(db.session, endpoint, active, actor=admin_actor(), now=utcnow())
    flash("Endpoint enabled." if active else "Endpoint disabled.", "success")
    return _back(endpoint.id)


@bp.post("/webhooks/<endpoint_id>/delete")
def webhook_delete(endpoint_id: str) -> Response:
    endpoint = endpoints.get_endpoint(db.session, endpoint_id)
    endpoints.delete(db.session, endpoint, actor=admin_actor(), now=utcnow())
    flash("Endpoint deleted with its delivery log.", "success")
    return redirect(url_for("admin.webhooks"), 303)


@bp.post("/webhooks/deliveries/<int:delivery_id>/replay")
def webhook_replay(delivery_id: int) -> Response:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        flash("That delivery no longer exists.", "error")
        return redirect(url_for("admin.webhooks"), 303)
    deliveries.replay(db.session, delivery, actor=admin_actor(), now=utcnow())
    flash("Delivery queued again, with the same webhook-id.", "success")
    return _back(delivery.endpoint_id)
