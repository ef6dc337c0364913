"""Offers: list, create, edit, (de)activate, delete when unused, code-pool uploads."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.catalog import CodesUploadForm, OfferForm
from loyalty_portal.admin.helpers import (
    admin_actor,
    filtered_list,
    read_text_upload,
    sort_order,
    to_local,
    to_utc,
)
from loyalty_portal.extensions import db
from loyalty_portal.models import Offer, Redemption, Shop, Tier, UserGroup
from loyalty_portal.services.analytics import offer_statistics
from loyalty_portal.services.rewards import codes
from loyalty_portal.services.rewards import offers as offers_service
from loyalty_portal.services.rewards.offers import get_offer
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import plural, submit
from loyalty_portal.web.paging import paginate

SORTS = {
    "id": Offer.id,
    "title": Offer.title,
    "cost": Offer.cost,
    "stock": Offer.stock,
    "created": Offer.created_at,
}


@bp.get("/offers")
def offers() -> str:
    stmt, q, status = filtered_list(
        select(Offer), search=(Offer.id, Offer.title), active=Offer.active, default_status="active"
    )
    sort, order = sort_order(SORTS, "title")
    page = paginate(db.session, stmt.order_by(*order, Offer.id))
    ids = [o.id for o in page.items]
    return render_template(
        "admin/offers/list.html",
        page=page,
        q=q,
        status=status,
        sort=sort,
        stats=offer_statistics.redemption_stats(db.session, ids),
        pools=codes.pool_counts(db.session, ids),
    )


def _choices(form: OfferForm) -> OfferForm:
    shops = db.session.scalars(select(Shop).order_by(Shop.name)).all()
    tiers = db.session.scalars(select(Tier).order_by(Tier.threshold)).all()
    groups = db.session.scalars(select(UserGroup).order_by(UserGroup.id)).all()
    form.shop_id.choices = {"": "No shop"} | {s.id: s.name for s in shops}
    form.min_tier_id.choices = {"": "Any tier"} | {
        str(t.id): f"{t.name} ({t.threshold:,}+)" for t in tiers
    }
    form.usergroup_ids.choices = {g.id: g.display_title() for g in groups}
    return form


def _input(form: OfferForm) -> offers_service.OfferInput:
    return offers_service.OfferInput(
        title=form.title.data or "",
        description=form.description.data or "",
        image_url=form.image_url.data,
        type=form.type.data,
        shop_id=form.shop_id.data,
        cost=form.cost.data,
        stock=form.stock.data,
        limit_per_member=form.limit_per_member.data,
        valid_from=to_utc(form.valid_from.data),
        valid_until=to_utc(form.valid_until.data),
        min_tier_id=form.min_tier_id.data,
        usergroup_ids=list(form.usergroup_ids.data or []),
        fulfilment=form.fulfilment.data,
        coupon_valid_days=form.coupon_valid_days.data,
        how_to_use=form.how_to_use.data or "",
        active=bool(form.active.data),
    )


@bp.route("/offers/new", methods=["GET", "POST"])
def offer_new() -> Response | str:
    form = _choices(OfferForm())
    done = submit(
        form,
        lambda: offers_service.create_offer(
            db.session, form.id.data, _input(form), actor=admin_actor(), now=utcnow()
        ),
        field="title",
        all_at_once=True,
        success=lambda offer: f"Offer “{offer.title}” created.",
    )
    if done.value is not None:
        return redirect(url_for("admin.offer_detail", offer_id=done.value.id), 303)
    return render_template("admin/offers/form.html", form=form, offer=None)


def _form_data(offer: Offer) -> dict[str, Any]:
    return {
        **{
            name: getattr(offer, name)
            for name in (
                "title",
                "description",
                "image_url",
                "type",
                "shop_id",
                "cost",
                "stock",
                "limit_per_member",
                "min_tier_id",
                "fulfilment",
                "coupon_valid_days",
                "how_to_use",
                "active",
            )
        },
        "valid_from": to_local(offer.valid_from),
        "valid_until": to_local(offer.valid_until),
        "usergroup_ids": [g.id for g in offer.usergroups],
    }


@bp.route("/offers/<offer_id>/edit", methods=["GET", "POST"])
def offer_edit(offer_id: str) -> Response | str:
    offer = get_offer(db.session, offer_id)
    form = OfferForm() if request.method == "POST" else OfferForm(data=_form_data(offer))
    del form.id
    _choices(form)
    done = submit(
        form,
        lambda: offers_service.update_offer(
            db.session, offer, _input(form), actor=admin_actor(), now=utcnow()
        ),
        field="title",
        all_at_once=True,
        success="Offer saved.",
    )
    if done.ok:
        return redirect(url_for("admin.offer_detail", offer_id=offer.id), 303)
    return render_template("admin/offers/form.html", form=form, offer=offer)


def _detail(offer: Offer, upload_form: CodesUploadForm, upload: Any = None) -> str:
    recent = paginate(
        db.session,
        select(Redemption)
        .where(Redemption.offer_id == offer.id)
        .options(selectinload(Redemption.member))
        .order_by(Redemption.created_at.desc(), Redemption.id),
        per_page=20,
    )
    return render_template(
        "admin/offers/detail.html",
        offer=offer,
        stats=offer_statistics.redemption_stats(db.session, [offer.id])[offer.id],
        pool=codes.pool_counts(db.session, [offer.id]).get(offer.id, (0, 0)),
        recent=recent,
        upload_form=upload_form,
        upload=upload,
    )


@bp.get("/offers/<offer_id>")
def offer_detail(offer_id: str) -> str:
    return _detail(get_offer(db.session, offer_id), CodesUploadForm())


@bp.post("/offers/<offer_id>/active")
def offer_set_active(offer_id: str) -> Response:
    offer = get_offer(db.session, offer_id)
    active = request.form.get("active") == "1"
    offers_service.set_active(db.session, offer, active, actor=admin_actor(), now=utcnow())
    flash(f"Offer {'activated' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.offer_detail", offer_id=offer.id), 303)


@bp.post("/offers/<offer_id>/delete")
def offer_delete(offer_id: str) -> Response:
    offer = get_offer(db.session, offer_id)
    title = offer.title
    offers_service.delete_offer(db.session, offer, actor=admin_actor(), now=utcnow())
    flash(f"Offer “{title}” deleted.", "success")
    return redirect(url_for("admin.offers"), 303)


@bp.post("/offers/<offer_id>/codes")
def offer_codes(offer_id: str) -> Response | str:
    offer = get_offer(db.session, offer_id)
    form = CodesUploadForm()
    upload = None
    text = read_text_upload(form.file) if form.validate_on_submit() else None
    if text is not None:
        upload = submit(
            form,
            lambda: codes.add_codes(db.session, offer, text, actor=admin_actor(), now=utcnow()),
            field="file",
            success=lambda done: f"{plural(done.added, 'code')} added to the pool.",
            validate=False,
        ).value
    return _detail(offer, form, upload)
