"""The layout rules a newcomer relies on (README, "Layout"), checked on every run."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "loyalty_portal"
MAX_LINES = 300
CONTEXTS = (
    "core",
    "program",
    "ledger",
    "members",
    "earning",
    "rewards",
    "analytics",
    "webhooks",
)
DOORS = ("portal", "admin", "api", "auth")


def test_no_module_is_longer_than_300_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by concept: {long}"


def test_services_are_grouped_by_bounded_context():
    services = PACKAGE / "services"
    packages = sorted(p.name for p in services.iterdir() if (p / "__init__.py").exists())
    assert packages == sorted(CONTEXTS)
    assert [p.name for p in services.glob("*.py")] == ["__init__.py"]  # nothing loose


def test_no_domain_module_is_named_after_a_door():
    """`rule_admin`, `member_admin` and the like hide a rule behind a screen's name."""
    door_words = {*DOORS, "views", "routes", "screens"}
    named = [
        str(path.relative_to(ROOT))
        for path in (PACKAGE / "services").rglob("*.py")
        if door_words & set(path.stem.split("_")) - {"api"} or path.stem in door_words
    ]
    assert named == []


def test_the_specs_travel_with_the_code():
    readme = (ROOT / "README.md").read_text()
    for spec in ("docs/DESIGN.md", "docs/API.md"):
        assert (ROOT / spec).is_file()
        assert f"({spec})" in readme
