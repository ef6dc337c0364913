"""Member JWT attacks: each one is 401 and does nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime

import pytest

from tests.api.conftest import bearer, claims_for, error_code, member_token, snapshot
from tests.conftest import API_SECRET

#: A public key an attacker might find and try as the HMAC secret (RS256/HS256 confusion).
PUBLIC_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n"
    "-----END PUBLIC KEY-----\n"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict, claims: dict) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def forge(header: dict, claims: dict, key: bytes | None) -> str:
    """A JWT built by hand, as an attacker would, signed with HMAC-SHA256 over `key`."""
    signing_input = _unsigned(header, claims)[:-1]
    if key is None:
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


ATTACKS = {
    "alg_none": lambda: forge({"alg": "none", "typ": "JWT"}, claims_for("victim"), None),
    "alg_none_signed": lambda: forge(
        {"alg": "none", "typ": "JWT"}, claims_for("victim"), API_SECRET.encode()
    ),
    "rs256_signed": lambda: (
        _unsigned({"alg": "RS256", "typ": "JWT"}, claims_for("victim"))
        + _b64(secrets.token_bytes(256))
    ),
    "hs256_with_public_key": lambda: forge(
        {"alg": "HS256", "typ": "JWT"}, claims_for("victim"), PUBLIC_PEM.encode()
    ),
    "hs512": lambda: member_token("victim").replace(
        member_token("victim").split(".")[0], _b64(b'{"alg":"HS512","typ":"JWT"}')
    ),
    "expired": lambda: member_token("victim", iat=_now() - 7200, exp=_now() - 120),
    "iat_in_future": lambda: member_token("victim", iat=_now() + 300, exp=_now() + 3600),
    "wrong_iss": lambda: member_token("victim", iss="someone-else"),
    "wrong_aud": lambda: member_token("victim", aud="other-project"),
    "missing_exp": lambda: member_token("victim", exp=None),
    "missing_iat": lambda: member_token("victim", iat=None),
    "missing_iss": lambda: member_token("victim", iss=None),
    "missing_aud": lambda: member_token("victim", aud=None),
    "missing_sub": lambda: member_token("victim", sub=None),
    "empty_sub": lambda: member_token(""),
    "blank_sub": lambda: member_token("   "),
    "numeric_sub": lambda: forge({"alg": "HS256"}, claims_for(12345), API_SECRET.encode()),
    "invalid_user_id_sub": lambda: member_token("has spaces/and slashes"),
    "wrong_signature": lambda: member_token("victim", secret="another-secret-" + "x" * 40),
    "tampered_claims": lambda: _tampered(),
    "garbage": lambda: "not-a-jwt",
    "three_garbage_parts": lambda: "abc.def.ghi",
    "huge": lambda: "a" * 10_000,
}


def _tampered() -> str:
    header, _, signature = member_token("victim").split(".")
    claims = _b64(json.dumps(claims_for("admin")).encode())
    return f"{header}.{claims}.{signature}"


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_token_attack_is_401_and_changes_nothing(api, make, app, attack):
    make.member("victim", balance=100)
    make.rule("login", points=10)
    make.offer("coffee", cost=10)
    token = ATTACKS[attack]()
    before = snapshot(app)
    for method, path, body in [
        ("GET", "/v1/user/victim/points", None),
        ("POST", "/v1/event", {"eventId": "login"}),
        ("POST", "/v1/user/victim/offer/coffee/redeem", {}),
    ]:
        r = api.call(method, path, bearer(token), json=body)
        assert r.status_code == 401, (attack, r.get_json())
        assert error_code(r) == "unauthorized"
    assert snapshot(app) == before


def test_a_valid_token_within_the_leeway_is_accepted(api, make):
    make.member("victim", balance=100)
    slightly_future = member_token("victim", iat=_now() + 10)
    just_expired = member_token("victim", iat=_now() - 3600, exp=_now() - 10)
    for token in (member_token("victim"), slightly_future, just_expired):
        assert api.get("/v1/user/victim/points", bearer(token)).status_code == 200


def test_the_token_cli_issues_tokens_this_api_accepts(api, make, runner):
    make.member("cli-user", balance=5)
    result = runner.invoke(args=["token", "cli-user", "--ttl", "60"])
    assert result.exit_code == 0
    r = api.get("/v1/user/cli-user/points", bearer(result.output.strip()))
    assert r.status_code == 200 and r.get_json()["points"] == 5
