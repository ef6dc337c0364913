"""The built wheel runs on its own: installed in a fresh venv, served from an empty folder.

`pip install .` is the README's production install. A wheel that left templates, static
files or migrations in the checkout would still pass every other test (they all run from
the checkout), so this one builds the wheel, installs it away from the checkout and runs
the README's production commands against it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
APP = "loyalty_portal:create_app"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]

pytestmark = pytest.mark.slow

Completed = subprocess.CompletedProcess[str]


@dataclass(frozen=True)
class Site:
    """A venv holding only the wheel and its dependencies, and an empty folder to run in."""

    venv: Path
    folder: Path
    env: dict[str, str]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *args: str) -> Completed:
        return subprocess.run(
            args, cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=120
        )

    def flask(self, *args: str) -> Completed:
        return self.run(self.bin("flask"), "--app", APP, *args)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Build the wheel from the checkout and install it into a venv outside it."""
    base = tmp_path_factory.mktemp("wheel")
    dist, venv, folder = base / "dist", base / "venv", base / "site"
    folder.mkdir()
    _check([*PIP, "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)])
    (wheel,) = dist.glob("loyalty_portal-*.whl")
    # No pip inside the venv (ensurepip alone takes seconds): this pip installs into it.
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    install = ["install", "--quiet", "--no-compile", str(wheel)]  # compiled as imported
    _check([*PIP, "--python", str(venv / "bin" / "python"), *install])
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LOYALTY_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))
    }
    env |= {
        "LOYALTY_SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
        "LOYALTY_API_SECRET": secrets.token_urlsafe(36),
        "LOYALTY_DATABASE_URL": f"sqlite:///{folder / 'loyalty.db'}",
    }
    return Site(venv=venv, folder=folder, env=env)


@pytest.fixture(scope="module")
def migrated(site: Site) -> tuple[Completed, Completed]:
    """`db upgrade` then `seed-demo`, as README's Production section runs them."""
    return site.flask("db", "upgrade"), site.flask("seed-demo")


def test_migrations_and_seed_run_from_an_empty_folder(
    site: Site, migrated: tuple[Completed, Completed]
) -> None:
    upgrade, seed = migrated
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "Running upgrade  -> 0001" in upgrade.stderr
    assert seed.returncode == 0, seed.stdout + seed.stderr
    assert "admin@example.com" in seed.stdout
    assert (site.folder / "loyalty.db").stat().st_size > 0


def test_resources_come_from_the_installed_package(site: Site) -> None:
    probe = (
        "import json, loyalty_portal; a = loyalty_portal.create_app(); "
        "print(json.dumps([loyalty_portal.__file__, a.template_folder, a.static_folder, "
        "a.extensions['migrate'].directory, a.instance_path]))"
    )
    result = site.run(site.bin("python"), "-c", probe)
    assert result.returncode == 0, result.stderr
    module, templates, static, migrations, instance = map(Path, json.loads(result.stdout))
    package = module.parent
    assert package.is_relative_to(site.venv) and "site-packages" in package.parts
    for folder, name in ((templates, "templates"), (static, "static"), (migrations, "migrations")):
        assert folder == package / name
        assert not folder.is_relative_to(ROOT)
    assert (static / "vendor" / "htmx-2.0.11" / "htmx.min.js").is_file()
    assert (migrations / "alembic.ini").is_file() and (migrations / "env.py").is_file()
    assert instance == site.folder / "instance"  # not site-packages/instance


def test_flask_run_serves_pages_and_static_files(site: Site, migrated: object) -> None:
    port = _free_port()
    with _serving(site, port, site.bin("flask"), "--app", APP, "run", "--port", str(port)) as base:
        _assert_serves(base)


def test_gunicorn_serves_pages_and_static_files(site: Site, migrated: object) -> None:
    port = _free_port()
    command = (site.bin("gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2", f"{APP}()")
    with _serving(site, port, *command) as base:
        _assert_serves(base)


def _assert_serves(base: str) -> None:
    login = requests.get(f"{base}/auth/login", timeout=10)
    assert login.status_code == 200
    assert '<form method="post"' in login.text and 'name="password"' in login.text
    css = requests.get(f"{base}/static/app.css", timeout=10)
    assert css.status_code == 200 and css.content == (ROOT / "static" / "app.css").read_bytes()
    htmx = requests.get(f"{base}/static/vendor/htmx-2.0.11/htmx.min.js", timeout=10)
    assert htmx.status_code == 200


@contextmanager
def _serving(site: Site, port: int, *command: str, timeout: float = 30) -> Iterator[str]:
    """Start a server on `port`, yield its base URL once it answers, always stop it."""
    base = f"http://127.0.0.1:{port}"
    log = site.folder.parent / f"server-{port}.log"  # beside the folder, which stays clean
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=site.folder, env=site.env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command[0]} exited with {process.returncode}:\n{log.read_text()}")
            try:
                requests.get(f"{base}/auth/login", timeout=2)
                break
            except requests.RequestException:  # not listening yet, or no worker booted yet
                if time.monotonic() > deadline:
                    pytest.fail(f"no answer on {base} in {timeout} s:\n{log.read_text()}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
