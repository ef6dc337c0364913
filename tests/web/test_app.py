"""The factory, settings, error answers and the health check."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

import loyalty_portal
from loyalty_portal import create_app, default_instance_path, resource_dir
from loyalty_portal.extensions import db
from tests.conftest import make_config


def test_production_refuses_default_secrets(database_url, tmp_path):
    config = make_config(database_url, tmp_path, TESTING=False, SECRET_KEY="dev")
    with pytest.raises(RuntimeError, match="LOYALTY_SECRET_KEY"):
        create_app(config)
    config = make_config(database_url, tmp_path, TESTING=False, API_SECRET="dev")
    with pytest.raises(RuntimeError, match="LOYALTY_API_SECRET"):
        create_app(config)
    assert create_app(make_config(database_url, tmp_path, TESTING=False)).config["SECRET_KEY"]


def test_settings_come_from_instance_file_then_environment(database_url, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("PROGRAM_NAME = 'From file'\nTIMEZONE = 'Europe/Paris'\n")
    monkeypatch.setenv("LOYALTY_TIMEZONE", "Asia/Tokyo")
    app = create_app(
        {"INSTANCE_PATH": str(instance), "TESTING": True, "DATABASE_URL": database_url}
    )
    assert app.config["PROGRAM_NAME"] == "From file"
    assert app.config["TIMEZONE"] == "Asia/Tokyo"  # the environment wins over the file


def test_database_url_forms(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'loyalty.db'}"


def test_a_checkout_serves_its_top_level_folders(tmp_path, monkeypatch):
    checkout = Path(loyalty_portal.__file__).resolve().parents[1]
    monkeypatch.delenv("LOYALTY_INSTANCE_PATH", raising=False)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.template_folder == str(checkout / "templates")
    assert app.static_folder == str(checkout / "static")
    assert app.extensions["migrate"].directory == str(checkout / "migrations")
    assert app.instance_path == str(checkout / "instance")  # where `make run` writes
    monkeypatch.setenv("LOYALTY_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.instance_path == str(tmp_path)


def test_an_installed_package_serves_the_folders_it_carries(tmp_path, monkeypatch):
    package = tmp_path / "site-packages" / "loyalty_portal"
    for name in ("templates", "static", "migrations"):
        (package / name).mkdir(parents=True)
    monkeypatch.setattr(loyalty_portal, "PACKAGE", package)
    monkeypatch.setattr(loyalty_portal, "ROOT", package.parent)
    monkeypatch.chdir(tmp_path)
    assert [resource_dir(n) for n in ("templates", "static", "migrations")] == [
        package / "templates",
        package / "static",
        package / "migrations",
    ]
    assert default_instance_path() == tmp_path / "instance"  # not site-packages/instance


def test_healthz_reports_the_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {
        "status": "ok",
        "database": "ok",
        "worker": {"lastHeartbeat": None, "secondsSinceHeartbeat": None},
        "outbox": {"oldestUndeliveredSeconds": None},
    }


def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    app = create_app(make_config("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


@pytest.mark.parametrize("prefix", ["/v1", "/v0", "/v2", "/v3"])
def test_api_paths_answer_json_errors(client, prefix):
    response = client.get(f"{prefix}/no/such/route")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["message"]


def test_other_paths_answer_friendly_html(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Page not found" in response.data


def test_405_keeps_allow_header(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_unexpected_errors_roll_back_and_answer_500(app, make):
    make.member("ann", balance=10)

    @app.get("/v1/_boom")
    def boom():  # a route that writes, then fails
        db.session.execute(text("UPDATE member SET balance = 0"))
        raise RuntimeError("kaboom")

    @app.get("/_boom")
    def boom_html():
        raise RuntimeError("kaboom")

    client = app.test_client()
    response = client.get("/v1/_boom")
    assert response.status_code == 500
    assert response.json == {
        "error": {"code": "internal_error", "message": "Internal server error."}
    }
    assert b"kaboom" not in response.data
    html = client.get("/_boom")
    assert html.status_code == 500 and b"Something went wrong" in html.data
    with app.app_context():
        balance = db.session.execute(text("SELECT balance FROM member")).scalar()
    assert balance == 10


def test_every_page_links_the_api_reference(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/docs/api"' in page
    assert client.get("/docs/api").status_code == 200
