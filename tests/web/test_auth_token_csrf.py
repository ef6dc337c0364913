"""The hand-off is exempt from CSRF (the signed token is the proof) and rate-limited."""

from __future__ import annotations

import pytest

from tests.web.test_auth_token import token_for


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "TOKEN_EXCHANGE_RATE_LIMIT": "3 per minute"}


def test_works_without_a_csrf_token_while_forms_need_one(app, client):
    response = client.post("/auth/token", data={"token": token_for(app)})
    assert response.status_code == 303 and response.location == "/portal/"
    assert client.post("/auth/logout").status_code == 403  # an ordinary form is protected


def test_is_rate_limited(app, client):
    statuses = [client.post("/auth/token", data={"token": "junk"}).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert client.post("/auth/token", data={"token": token_for(app)}).status_code == 429
