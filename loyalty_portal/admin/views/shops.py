"""Shops: where rewards are used. List, create, edit."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.catalog import ShopForm
from loyalty_portal.admin.helpers import admin_actor, paginate, sort_order
from loyalty_portal.extensions import db
from loyalty_portal.forms import show_errors
from loyalty_portal.models import Shop
from loyalty_portal.services import shops as shop_service
from loyalty_portal.services.errors import ValidationFailed
from loyalty_portal.timeutil import utcnow

SORTS = {"name": Shop.name, "id": Shop.id, "status": Shop.status, "created": Shop.created_at}


@bp.get("/shops")
def shops() -> str:
    sort, order = sort_order(SORTS, "name")
    page = paginate(db.session, select(Shop).order_by(*order, Shop.id))
    return render_template("admin/shops.html", page=page, sort=sort)


def _input(form: ShopForm) -> shop_service.ShopInput:
    return shop_service.ShopInput(
        name=form.name.data or "",
        status=form.status.data,
        logo=form.logo.data,
        image=form.image.data,
        description=form.description.data or "",
    )


@bp.route("/shops/new", methods=["GET", "POST"])
def shop_new() -> Response | str:
    form = ShopForm()
    if form.validate_on_submit():
        try:
            shop = shop_service.create_shop(
                db.session, form.id.data, _input(form), actor=admin_actor(), now=utcnow()
            )
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc, "name")
        else:
            db.session.commit()
            flash(f"Shop “{shop.name}” created.", "success")
            return redirect(url_for("admin.shops"), 303)
    return render_template("admin/shop_form.html", form=form, shop=None)


@bp.route("/shops/<shop_id>/edit", methods=["GET", "POST"])
def shop_edit(shop_id: str) -> Response | str:
    shop = shop_service.get_shop(db.session, shop_id)
    if request.method == "POST":
        form = ShopForm()
    else:
        form = ShopForm(obj=shop, description=(shop.description or {}).get("default", ""))
    del form.id
    if form.validate_on_submit():
        try:
            shop_service.update_shop(
                db.session, shop, _input(form), actor=admin_actor(), now=utcnow()
            )
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc, "name")
        else:
            db.session.commit()
            flash("Shop saved.", "success")
            return redirect(url_for("admin.shops"), 303)
    return render_template("admin/shop_form.html", form=form, shop=shop)
