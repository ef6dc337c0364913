"""User groups have one set of rules: the API and the admin area refuse the same inputs,
with the same sentences, and audit a creation the same way."""

from __future__ import annotations

import html

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, UserGroup

BAD_INPUTS = [
    # (why, group id, default title, German title, sentence the user reads)
    ("dot in the id", "gold.club", "Gold", "Gold", "1 to 128 letters, digits, _ or - (no spaces"),
    ("colon in the id", "vip:1", "VIP", "VIP", "1 to 128 letters, digits, _ or - (no spaces"),
    ("space in the id", "gold club", "Gold", "Gold", "1 to 128 letters, digits, _ or - (no spaces"),
    ("no German title", "gold", "Gold", "", "A 'de' title is required."),
    ("blank default title", "gold", "  ", "Gold", "A default title is required."),
    ("title too long", "gold", "G" * 501, "Gold", "must be text of at most 500 characters"),
    ("id too long", "g" * 129, "Gold", "Gold", "1 to 128 letters, digits, _ or - (no spaces"),
]


@pytest.fixture
def admin_client(app, make):
    make.admin("root@example.com")
    client = app.test_client()
    client.post(
        "/auth/login", data={"email": "root@example.com", "password": "correct-horse-battery"}
    )
    return client


def _via_api(api, admin_key, group_id, title, title_de):
    body = {"userGroupId": group_id, "title": {"default": title, "de": title_de}}
    if not title_de:
        del body["title"]["de"]
    return api.post("/v1/usergroup", admin_key, body)


def _via_admin(client, group_id, title, title_de):
    return client.post(
        "/admin/groups/new",
        data={"id": group_id, "title": title, "title_de": title_de, "status": "ACTIVE"},
    )


def _groups(app) -> int:
    with app.app_context():
        return db.session.query(UserGroup).count()


@pytest.mark.parametrize(("why", "group_id", "title", "title_de", "sentence"), BAD_INPUTS)
def test_both_doors_refuse_the_same_input(
    app, api, admin_key, admin_client, why, group_id, title, title_de, sentence
):
    by_api = _via_api(api, admin_key, group_id, title, title_de)
    assert by_api.status_code == 400, why
    error = by_api.get_json()["error"]
    assert error["code"] == "validation_error"
    assert any(sentence in m for msgs in error["details"].values() for m in msgs), why
    by_admin = _via_admin(admin_client, group_id, title, title_de)
    assert by_admin.status_code == 200, why  # the form again, with the problem next to the field
    page = html.unescape(by_admin.data.decode())
    assert sentence in page, why
    assert _groups(app) == 0


def test_a_taken_id_is_refused_by_both_doors_with_one_sentence(app, api, admin_key, admin_client):
    assert _via_api(api, admin_key, "gold", "Gold", "Gold").status_code == 201
    by_api = _via_api(api, admin_key, "gold", "Gold 2", "Gold 2")
    by_admin = _via_admin(admin_client, "gold", "Gold 2", "Gold 2")
    sentence = "A user group 'gold' already exists."
    assert by_api.status_code == 400
    assert sentence in by_api.get_json()["error"]["details"]["userGroupId"]
    assert sentence in html.unescape(by_admin.data.decode())
    assert _groups(app) == 1


def test_both_doors_audit_a_creation_as_usergroup_create(app, api, admin_key, admin_client):
    _via_api(api, admin_key, "by-api", "A", "A")
    _via_admin(admin_client, "by-admin", "B", "B")
    with app.app_context():
        actions = {
            (a.action, a.target_id)
            for a in db.session.query(AuditLog).filter(AuditLog.target_type == "usergroup")
        }
    assert actions == {("usergroup.create", "by-api"), ("usergroup.create", "by-admin")}
