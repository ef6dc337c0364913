"""Shops: where rewards are used. List, create, edit."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.catalog import ShopForm
from loyalty_portal.admin.helpers import admin_actor, sort_order
from loyalty_portal.extensions import db
from loyalty_portal.models import Shop
from loyalty_portal.services.rewards import shops as shop_service
from loyalty_portal.services.rewards.shops import get_shop
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import submit
from loyalty_portal.web.paging import paginate

SORTS = {"name": Shop.name, "id": Shop.id, "status": Shop.status, "created": Shop.created_at}


@bp.get("/shops")
def shops() -> str:
    sort, order = sort_order(SORTS, "name")
    page = paginate(db.session, select(Shop).order_by(*order, Shop.id))
    return render_template("admin/shops/list.html", page=page, sort=sort)


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
    done = submit(
        form,
        lambda: shop_service.create_shop(
            db.session, form.id.data, _input(form), actor=admin_actor(), now=utcnow()
        ),
        field="name",
        all_at_once=True,
        success=lambda shop: f"Shop “{shop.name}” created.",
    )
    if done.ok:
        return redirect(url_for("admin.shops"), 303)
    return render_template("admin/shops/form.html", form=form, shop=None)


@bp.route("/shops/<shop_id>/edit", methods=["GET", "POST"])
def shop_edit(shop_id: str) -> Response | str:
    shop = get_shop(db.session, shop_id)
    if request.method == "POST":
        form = ShopForm()
    else:
        form = ShopForm(obj=shop, description=(shop.description or {}).get("default", ""))
    del form.id
    done = submit(
        form,
        lambda: shop_service.update_shop(
            db.session, shop, _input(form), actor=admin_actor(), now=utcnow()
        ),
        field="name",
        all_at_once=True,
        success="Shop saved.",
    )
    if done.ok:
        return redirect(url_for("admin.shops"), 303)
    return render_template("admin/shops/form.html", form=form, shop=shop)
